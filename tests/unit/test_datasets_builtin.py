"""Built-in generated datasets: shapes2d, shapes2d-correlated, gaussians2d."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from workbench.config import DataConfig
from workbench.data import available_datasets, build_dataset, dataset_spec
from workbench.data import shapes2d as S


def _occupancy(ds, factors):
    return (ds.render(torch.tensor(factors)) > 0).float()


def test_catalog_lists_every_builtin_without_torch_needed():
    names = {s.name for s in available_datasets()}
    assert {"shapes2d", "shapes2d-correlated", "gaussians2d-ring", "gaussians2d-grid", "mnist", "fashion-mnist",
            "cifar10", "celeba", "digits", "folder"} <= names
    assert dataset_spec("gaussians2d-ring").kind == "points"
    assert dataset_spec("shapes2d").factors and all(s.summary for s in available_datasets())


def test_shapes2d_size_info_and_batch():
    ds = build_dataset(DataConfig(name="shapes2d", image_size=64))
    assert len(ds) == 737_280 == 3 * 6 * 40 * 32 * 32
    assert ds.info.factor_names == ("shape", "scale", "orientation", "posX", "posY")
    assert ds.info.factor_sizes == (3, 6, 40, 32, 32)
    assert ds.info.class_names == ("square", "ellipse", "heart") and ds.info.num_classes == 3
    images, labels = ds.get_batch(torch.tensor([0, 1, 737_279, 400_000]))
    assert images.shape == (4, 1, 64, 64) and images.dtype == torch.float32
    assert set(images.unique().tolist()) <= {-1.0, 1.0}
    assert labels.tolist() == ds.factors(torch.tensor([0, 1, 737_279, 400_000]))[:, 0].tolist()
    small = build_dataset(DataConfig(name="shapes2d", image_size=32, channels=3))
    assert small.get_batch(torch.tensor([5]))[0].shape == (1, 3, 32, 32)


def test_shapes2d_rendering_is_deterministic_and_fast():
    ds = S.Shapes2DDataset(64)
    idx = torch.randint(0, len(ds), (64,), generator=torch.Generator().manual_seed(1))
    a, _ = ds.get_batch(idx)
    b, _ = S.Shapes2DDataset(64).get_batch(idx)
    assert torch.equal(a, b)
    assert (a > 0).flatten(1).sum(1).min() > 10  # every image shows a shape
    start = time.perf_counter()
    for _ in range(5):
        ds.get_batch(idx)
    assert (time.perf_counter() - start) / 5 < 0.05  # a few ms in practice; generous for shared machines


def test_factors_decode_and_encode():
    idx = torch.tensor([0, 1, 32, 1024, 40 * 1024, 6 * 40 * 1024, 737_279])
    f = S.decode_index(idx)
    assert f.tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0],
                          [1, 0, 0, 0, 0], [2, 5, 39, 31, 31]]
    assert torch.equal(S.encode_factors(f), idx)
    values = S.factor_values(f)
    assert values[-1, 1] == 1.0 and math.isclose(values[-1, 2], 2 * math.pi) and values[-1, 3] == 1.0
    with pytest.raises(IndexError):
        S.decode_index(torch.tensor([737_280]))


def test_area_grows_with_scale_and_position_moves_the_shape():
    ds = S.Shapes2DDataset(64)
    for shape in range(3):
        areas = _occupancy(ds, [[shape, s, 0, 16, 16] for s in range(6)]).flatten(1).sum(1)
        assert torch.all(areas[1:] > areas[:-1]), (shape, areas)
    left, right = _occupancy(ds, [[0, 2, 0, 0, 16], [0, 2, 0, 31, 16]])
    cols = torch.arange(64, dtype=torch.float32)
    assert (left[0].sum(0) * cols).sum() / left.sum() < 20 < 44 < (right[0].sum(0) * cols).sum() / right.sum()
    top, bottom = _occupancy(ds, [[1, 2, 0, 16, 0], [1, 2, 0, 16, 31]])
    assert (top[0].sum(1) * cols).sum() / top.sum() < 20 < 44 < (bottom[0].sum(1) * cols).sum() / bottom.sum()


def test_orientation_rotates_a_square():
    ds = S.Shapes2DDataset(64)
    # orientation index 5 is 5·2π/39 ≈ 46°: the square's bounding box widens by about √2, its area stays
    upright, turned = _occupancy(ds, [[0, 5, 0, 16, 16], [0, 5, 5, 16, 16]])
    width = lambda img: int(img[0].amax(0).sum())  # noqa: E731
    assert 1.3 < width(turned) / width(upright) < 1.5
    assert abs(turned.sum() / upright.sum() - 1) < 0.05
    assert torch.equal(upright, _occupancy(ds, [[0, 5, 39, 16, 16]])[0])  # 2π is 0 again, as in dSprites


def test_correlated_variant_ties_scale_to_shape():
    ds = build_dataset(DataConfig(name="shapes2d-correlated"))
    assert len(ds) == 100_000 and ds.info.name == "shapes2d-correlated"
    f = ds.factors(torch.arange(len(ds)))
    assert np.corrcoef(f[:, 0].numpy(), f[:, 1].numpy())[0, 1] >= 0.8
    assert torch.equal(f, S.correlated_factor_table())  # fixed by its seed
    images, labels = ds.get_batch(torch.tensor([3, 7]))
    assert torch.equal(labels, f[[3, 7], 0]) and images.shape == (2, 1, 32, 32)


@pytest.mark.parametrize("name,modes,std", [("gaussians2d-ring", 8, 0.02), ("gaussians2d-grid", 25, 0.05)])
def test_gaussians2d_mode_centers(name, modes, std):
    ds = build_dataset(DataConfig(name=name))
    info = ds.info
    assert info.kind == "points" and info.is_points and info.channels == 0 and info.image_size == 0
    assert ds.mode_centers.shape == (modes, 2) and len(info.mode_centers) == modes and info.mode_std == std
    points, labels = ds.get_batch(torch.arange(2000))
    assert points.shape == (2000, 2) and labels.max() < modes
    # every point lies within 5 std of its own centre
    assert (points - ds.mode_centers[labels]).norm(dim=1).max() < 5 * std
    if modes == 8:
        assert torch.allclose(ds.mode_centers.norm(dim=1), torch.full((8,), 2.0))
    else:
        assert sorted(set(ds.mode_centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
