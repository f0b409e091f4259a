"""Improved precision and recall (Kynkäänniemi et al. 2019) from k-NN manifolds in feature space.

Each real sample gets a ball reaching its k-th nearest real neighbour; precision is the fraction of generated
samples inside at least one real ball (quality), recall the fraction of real samples inside at least one ball
of the generated set (coverage). Distances are Euclidean, computed in blocks to bound memory.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 1024


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0.0)


def knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row to its k-th nearest other row."""
    n = features.shape[0]
    if n <= k:
        raise ValueError(f"need more than k={k} samples to build a k-NN manifold, got {n}")
    radii = np.empty(n)
    for start in range(0, n, _BLOCK):
        d = _squared_distances(features[start:start + _BLOCK], features)
        radii[start:start + _BLOCK] = np.partition(d, k, axis=1)[:, k]  # index 0 is the point itself
    return radii


def manifold_coverage(manifold: np.ndarray, radii: np.ndarray, queries: np.ndarray) -> float:
    """Fraction of `queries` inside at least one ball (centre a manifold row, squared radius `radii`)."""
    inside = 0
    for start in range(0, queries.shape[0], _BLOCK):
        d = _squared_distances(queries[start:start + _BLOCK], manifold)
        inside += int(np.any(d <= radii[None, :] * (1 + 1e-9) + 1e-12, axis=1).sum())
    return inside / queries.shape[0]


def precision_recall(real_features: np.ndarray, fake_features: np.ndarray, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of the generated features against the real ones, both in [0, 1]."""
    real = np.asarray(real_features, dtype=np.float64)
    fake = np.asarray(fake_features, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"features must be N×D and M×D, got {real.shape} and {fake.shape}")
    precision = manifold_coverage(real, knn_radii(real, k), fake)
    recall = manifold_coverage(fake, knn_radii(fake, k), real)
    return precision, recall
