"""Conditional edits: projecting held directions out, the cosine matrix, and the entanglement demo."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.latent.direction_supervised import boundary_direction
from workbench.latent.directions import Direction
from workbench.latent.errors import LatentError
from workbench.latent.projection import cosine_matrix, edit, project_out


def test_project_out_is_unit_and_orthogonal_to_every_held_direction():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(10, generator=g)
    held = [torch.randn(10, generator=g) for _ in range(3)]
    held.append(held[0] + 2 * held[1])  # already in the span: must not break anything
    p = project_out(v, held)
    assert p.norm().item() == pytest.approx(1.0, abs=1e-6)
    for h in held:
        assert abs(float(p @ h)) < 1e-5
    assert float(p @ v) > 0  # still the same general way
    assert torch.allclose(project_out(v), v / v.norm(), atol=1e-6)
    with pytest.raises(LatentError, match="span"):
        project_out(held[0] - held[1], held[:2])
    with pytest.raises(LatentError, match="dimensions"):
        project_out(v, [torch.ones(3)])


def test_cosine_matrix():
    a = Direction("a", torch.tensor([1.0, 0.0, 0.0]), "pca", "")
    b = Direction("b", torch.tensor([1.0, 1.0, 0.0]), "pca", "")
    c = Direction("c", torch.tensor([0.0, 0.0, -2.0]), "pca", "")
    m = cosine_matrix([a, b, c])
    assert m.shape == (3, 3)
    np.testing.assert_allclose(np.diag(m), 1.0)
    np.testing.assert_allclose(m, m.T)
    assert m[0, 1] == pytest.approx(2 ** -0.5, abs=1e-6) and m[0, 2] == pytest.approx(0.0)
    assert cosine_matrix([]).shape == (0, 0)


def test_edit_shapes_and_amounts():
    code = torch.zeros(4)
    d = Direction("x", torch.tensor([0.0, 2.0, 0.0, 0.0]), "pca", "")
    assert torch.allclose(edit(code, d, 3.0), torch.tensor([0.0, 3.0, 0.0, 0.0]))
    sweep = edit(code, d, torch.tensor([-1.0, 0.0, 1.0]))
    assert sweep.shape == (3, 4) and torch.allclose(sweep[:, 1], torch.tensor([-1.0, 0.0, 1.0]))
    batch = edit(torch.ones(5, 4), d, 1.0)
    assert batch.shape == (5, 4) and torch.allclose(batch[:, 1], torch.full((5,), 2.0))
    with pytest.raises(LatentError):
        edit(torch.zeros(3), d, 1.0)


def test_entanglement_demo_scale_moves_shape_until_shape_is_held():
    # Synthetic codes in which "shape" and "scale" are correlated attributes (as on shapes2d-correlated): both
    # labels come from nearby axes, so the two fitted boundary normals are far from orthogonal.
    g = torch.Generator().manual_seed(1)
    n, dim = 3000, 8
    codes = torch.randn(n, dim, generator=g)
    shape_axis = torch.zeros(dim)
    shape_axis[0] = 1.0
    scale_axis = torch.zeros(dim)
    scale_axis[0], scale_axis[1] = 0.8, 0.6
    shape = boundary_direction(codes, (codes @ shape_axis > 0).long(), "svm", "shape")
    scale = boundary_direction(codes, (codes @ scale_axis > 0).long(), "svm", "scale")
    cos = cosine_matrix([shape, scale])[0, 1]
    assert cos > 0.6  # entangled
    code = torch.randn(dim, generator=g)

    def shape_coordinate(z: torch.Tensor) -> float:
        return float(z @ shape.vector)

    free = edit(code, scale, 2.0)
    assert abs(shape_coordinate(free) - shape_coordinate(code)) > 1.0  # moving scale also moved shape
    held = edit(code, scale, 2.0, held=[shape])
    assert abs(shape_coordinate(held) - shape_coordinate(code)) < 1e-5  # not any more
    # ...while it still moves scale substantially
    assert float((held - code) @ scale.vector) > 2.0 * 0.5
