"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) ‖ p(y))), mean and std over splits.

Computed from class probabilities of any classifier; the result is only comparable with papers when those are
Inception-v3's 1008-way softmax (as torch-fidelity and the original TF code use).
"""

from __future__ import annotations

import numpy as np


def inception_score(class_probabilities: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Mean and standard deviation of the score over `splits` consecutive chunks of the N×C probabilities."""
    p = np.asarray(class_probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1:
        raise ValueError(f"class_probabilities must be N×C, got shape {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("class_probabilities must be non-negative rows summing to 1 (apply softmax first)")
    splits = max(1, min(splits, p.shape[0]))
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))
