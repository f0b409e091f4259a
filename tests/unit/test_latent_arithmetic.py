"""Latent arithmetic on known vectors: A − B + C with groups, class means and class arithmetic."""

from __future__ import annotations

import pytest
import torch

from workbench.latent import AnalogyResult, analogy, analogy_grid_codes, class_arithmetic, class_means
from workbench.latent.errors import LatentError


def v(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def test_analogy_of_single_codes_is_a_minus_b_plus_c():
    result = analogy([v(1, 0, 0)], [v(0, 1, 0)], [v(0, 0, 1)])
    assert isinstance(result, AnalogyResult)
    assert torch.equal(result.result, v(1, -1, 1))
    assert torch.equal(result.a, v(1, 0, 0)) and torch.equal(result.b, v(0, 1, 0)) and torch.equal(result.c, v(0, 0, 1))


def test_groups_are_averaged_before_the_arithmetic():
    # "smiling woman" codes share +2 on dim 0, the rest is noise that the mean cancels
    a = [v(2, 1, 0), v(2, -1, 0)]
    b = [v(0, 1, 3), v(0, -1, 3), v(0, 3, 3)]
    c = [v(0, 0, 5)]
    result = analogy(a, b, c)
    assert torch.allclose(result.a, v(2, 0, 0)) and torch.allclose(result.b, v(0, 1, 3))
    assert torch.allclose(result.result, v(2, -1, 2))
    stacked = analogy(torch.stack(a), torch.stack(b), v(0, 0, 5))  # a tensor (N, D) or (D,) per term works too
    assert torch.allclose(stacked.result, result.result)


def test_analogy_grid_codes_rows_are_a_b_c_result():
    result = analogy([v(1, 2)], [v(3, 4)], [v(5, 6)])
    grid = analogy_grid_codes(result)
    assert grid.shape == (4, 2)
    assert torch.equal(grid, torch.stack([v(1, 2), v(3, 4), v(5, 6), v(3, 4)]))


def test_class_means_and_class_arithmetic():
    codes = torch.tensor([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [10.0, 12.0], [5.0, -5.0]])
    labels = torch.tensor([3, 3, 8, 8, 1])
    means = class_means(codes, labels)
    assert list(means) == [1, 3, 8]
    assert torch.allclose(means[3], v(1, 0)) and torch.allclose(means[8], v(10, 11))
    moved = class_arithmetic(v(1.5, 0.5), means, source=3, target=8)
    assert torch.allclose(moved, v(10.5, 11.5))  # its offset from the class-3 mean is kept around class 8's
    assert torch.allclose(class_arithmetic(means[3], means, 3, 8), means[8])


def test_mistakes_are_latent_errors():
    with pytest.raises(LatentError, match="term B has no codes"):
        analogy([v(1, 0)], [], [v(0, 1)])
    with pytest.raises(LatentError, match="different latent sizes"):
        analogy([v(1, 0)], [v(1, 0, 0)], [v(0, 1)])
    means = class_means(torch.zeros(2, 2), torch.tensor([0, 1]))
    with pytest.raises(LatentError, match="no codes of class 7"):
        class_arithmetic(v(0, 0), means, 0, 7)
    with pytest.raises(LatentError, match="labels"):
        class_means(torch.zeros(3, 2), torch.tensor([0, 1]))
