"""Traversals: dimensions ordered by KL on a synthetic posterior whose active dimensions are known, and the
values of the traversal codes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.latent import (
    dimension_directions,
    dimension_order,
    kl_per_dimension,
    traversal_codes,
    variance_per_dimension,
)
from workbench.latent.errors import LatentError


def synthetic_posterior(n: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """8 dims: dims 5, 1 and 6 are active (means spread, small variance; 5 the most), the rest equal the prior."""
    g = torch.Generator().manual_seed(0)
    mu = torch.zeros(n, 8)
    logvar = torch.zeros(n, 8)
    for dim, spread in ((5, 3.0), (1, 2.0), (6, 1.0)):
        mu[:, dim] = spread * torch.randn(n, generator=g)
        logvar[:, dim] = -4.0
    mu[:, 0] = 0.01 * torch.randn(n, generator=g)  # almost inactive: tiny KL
    return mu, logvar


def test_kl_per_dimension_finds_the_active_dimensions_in_order():
    mu, logvar = synthetic_posterior()
    kl = kl_per_dimension(mu, logvar)
    assert kl.shape == (8,)
    assert np.all(kl >= 0)
    assert np.allclose(kl[[2, 3, 4, 7]], 0.0)  # posterior == prior: exactly zero
    assert list(dimension_order(kl)[:4]) == [5, 1, 6, 0]
    # closed form for one dim: 0.5 (μ² + σ² − 1 − log σ²) averaged
    expected = 0.5 * (mu[:, 5] ** 2 + np.exp(-4.0) - 1 + 4.0).mean()
    assert kl[5] == pytest.approx(float(expected), rel=1e-6)


def test_variance_order_on_encoded_codes():
    mu, _ = synthetic_posterior()
    var = variance_per_dimension(mu)
    assert list(dimension_order(var)[:3]) == [5, 1, 6]
    assert var[5] == pytest.approx(float(mu[:, 5].var(unbiased=False)), rel=1e-6)
    assert list(dimension_order(var, descending=False)[:1]) in ([2], [3], [4], [7])


def test_dimension_order_is_stable_for_ties():
    assert list(dimension_order(np.array([1.0, 3.0, 1.0, 3.0]))) == [1, 3, 0, 2]
    assert list(dimension_order(np.array([1.0, 3.0, 1.0, 3.0]), descending=False)) == [0, 2, 1, 3]


def test_traversal_codes_vary_one_dimension_per_row_from_minus_k_to_k():
    center = torch.tensor([0.5, -1.0, 2.0, 0.0])
    directions = dimension_directions([2, 0], latent_dim=4)
    codes = traversal_codes(center, directions, k=3.0, columns=7)
    assert codes.shape == (14, 4)
    grid = codes.reshape(2, 7, 4)
    values = torch.linspace(-3, 3, 7)
    assert torch.allclose(grid[0, :, 2], 2.0 + values)  # row 0 moves dim 2 around its value
    assert torch.allclose(grid[1, :, 0], 0.5 + values)  # row 1 moves dim 0
    untouched = [0, 1, 3]
    assert torch.equal(grid[0][:, untouched], center[untouched].expand(7, 3))
    assert torch.allclose(grid[:, 3], center.expand(2, 4))  # the middle column is the center itself


def test_traversal_along_a_saved_direction():
    direction = torch.tensor([[0.6, 0.8]])
    codes = traversal_codes(torch.zeros(2), direction, k=2.0, columns=5)
    assert torch.allclose(codes, torch.linspace(-2, 2, 5)[:, None] * direction)
    assert traversal_codes(torch.ones(2), direction[0], k=1.0, columns=1).tolist() == [[1.0, 1.0]]


def test_traversal_mistakes_are_latent_errors():
    with pytest.raises(LatentError, match="out of range"):
        dimension_directions([4], latent_dim=4)
    with pytest.raises(LatentError, match="at least 1 column"):
        traversal_codes(torch.zeros(3), torch.eye(3), k=1.0, columns=0)
    with pytest.raises(LatentError, match="center"):
        traversal_codes(torch.zeros(3), torch.eye(4), k=1.0, columns=3)
    with pytest.raises(LatentError, match="same shape"):
        kl_per_dimension(torch.zeros(3, 2), torch.zeros(3, 3))
