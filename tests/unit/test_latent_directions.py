"""Supervised directions recover a planted direction; the saved-directions files round-trip and fail loudly."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from workbench.latent.direction_supervised import binary_subset, boundary_direction, class_mean_direction
from workbench.latent.directions import Direction, directions_paths, load_directions, save_directions, with_direction
from workbench.latent.errors import LatentError


def planted(n: int = 600, d: int = 12, seed: int = 0, shift: float = 1.5) -> tuple[torch.Tensor, torch.Tensor,
                                                                                     torch.Tensor]:
    """Gaussian codes whose label-1 half is shifted along a random unit direction: (codes, labels, direction)."""
    g = torch.Generator().manual_seed(seed)
    direction = torch.randn(d, generator=g)
    direction /= direction.norm()
    labels = torch.randint(0, 2, (n,), generator=g)
    codes = torch.randn(n, d, generator=g) + shift * labels[:, None].float() * direction
    return codes, labels, direction


def test_class_means_recover_the_planted_direction_pointing_to_positive():
    codes, labels, direction = planted()
    d = class_mean_direction(codes, labels, positive=1, negative=0, name="attr")
    assert float(d.vector @ direction) >= 0.95
    assert d.vector.norm().item() == pytest.approx(1.0, abs=1e-5)
    assert d.method == "class-means" and 0.7 < d.score <= 1.0
    flipped = class_mean_direction(codes, labels, positive=0, negative=1, name="attr")
    assert float(flipped.vector @ direction) <= -0.95


@pytest.mark.parametrize("kind", ["svm", "logistic"])
def test_boundary_normal_recovers_the_planted_direction(kind):
    codes, labels, direction = planted(shift=2.5)
    d = boundary_direction(codes, labels, kind=kind, name="attr")
    assert float(d.vector @ direction) >= 0.95
    assert d.method == kind and d.score > 0.85
    assert "held-out" in d.provenance


def test_boundary_ignores_a_correlated_nuisance_better_than_class_means():
    # the positive group is also shifted along a second axis with much larger spread: class means follow it,
    # the boundary normal does not need to.
    g = torch.Generator().manual_seed(3)
    n, d = 2000, 8
    labels = torch.randint(0, 2, (n,), generator=g)
    codes = torch.randn(n, d, generator=g) * 0.3
    codes[:, 0] += 1.0 * labels  # the attribute
    codes[:, 1] = torch.randn(n, generator=g) * 3.0 + 1.0 * labels  # a noisy correlated nuisance
    mean = class_mean_direction(codes, labels, 1, 0, "m")
    svm = boundary_direction(codes, labels, "svm", "s")
    assert abs(float(svm.vector[0])) > abs(float(mean.vector[0]))


def test_groups_of_values_and_binary_subset():
    codes, labels, direction = planted(n=900)
    multi = labels * 2 + torch.randint(0, 2, labels.shape, generator=torch.Generator().manual_seed(1))  # 0..3
    d = class_mean_direction(codes, multi, positive=(2, 3), negative=(0, 1), name="x")
    assert float(d.vector @ direction) >= 0.95
    x, y = binary_subset(codes, multi, positive=3, negative=0)
    assert x.shape[0] == int(((multi == 3) | (multi == 0)).sum()) and set(np.unique(y)) == {0, 1}
    with pytest.raises(LatentError, match="share"):
        class_mean_direction(codes, multi, positive=(1, 2), negative=2, name="x")
    with pytest.raises(LatentError, match="both groups"):
        class_mean_direction(codes, multi, positive=7, negative=0, name="x")
    with pytest.raises(LatentError, match="at least 2"):
        boundary_direction(codes[:3], torch.tensor([1, 0, 0]), name="x")
    with pytest.raises(LatentError, match="kind"):
        boundary_direction(codes, labels, kind="tree", name="x")


def test_direction_is_normalised_and_validated():
    d = Direction("a", torch.tensor([3.0, 4.0]), "pca", "test")
    assert torch.allclose(d.vector, torch.tensor([0.6, 0.8]))
    with pytest.raises(LatentError):
        Direction("a", torch.zeros(3), "pca", "")
    with pytest.raises(LatentError):
        Direction("a", torch.ones(2, 2), "pca", "")
    with pytest.raises(LatentError):
        Direction(" ", torch.ones(2), "pca", "")


def test_save_load_round_trip(tmp_path):
    assert load_directions(tmp_path) == []
    codes, labels, _ = planted()
    saved = [class_mean_direction(codes, labels, 1, 0, "smile"),
             Direction("pc1", torch.randn(12), "pca", "principal axis 1", score=None)]
    path = save_directions(tmp_path, saved)
    assert path == tmp_path / "latent" / "directions.json"
    loaded = load_directions(tmp_path, latent_dim=12)
    assert [d.name for d in loaded] == ["smile", "pc1"]
    for a, b in zip(saved, loaded, strict=True):
        assert torch.equal(a.vector, b.vector)
        assert (a.method, a.provenance, a.score) == (b.method, b.provenance, b.score)
    with pytest.raises(LatentError, match="12 dimensions"):
        load_directions(tmp_path, latent_dim=5)
    replaced = with_direction(loaded, Direction("smile", torch.ones(12), "svm", "again"))
    assert [d.method for d in replaced] == ["svm", "pca"]
    save_directions(tmp_path, replaced)
    assert [d.method for d in load_directions(tmp_path)] == ["svm", "pca"]
    with pytest.raises(LatentError, match="unique"):
        save_directions(tmp_path, [*replaced, replaced[0]])
    assert not list((tmp_path / "latent").glob(".tmp-*"))


def test_corrupt_files_raise_latent_error(tmp_path):
    save_directions(tmp_path, [Direction("a", torch.ones(4), "pca", "")])
    tensors, records = directions_paths(tmp_path)
    good = tensors.read_bytes()
    tensors.write_bytes(good[: len(good) // 2])
    with pytest.raises(LatentError, match="unreadable"):
        load_directions(tmp_path)
    tensors.write_bytes(good)
    meta = json.loads(records.read_text())
    records.write_text(json.dumps({**meta, "token": "another save"}))
    with pytest.raises(LatentError, match="do not match"):
        load_directions(tmp_path)
    records.write_text("{not json")
    with pytest.raises(LatentError, match="unreadable"):
        load_directions(tmp_path)
    meta["directions"][0]["key"] = "d9"
    records.write_text(json.dumps(meta))
    with pytest.raises(LatentError, match="corrupt"):
        load_directions(tmp_path)


def test_directions_from_encoded_factor_labels_of_a_tiny_vae_saved_in_its_run(tiny_run):
    from workbench.latent.labelled_codes import labelled_codes
    from workbench.latent.model import LatentSpace

    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)
    space = LatentSpace.from_run(run)
    lc = labelled_codes(space, "scale", n=120, seed=0)
    assert lc.codes.shape == (120, 6) and lc.labels.shape == (120,) and lc.value_names[-1] == "scale 1.0"
    dataset = space.dataset()
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))[:120].sort().values
    np.testing.assert_array_equal(lc.labels, dataset.factors(order)[:, 1].numpy())
    big = boundary_direction(*binary_subset(lc.codes, lc.labels, (4, 5), (0, 1)), kind="logistic", name="big",
                             source=lc.source)
    mean = class_mean_direction(lc.codes, lc.labels, (4, 5), (0, 1), "big-mean", source=lc.source)
    assert "encoded by vae" in big.provenance and "encoded by vae" in mean.provenance
    save_directions(run, [big, mean])
    assert (run.path / "latent" / "directions.safetensors").is_file()
    assert [d.name for d in load_directions(run, latent_dim=space.latent_dim)] == ["big", "big-mean"]
    with pytest.raises(LatentError, match="no attribute 'smile'"):
        labelled_codes(space, "smile")
    gan = LatentSpace.from_run(tiny_run("dcgan", data="shapes2d", image_size=16, steps=2, latent_dim=6))
    with pytest.raises(LatentError, match="no encoder"):
        labelled_codes(gan, "scale")
