"""A preview of a dataset for the new-run form: a grid of examples and a one-line description of its size."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from workbench.config import DataConfig


@dataclass(frozen=True)
class DatasetPreview:
    image: np.ndarray  # uint8 H×W×3
    description: str


def _points_image(points: torch.Tensor, size: int = 256) -> np.ndarray:
    """2-D points as a density image (log-scaled 2-D histogram), for point datasets."""
    xy = points.detach().float().cpu().numpy()
    extent = float(np.abs(xy).max()) * 1.1 or 1.0
    hist, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=size, range=[[-extent, extent], [-extent, extent]])
    density = np.log1p(hist[::-1])
    density = (255 * density / max(density.max(), 1e-12)).astype(np.uint8)
    return np.repeat(255 - density[..., None], 3, axis=2)


def dataset_preview(config: DataConfig, count: int = 32, seed: int = 0) -> DatasetPreview:
    """Build the dataset `config` names and describe it; raises ConfigError for a bad root or name."""
    from workbench.data import build_dataset
    from workbench.training.grids import image_grid

    dataset = build_dataset(config)
    info = dataset.info
    n = len(dataset)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    if n and dataset.get_batch(order[:1])[0].ndim == 2:
        points, _ = dataset.get_batch(order[: min(n, 4000)])
        modes = f", {info.num_classes} modes" if info.num_classes else ""
        return DatasetPreview(_points_image(points), f"{n:,} points in 2-D{modes}")
    images, _ = dataset.get_batch(order[: min(count, n)])
    classes = f", {info.num_classes} classes" if info.num_classes else ", unlabelled"
    factors = getattr(info, "factor_names", ())
    factor_text = f", factors: {', '.join(factors)}" if factors else ""
    description = f"{n:,} images, {info.channels}×{info.image_size}×{info.image_size}{classes}{factor_text}"
    return DatasetPreview(image_grid(images, nrow=8), description)
