"""Unsupervised directions: PCA of codes, SeFa of a first-layer weight, GANSpace of a tiny trained DCGAN."""

from __future__ import annotations

import pytest
import torch

from workbench.latent.direction_ganspace import ganspace_directions, ganspace_from_samples
from workbench.latent.direction_pca import pca_directions
from workbench.latent.direction_sefa import sefa_directions, sefa_directions_from_weight
from workbench.latent.errors import LatentError


def test_pca_finds_the_planted_high_variance_axis():
    g = torch.Generator().manual_seed(0)
    axis = torch.randn(16, generator=g)
    axis /= axis.norm()
    codes = torch.randn(800, 16, generator=g) * 0.5 + 4.0 * torch.randn(800, 1, generator=g) * axis
    directions = pca_directions(codes, k=3)
    assert [d.name for d in directions] == ["pc1", "pc2", "pc3"]
    assert abs(float(directions[0].vector @ axis)) >= 0.99
    assert directions[0].score > 0.5 and directions[0].score > directions[1].score >= directions[2].score
    assert all(d.method == "pca" and d.vector.norm().item() == pytest.approx(1.0, abs=1e-5) for d in directions)
    again = pca_directions(codes.flip(0), k=1)[0]  # the sign is canonical, not an accident of the data order
    assert torch.allclose(again.vector, directions[0].vector, atol=1e-5)
    with pytest.raises(LatentError):
        pca_directions(codes, k=17)


def test_sefa_returns_the_top_right_singular_vectors_in_order():
    g = torch.Generator().manual_seed(1)
    u, _ = torch.linalg.qr(torch.randn(40, 6, generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=torch.float64))
    singular = torch.tensor([5.0, 3.0, 2.0, 1.0, 0.5, 0.1], dtype=torch.float64)
    weight = (u * singular) @ v.T  # 40×6 with known right-singular vectors (columns of v)
    directions = sefa_directions_from_weight(weight.float(), k=3)
    for i, d in enumerate(directions):
        assert abs(float(d.vector.double() @ v[:, i])) >= 0.999
        assert d.name == f"sefa{i + 1}" and d.method == "sefa"
    expected = float(singular[0] ** 2 / (singular ** 2).sum())
    assert directions[0].score == pytest.approx(expected, rel=1e-4)


def test_ganspace_recovers_a_planted_feature_axis_in_z():
    g = torch.Generator().manual_seed(2)
    z = torch.randn(1000, 5, generator=g)
    w = torch.randn(5, 30, generator=g) * 0.1
    w[0] *= 30  # features vary most along z[0]
    directions = ganspace_from_samples(z, torch.relu(z @ w) + z @ w, k=2)
    assert abs(float(directions[0].vector[0])) >= 0.95


def test_sefa_and_ganspace_on_a_tiny_dcgan(tiny_run):
    from workbench.latent.model import LatentSpace

    run = tiny_run("dcgan", data="shapes2d", image_size=16, steps=4, latent_dim=6)
    space = LatentSpace.from_run(run)
    gan = ganspace_directions(space, k=3, n_samples=200, seed=0)
    assert len(gan) == 3 and all(d.vector.shape == (6,) and d.method == "ganspace" for d in gan)
    assert all(d.vector.norm().item() == pytest.approx(1.0, abs=1e-5) for d in gan)
    assert torch.allclose(ganspace_directions(space, k=3, n_samples=200, seed=0)[0].vector, gan[0].vector)
    sefa = sefa_directions(space, k=6)
    basis = torch.stack([d.vector for d in sefa])
    assert torch.allclose(basis @ basis.T, torch.eye(6), atol=1e-4)  # eigenvectors: an orthonormal basis
    scores = [d.score for d in sefa]
    assert scores == sorted(scores, reverse=True) and sum(scores) == pytest.approx(1.0, abs=1e-4)
