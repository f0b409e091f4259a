"""Latent traversals: a grid with one row per latent dimension (or direction) and columns from −k to +k.

Why sort the rows: most latent dimensions of a trained VAE are inactive (their posterior equals the prior, KL ≈ 0)
and decode to identical images; ordering by the KL each dimension carries (or, without a posterior, by the
variance of encoded codes) puts the dimensions that change the image first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from workbench.latent.errors import LatentError

ORDERS = ("kl", "variance", "index")


def dimension_order(values: np.ndarray, descending: bool = True) -> np.ndarray:
    """Indices of the dimensions sorted by a per-dimension score (ties keep index order)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise LatentError(f"dimension_order takes one score per dimension; got shape {values.shape}")
    return np.argsort(-values if descending else values, kind="stable")


def kl_per_dimension(mu: Tensor, logvar: Tensor) -> np.ndarray:
    """Mean over images of KL(N(μ, σ²) ‖ N(0, 1)) for each latent dimension, in nats: (D,)."""
    mu, logvar = torch.as_tensor(mu).double(), torch.as_tensor(logvar).double()
    if mu.shape != logvar.shape or mu.dim() != 2:
        raise LatentError(f"kl_per_dimension needs mu and logvar of the same shape (N, D); got "
                          f"{tuple(mu.shape)} and {tuple(logvar.shape)}")
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)
    return kl.mean(dim=0).numpy()


def variance_per_dimension(codes: Tensor) -> np.ndarray:
    """Variance of each latent dimension over a set of codes (N, D) → (D,); population variance (N ≥ 1)."""
    codes = torch.as_tensor(codes).double()
    if codes.dim() != 2 or codes.shape[0] == 0:
        raise LatentError(f"variance_per_dimension needs codes (N, D) with N ≥ 1; got {tuple(codes.shape)}")
    return codes.var(dim=0, unbiased=False).numpy()


def dimension_directions(dims: Sequence[int] | np.ndarray, latent_dim: int) -> Tensor:
    """Unit basis vectors (R, D) for the chosen dimensions, the `directions` of a per-dimension traversal."""
    dims = [int(d) for d in dims]
    bad = [d for d in dims if not 0 <= d < latent_dim]
    if bad:
        raise LatentError(f"latent dimension {bad[0]} is out of range: the space has {latent_dim} (0–{latent_dim - 1})")
    eye = torch.eye(latent_dim)
    return eye[dims] if dims else torch.zeros(0, latent_dim)


def traversal_values(k: float, columns: int) -> Tensor:
    """The column offsets: `columns` evenly spaced values from −k to +k."""
    if columns < 1:
        raise LatentError(f"a traversal needs at least 1 column; got {columns}")
    if not np.isfinite(k) or k < 0:
        raise LatentError(f"the traversal range k must be a finite number ≥ 0; got {k}")
    if columns == 1:
        return torch.zeros(1)
    return torch.linspace(-float(k), float(k), columns)


def traversal_codes(center: Tensor, directions: Tensor, k: float, columns: int) -> Tensor:
    """Codes for a traversal grid, row-major: row r, column c is center + v_c · directions[r], with v_c from
    −k to +k. directions (R, D) → (R·columns, D), ready for decode and make_grid(nrow=columns)."""
    center = torch.as_tensor(center).float()
    directions = torch.as_tensor(directions).float()
    if directions.dim() == 1:
        directions = directions.unsqueeze(0)
    if center.dim() != 1 or directions.dim() != 2 or directions.shape[1] != center.shape[0]:
        raise LatentError(f"traversal needs a center (D,) and directions (R, D); got {tuple(center.shape)} and "
                          f"{tuple(directions.shape)}")
    values = traversal_values(k, columns)
    codes = center + values[None, :, None] * directions[:, None, :]  # (R, columns, D)
    return codes.reshape(-1, center.shape[0])
