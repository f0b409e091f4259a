"""Mode coverage: how many classes (or mixture modes) generated samples reach, and how evenly.

- `mode_coverage`: from a classifier's predicted labels, the classes covered and KL(p̂ ‖ uniform) of the
  predicted-class histogram (0 when every class is equally frequent, log C when all samples fall in one class).
- `points_mode_coverage`: for 2-D mixtures, the measure of the unrolled-GAN and VEEGAN papers: a sample is
  high quality when it lies within `threshold` standard deviations of its nearest mode centre, and a mode is
  covered when at least `min_samples` high-quality samples fall to it (VEEGAN: 1; PacGAN used 20 of 2,500).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModeCoverage:
    covered: int  # classes predicted for at least `min_count` samples
    kl_from_uniform: float  # KL(predicted class frequencies ‖ uniform), nats
    histogram: np.ndarray  # samples per class

    @property
    def num_classes(self) -> int:
        return int(self.histogram.shape[0])


@dataclass(frozen=True)
class PointsModeCoverage:
    covered: int  # modes with at least `min_samples` high-quality samples
    num_modes: int
    high_quality_fraction: float  # samples within `threshold` std of their nearest centre
    counts: np.ndarray  # high-quality samples per mode


def kl_from_uniform(histogram: np.ndarray) -> float:
    counts = np.asarray(histogram, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        raise ValueError("the histogram is empty")
    p = counts / total
    nz = p > 0
    return float((p[nz] * np.log(p[nz] * counts.shape[0])).sum())


def mode_coverage(predicted_labels: np.ndarray, num_classes: int, min_count: int = 1) -> ModeCoverage:
    labels = np.asarray(predicted_labels).astype(np.int64).reshape(-1)
    if labels.size == 0:
        raise ValueError("no predicted labels")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"predicted labels must lie in [0, {num_classes})")
    hist = np.bincount(labels, minlength=num_classes)
    return ModeCoverage(int((hist >= min_count).sum()), kl_from_uniform(hist), hist)


def points_mode_coverage(points: np.ndarray, centers: np.ndarray, std: float, threshold: float = 3.0,
                         min_samples: int = 1) -> PointsModeCoverage:
    """Modes covered and the fraction of high-quality samples; `threshold` is in units of `std`."""
    p = np.asarray(points, dtype=np.float64)
    c = np.asarray(centers, dtype=np.float64)
    if p.ndim != 2 or c.ndim != 2 or p.shape[1] != c.shape[1]:
        raise ValueError(f"points and centers must be N×D and K×D, got {p.shape} and {c.shape}")
    d = np.sqrt(((p[:, None, :] - c[None, :, :]) ** 2).sum(-1))  # N×K
    nearest = d.argmin(1)
    good = d[np.arange(p.shape[0]), nearest] <= threshold * std
    counts = np.bincount(nearest[good], minlength=c.shape[0])
    return PointsModeCoverage(int((counts >= min_samples).sum()), int(c.shape[0]),
                              float(good.mean()) if p.shape[0] else 0.0, counts)
