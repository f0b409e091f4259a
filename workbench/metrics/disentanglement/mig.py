"""Mutual Information Gap (Chen et al. 2018), as disentanglement_lib computes it (Locatello et al. 2019).

Each code dimension is discretised into `bins` equal-width histogram bins; the discrete mutual information
I(code_d; factor_f) gives a D×F matrix. For every factor, the gap between the most and the second most
informative dimension, divided by the factor's entropy H(f), says how much of the factor lives in exactly one
dimension; MIG is the mean over factors. A factor split evenly over two dimensions scores 0, like an unrelated
code. Factors with zero entropy (constant in the sample) carry no information and are left out of the mean.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mutual_info_score

from workbench.metrics.disentanglement._arrays import check_codes_factors


def histogram_discretize(codes: np.ndarray, bins: int = 20) -> np.ndarray:
    """(N, D) continuous codes → (N, D) integer bin indices, `bins` equal-width bins per dimension."""
    codes = np.asarray(codes, dtype=np.float64)
    out = np.zeros(codes.shape, dtype=np.int64)
    for d in range(codes.shape[1]):
        edges = np.histogram(codes[:, d], bins)[1]
        out[:, d] = np.digitize(codes[:, d], edges[:-1])  # as disentanglement_lib: the last edge closes bin `bins`
    return out


def discrete_mutual_info(discrete_codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """(D, F) matrix of I(code_d; factor_f) in nats, for discrete codes and factors."""
    return np.array([[mutual_info_score(factors[:, f], discrete_codes[:, d]) for f in range(factors.shape[1])]
                     for d in range(discrete_codes.shape[1])], dtype=np.float64).reshape(
        discrete_codes.shape[1], factors.shape[1])


def discrete_entropy(factors: np.ndarray) -> np.ndarray:
    """(F,) entropies H(factor_f) in nats."""
    return np.array([mutual_info_score(factors[:, f], factors[:, f]) for f in range(factors.shape[1])])


def mutual_information_matrix(codes: np.ndarray, factors: np.ndarray, bins: int = 20) -> np.ndarray:
    """(D, F) mutual information between histogram-discretised code dimensions and factors, in nats."""
    codes, factors = check_codes_factors(codes, factors)
    return discrete_mutual_info(histogram_discretize(codes, bins), factors)


def mig_from_matrix(mi: np.ndarray, entropy: np.ndarray) -> float:
    """MIG from a (D, F) mutual-information matrix and the factors' entropies."""
    if mi.shape[0] == 0:
        return 0.0
    ordered = np.sort(mi, axis=0)[::-1]
    second = ordered[1] if mi.shape[0] > 1 else np.zeros(mi.shape[1])
    informative = entropy > 1e-12
    if not informative.any():
        return 0.0
    return float(np.mean((ordered[0] - second)[informative] / entropy[informative]))


def mig(codes: np.ndarray, factors: np.ndarray, bins: int = 20) -> float:
    """Mutual Information Gap of codes (N, latent_dim) against discrete factors (N, n_factors); in [0, 1]."""
    if bins < 2:
        raise ValueError(f"bins must be ≥ 2 (got {bins})")
    codes, factors = check_codes_factors(codes, factors)
    mi = discrete_mutual_info(histogram_discretize(codes, bins), factors)
    return mig_from_matrix(mi, discrete_entropy(factors))
