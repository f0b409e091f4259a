"""Input checks and small helpers shared by the disentanglement metrics (numpy only)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np


def check_codes_factors(codes: np.ndarray, factors: np.ndarray, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) float codes and (N, F) integer factors, with a clear message when the shapes do not fit."""
    codes = np.asarray(codes, dtype=np.float64)
    factors = np.asarray(factors)
    if codes.ndim == 1:
        codes = codes[:, None]
    if factors.ndim == 1:
        factors = factors[:, None]
    if codes.ndim != 2 or factors.ndim != 2:
        raise ValueError(f"codes must be (N, latent_dim) and factors (N, n_factors); got shapes {codes.shape} "
                         f"and {factors.shape}")
    if codes.shape[0] != factors.shape[0]:
        raise ValueError(f"codes and factors need one row per example: {codes.shape[0]} codes, "
                         f"{factors.shape[0]} factor rows")
    if codes.shape[0] < min_rows:
        raise ValueError(f"need at least {min_rows} examples, got {codes.shape[0]}")
    if not np.all(np.isfinite(codes)):
        raise ValueError("codes contain NaN or infinite values")
    if not np.issubdtype(factors.dtype, np.integer):
        rounded = np.rint(factors)
        if not np.array_equal(rounded, factors):
            raise ValueError("factors must be discrete values (integers, e.g. factor indices)")
        factors = rounded
    return codes, factors.astype(np.int64)


def train_test_split_indices(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded split of range(n); both parts non-empty."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(n - 1, max(1, int(round(n * test_fraction))))
    return order[n_test:], order[:n_test]


@contextlib.contextmanager
def quiet_small_samples() -> Iterator[None]:
    """sklearn warns when a factor has many values for few examples (e.g. 40 orientations in 300 codes) or a
    test split lacks some; the scores stay defined, so the warnings are noise here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The number of unique classes")
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="The least populated class")
        yield
