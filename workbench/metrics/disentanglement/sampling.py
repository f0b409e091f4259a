"""Interventional sampling for the β-VAE and FactorVAE scores: draw factor tuples, some with one factor held
fixed, and turn them into observations the encoder takes.

The factors are drawn independently and uniformly over the full factor grid (as disentanglement_lib does), also
for a dataset whose own sample has correlated factors (shapes2d-correlated): the scores ask "does fixing one
factor show up in one dimension", which needs interventions the correlated sample does not contain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Encode = Callable[[Any], np.ndarray]  # observations → (N, latent_dim) codes (posterior means for a VAE)


@dataclass(frozen=True)
class FactorSampler:
    """Factor tuples over a grid of `factor_sizes` and `observe(factors (N, F) int array) → observations`."""

    factor_sizes: tuple[int, ...]
    observe: Callable[[np.ndarray], Any]
    factor_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.factor_sizes or min(self.factor_sizes) < 1:
            raise ValueError(f"factor_sizes must be positive (got {self.factor_sizes})")

    @property
    def num_factors(self) -> int:
        return len(self.factor_sizes)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, F) factor indices, each factor uniform and independent."""
        return np.stack([rng.integers(0, size, n) for size in self.factor_sizes], axis=1).astype(np.int64)

    def sample_with_fixed(self, n: int, factor: int, rng: np.random.Generator) -> np.ndarray:
        """(n, F) factor indices sharing one random value of `factor`, the others random."""
        f = self.sample_factors(n, rng)
        f[:, factor] = rng.integers(0, self.factor_sizes[factor])
        return f


def identity_sampler(factor_sizes: Sequence[int]) -> FactorSampler:
    """Observations are the factor indices themselves (float): for tests and examples."""
    return FactorSampler(tuple(factor_sizes), lambda f: np.asarray(f, dtype=np.float64))


def encode_factors(encode: Encode, sampler: FactorSampler, factors: np.ndarray) -> np.ndarray:
    """Codes (N, D) float64 of the observations of `factors`."""
    codes = np.asarray(encode(sampler.observe(factors)), dtype=np.float64)
    if codes.ndim != 2 or codes.shape[0] != factors.shape[0]:
        raise ValueError(f"encode must return one code row per observation; got shape {codes.shape} for "
                         f"{factors.shape[0]} observations")
    return codes
