"""Nearest-neighbour memorization check: each generated sample beside its nearest training images in feature
space, with the distances.

A model that copies its data puts samples much closer to some training image than training images are to
each other; `typical_distance` (the median distance from a training image to its nearest other training image,
in the same feature space) is the yardstick shown next to the distances, and `ratio` = distance / that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.compat import one_blas_thread


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int = 3, *, exclude_self: bool = False,
                       block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Indices (N×k) and Euclidean distances (N×k, ascending) of each query's k nearest reference rows.

    With `exclude_self`, queries are the reference rows themselves and each row's own index is skipped.
    """
    q = np.asarray(queries, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    kk = min(k + int(exclude_self), r.shape[0])
    r2 = (r * r).sum(1)
    all_idx, all_dist = [], []
    for start in range(0, q.shape[0], block):
        qb = q[start:start + block]
        d = np.maximum((qb * qb).sum(1)[:, None] + r2[None, :] - 2 * qb @ r.T, 0.0)
        if exclude_self:
            rows = np.arange(qb.shape[0])
            d[rows, start + rows] = np.inf
        idx = np.argpartition(d, kk - 1, axis=1)[:, :kk] if kk < r.shape[0] else np.tile(np.arange(kk), (len(d), 1))
        dist = np.take_along_axis(d, idx, 1)
        order = np.argsort(dist, axis=1)
        idx, dist = np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1)
        if exclude_self:
            idx, dist = idx[:, :k], dist[:, :k]
        all_idx.append(idx)
        all_dist.append(np.sqrt(dist))
    return np.concatenate(all_idx), np.concatenate(all_dist)


@dataclass
class MemorizationReport:
    """For each generated sample: its nearest training items, their distances and images."""

    extractor_name: str
    indices: np.ndarray  # N×k indices into the training set
    distances: np.ndarray  # N×k feature distances, ascending
    neighbours: torch.Tensor  # N×k×C×H×W training images in [-1, 1]
    typical_distance: float  # median nearest-neighbour distance within the training set

    @property
    def ratio(self) -> np.ndarray:
        """distances / typical_distance: well below 1 means a near copy of a training image."""
        return self.distances / max(self.typical_distance, 1e-12)


def _features(extractor: Any, images: torch.Tensor, batch: int = 500) -> np.ndarray:
    return np.concatenate([extractor.features(images[i:i + batch]).double().numpy()
                           for i in range(0, images.shape[0], batch)])


def nearest_training_images(samples: torch.Tensor, training: Any, extractor: Any, k: int = 3, *,
                            max_training: int = 20_000, seed: int = 0, batch_size: int = 500) -> MemorizationReport:
    """The k nearest training images of each sample (features from `extractor`).

    `training` is an image tensor in [-1, 1] or a dataset with `get_batch`; larger sets are searched on a seeded
    subset of `max_training` items (indices still refer to the full set).
    """
    if isinstance(training, torch.Tensor):
        size = training.shape[0]

        def fetch(idx: torch.Tensor) -> torch.Tensor:
            return training.index_select(0, idx)
    else:
        size = len(training)

        def fetch(idx: torch.Tensor) -> torch.Tensor:
            return training.get_batch(idx)[0]

    if size > max_training:
        pool = torch.randperm(size, generator=torch.Generator().manual_seed(seed))[:max_training].sort().values
    else:
        pool = torch.arange(size)
    train_feats = np.concatenate([_features(extractor, fetch(chunk)) for chunk in pool.split(batch_size)])
    sample_feats = _features(extractor, samples.detach().cpu().float())
    with one_blas_thread():
        idx, dist = nearest_neighbours(sample_feats, train_feats, k)
        probe = min(2000, train_feats.shape[0])
        if probe >= 2:
            _, self_dist = nearest_neighbours(train_feats[:probe], train_feats, 1, exclude_self=True)
            typical = float(np.median(self_dist[:, 0]))
        else:
            typical = float("nan")
    full_idx = pool.numpy()[idx]
    neighbours = fetch(torch.from_numpy(full_idx.reshape(-1)).long())
    neighbours = neighbours.reshape(idx.shape[0], idx.shape[1], *neighbours.shape[1:])
    return MemorizationReport(extractor.name, full_idx, dist, neighbours, typical)
