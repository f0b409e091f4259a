"""Built-in 2-D Gaussian mixtures for watching mode collapse: `gaussians2d-ring` and `gaussians2d-grid`.

- ring: 8 equally weighted Gaussians with centres on a circle of radius 2 and standard deviation 0.02
  (the set-up of the unrolled-GAN paper, Metz et al. 2017);
- grid: 25 equally weighted Gaussians centred on the 5×5 grid {−4, −2, 0, 2, 4}² with standard deviation 0.05
  (the set-up of VEEGAN, Srivastava et al. 2017).

A fixed set of 50,000 points (seed 0) is drawn once; labels are the index of the component each point came
from. `workbench.metrics.mode_coverage.points_mode_coverage` scores generated points against `mode_centers`.
"""

from __future__ import annotations

import math

import torch

from workbench.data.dataset import DataInfo, PointDataset

POINTS = 50_000
SEED = 0
VARIANTS = {
    # name: (std, description)
    "ring": (0.02, "8 Gaussians on a circle of radius 2, std 0.02"),
    "grid": (0.05, "25 Gaussians on the 5×5 grid {−4, −2, 0, 2, 4}², std 0.05"),
}


def mode_centers(variant: str) -> torch.Tensor:
    """The mixture's component means, K×2."""
    if variant == "ring":
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return torch.stack([2 * torch.cos(angles), 2 * torch.sin(angles)], 1).float()
    if variant == "grid":
        values = torch.arange(-4.0, 5.0, 2.0)
        xs, ys = torch.meshgrid(values, values, indexing="ij")
        return torch.stack([xs.reshape(-1), ys.reshape(-1)], 1)
    raise ValueError(f"unknown gaussians2d variant {variant!r}; valid: {', '.join(VARIANTS)}")


def sample_mixture(variant: str, n: int, seed: int = SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """n points (N×2) and their component indices, reproducible from the seed."""
    centers = mode_centers(variant)
    std = VARIANTS[variant][0]
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, centers.shape[0], (n,), generator=g)
    points = centers[labels] + std * torch.randn(n, 2, generator=g)
    return points, labels


def load_gaussians2d(variant: str, size: int = POINTS) -> PointDataset:
    centers = mode_centers(variant)
    points, labels = sample_mixture(variant, size)
    info = DataInfo(
        name=f"gaussians2d-{variant}",
        size=size,
        channels=0,
        image_size=0,
        class_names=tuple(f"mode {k}" for k in range(centers.shape[0])),
        kind="points",
        mode_centers=tuple(tuple(float(v) for v in c) for c in centers),
        mode_std=VARIANTS[variant][0],
    )
    return PointDataset(points, labels, centers, info)
