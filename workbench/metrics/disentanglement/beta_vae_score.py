"""The β-VAE score (Higgins et al. 2017), after disentanglement_lib.

One training point: pick a factor k at random, draw `batch_size` pairs of observations that share the value of
k (everything else random), encode both, and average |z₁ − z₂| over the pairs. In a disentangled code the
dimension that holds k stays nearly equal within every pair, so a linear classifier can tell k from that mean
difference. The score is the classifier's accuracy on held-out points (chance = 1 / number of factors).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from workbench.metrics.disentanglement.sampling import Encode, FactorSampler, encode_factors


def _points(encode: Encode, sampler: FactorSampler, n_points: int, batch_size: int,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    features, labels = [], []
    for _ in range(n_points):
        k = int(rng.integers(0, sampler.num_factors))
        first = sampler.sample_factors(batch_size, rng)
        second = sampler.sample_factors(batch_size, rng)
        second[:, k] = first[:, k]
        codes = encode_factors(encode, sampler, np.concatenate([first, second]))
        features.append(np.abs(codes[:batch_size] - codes[batch_size:]).mean(axis=0))
        labels.append(k)
    return np.stack(features), np.asarray(labels)


def beta_vae_score(encode: Encode, sampler: FactorSampler, *, n_train: int = 300, n_test: int = 150,
                   batch_size: int = 32, seed: int = 0) -> float:
    """Held-out accuracy of predicting the fixed factor from mean |z₁ − z₂| over `batch_size` pairs; in [0, 1]."""
    if n_train < 2 or n_test < 1 or batch_size < 1:
        raise ValueError("n_train must be ≥ 2, n_test ≥ 1 and batch_size ≥ 1")
    if sampler.num_factors < 2:
        raise ValueError("the β-VAE score needs at least two factors")
    rng = np.random.default_rng(seed)
    x_train, y_train = _points(encode, sampler, n_train, batch_size, rng)
    x_test, y_test = _points(encode, sampler, n_test, batch_size, rng)
    if np.unique(y_train).size < 2:
        return float(np.mean(y_test == y_train[0]))
    scaler = StandardScaler().fit(x_train)  # the reference uses raw features; scaling only helps convergence
    model = LogisticRegression(max_iter=2000).fit(scaler.transform(x_train), y_train)
    return float(model.score(scaler.transform(x_test), y_test))
