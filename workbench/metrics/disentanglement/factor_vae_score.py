"""The FactorVAE score (Kim & Mnih 2018), after disentanglement_lib.

Codes are divided by their standard deviation over a sample of the data. One vote: fix factor k in a batch of
`batch_size` observations (the other factors random), take the dimension with the least variance within the
batch, and record (dimension, k). A majority-vote classifier maps each dimension to the factor it most often
went with on the training votes; the score is its accuracy on held-out votes (chance = 1 / number of factors).
Dimensions that do not vary at all over the data (collapsed ones) never get a vote.
"""

from __future__ import annotations

import numpy as np

from workbench.metrics.disentanglement.sampling import Encode, FactorSampler, encode_factors


def _votes(encode: Encode, sampler: FactorSampler, scale: np.ndarray, active: np.ndarray, n_votes: int,
           batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """(D, F) vote counts."""
    votes = np.zeros((scale.shape[0], sampler.num_factors), dtype=np.int64)
    active_idx = np.flatnonzero(active)
    for _ in range(n_votes):
        k = int(rng.integers(0, sampler.num_factors))
        codes = encode_factors(encode, sampler, sampler.sample_with_fixed(batch_size, k, rng))
        variances = np.var(codes[:, active] / scale[active], axis=0, ddof=1)
        votes[active_idx[int(np.argmin(variances))], k] += 1
    return votes


def factor_vae_votes(encode: Encode, sampler: FactorSampler, *, n_train: int = 300, n_test: int = 150,
                     batch_size: int = 32, n_variance: int = 2000,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(D, F) training and held-out vote matrices (all zero when no dimension varies)."""
    if n_train < 1 or n_test < 1 or batch_size < 2 or n_variance < 2:
        raise ValueError("n_train and n_test must be ≥ 1, batch_size and n_variance ≥ 2")
    rng = np.random.default_rng(seed)
    codes = encode_factors(encode, sampler, sampler.sample_factors(n_variance, rng))
    variance = np.var(codes, axis=0, ddof=1)
    scale = np.sqrt(variance)
    active = variance > 1e-12 * max(1.0, float(variance.max(initial=0.0)))
    if not active.any():
        zeros = np.zeros((codes.shape[1], sampler.num_factors), dtype=np.int64)
        return zeros, zeros.copy()
    train = _votes(encode, sampler, scale, active, n_train, batch_size, rng)
    test = _votes(encode, sampler, scale, active, n_test, batch_size, rng)
    return train, test


def factor_vae_score(encode: Encode, sampler: FactorSampler, *, n_train: int = 300, n_test: int = 150,
                     batch_size: int = 32, n_variance: int = 2000, seed: int = 0) -> float:
    """Held-out accuracy of the majority-vote classifier from least-variance dimension to fixed factor."""
    train, test = factor_vae_votes(encode, sampler, n_train=n_train, n_test=n_test, batch_size=batch_size,
                                   n_variance=n_variance, seed=seed)
    if test.sum() == 0:
        return 0.0
    assigned = np.argmax(train, axis=1)  # each dimension → its most frequent factor
    return float(test[np.arange(test.shape[0]), assigned].sum() / test.sum())
