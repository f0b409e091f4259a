"""Sample diversity: mean pairwise distance of generated images, relative to that of real images.

A ratio near 1 means the fixed-latent samples differ from each other as much as real images do; a ratio
near 0 means different z give nearly the same image (mode collapse).
"""

from __future__ import annotations

import torch


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean L2 distance between all pairs of images (N×C×H×W), on CPU."""
    flat = images.detach().float().flatten(1).cpu()
    if flat.shape[0] < 2:
        return 0.0
    d = torch.cdist(flat, flat)
    n = flat.shape[0]
    return float(d.sum() / (n * (n - 1)))


def diversity_ratio(samples: torch.Tensor, real: torch.Tensor) -> float:
    reference = mean_pairwise_distance(real)
    return mean_pairwise_distance(samples) / reference if reference > 0 else 0.0
