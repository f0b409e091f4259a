"""Voxel data: the built-in voxels3d shapes and a user's voxel-folder (npy, binvox, meshes, class folders)."""

from __future__ import annotations

import logging
import math
import pickle

import numpy as np
import pytest
import torch

from workbench.config import ConfigError, DataConfig
from workbench.data import build_dataset, dataset_spec
from workbench.data.binvox import write_binvox
from workbench.data.preview import dataset_preview
from workbench.data.voxel_folder import resample_grid, scan_voxel_folder
from workbench.data.voxel_shapes import CLASS_NAMES, PARAM_NAMES, render_shape, render_shapes
from workbench.data.voxels3d import TEST_SIZE, TRAIN_SIZE, shape_table


def voxels3d(size: int = 16, split: str = "train"):
    return build_dataset(DataConfig(name="voxels3d", image_size=size), split)


def test_voxels3d_batches_are_float_occupancy_with_class_labels():
    data = voxels3d(16)
    info = data.info
    assert (info.kind, info.channels, info.image_size, info.size, len(data)) == ("voxels", 1, 16, TRAIN_SIZE,
                                                                                 TRAIN_SIZE)
    assert info.class_names == CLASS_NAMES == ("sphere", "box", "cylinder", "cone", "torus", "chair", "table")
    assert info.factor_names == () and dataset_spec("voxels3d").kind == "voxels"
    grids, labels = data.get_batch(torch.tensor([0, 5, 1999]))
    assert grids.shape == (3, 1, 16, 16, 16) and grids.dtype == torch.float32
    assert set(grids.unique().tolist()) == {0.0, 1.0}
    assert labels.dtype == torch.long and labels.tolist() == data.labels[[0, 5, 1999]].tolist()
    assert data.shape_params(torch.tensor([0, 1])).shape == (2, len(PARAM_NAMES)) == (2, len(data.param_names))


def test_every_class_is_present_in_equal_numbers_and_the_test_split_differs():
    train, test = voxels3d(16), voxels3d(16, "test")
    assert np.bincount(train.labels.numpy()).tolist() == [286] * 5 + [285] * 2
    assert len(test) == test.info.size == TEST_SIZE and set(test.labels.tolist()) == set(range(len(CLASS_NAMES)))
    seen = {row.tobytes() for row in train.packed}
    assert not any(row.tobytes() in seen for row in test.packed)  # no test shape is a training shape
    assert not np.isin(test.params, train.params).all(axis=1).any()


def _centroids(grids: np.ndarray) -> np.ndarray:
    """Centres of mass N×3 in units of the grid side."""
    centres = (np.arange(grids.shape[1]) + 0.5) / grids.shape[1]
    mass = [(grids.sum(axis=tuple(a for a in (1, 2, 3) if a != axis)) * centres).sum(1) for axis in (1, 2, 3)]
    return np.stack(mass, 1) / grids.reshape(len(grids), -1).sum(1)[:, None]


def test_shapes_are_deterministic_and_the_same_at_every_size():
    labels, params = shape_table("train")
    labels2, params2 = shape_table("train")
    assert np.array_equal(labels, labels2) and np.array_equal(params, params2)
    assert np.array_equal(render_shapes(labels[:20], params[:20], 16), voxels3d(16).grids(np.arange(20)))
    small, large = voxels3d(16).grids(np.arange(100)), voxels3d(32).grids(np.arange(100))
    assert np.abs(_centroids(small) - _centroids(large)).max() < 1.5 / 16  # the same shapes, coarser


def test_shapes_fill_a_sensible_part_of_the_grid_without_leaving_it():
    grids = voxels3d(32).grids(np.arange(TRAIN_SIZE))
    fill = grids.reshape(len(grids), -1).mean(1)
    assert fill.min() > 0.005 and fill.max() < 0.5
    border = np.zeros((32, 32, 32), bool)
    border[[0, -1]] = border[:, [0, -1]] = border[:, :, [0, -1]] = True
    assert not (grids & border).any()
    spans = np.stack([np.count_nonzero(grids.any(axis=tuple(a for a in (1, 2, 3) if a != axis)), axis=1)
                      for axis in (1, 2, 3)], 1)
    assert spans.max(1).min() >= 10  # every shape spans at least a third of the grid


def test_a_sphere_fills_its_analytic_volume():
    for radius in (0.45, 0.6, 0.85):
        grid = render_shape("sphere", {"width": radius, "height": radius, "depth": radius, "yaw": 1.0}, 32)
        assert abs(grid.sum() / (4 / 3 * math.pi * (radius * 16) ** 3) - 1) < 0.03
    data = voxels3d(32)
    spheres = np.flatnonzero(data.labels.numpy() == 0)
    volumes = data.grids(spheres).reshape(len(spheres), -1).sum(1)
    analytic = 4 / 3 * math.pi * (data.params[spheres, PARAM_NAMES.index("width")] * 16) ** 3
    assert np.abs(volumes / analytic - 1).max() < 0.03


def test_a_chair_has_a_back_above_its_seat_and_a_table_does_not():
    # both 16 voxels wide and deep, from row 3 (top) to row 28 (floor); the chair's seat at mid-height (row 16)
    shape = {"width": 0.5, "height": 0.8, "depth": 0.5, "thickness": 0.08, "seat_level": 0.5}
    chair = render_shape("chair", shape, 32)
    table = render_shape("table", {**shape, "seat_level": 1.0}, 32)
    above_seat = chair[:, 4:14]  # height index 0 is the top
    assert above_seat[:16].sum() == 0 and above_seat[16:].sum() > 100  # the back, at the rear (larger depth)
    assert chair[:, 14:17].sum() > 0.8 * 16 * 16  # the seat
    assert table[:, 2:7].sum() > 1.5 * 16 * 16  # the top
    for legs in (chair[:, 20:28], table[:, 8:28]):  # four legs in the corners, nothing in the middle
        assert legs[12:20, :, 12:20].sum() == 0 and legs[8:12, :, 8:12].sum() > 0 and legs[20:24, :, 20:24].sum() > 0


def test_invalid_grid_side_names_data_image_size():
    for size in (8, 128):
        with pytest.raises(ConfigError, match="data.image_size.*16, 32 or 64"):
            voxels3d(size)
    with pytest.raises(ConfigError, match="no test split"):
        build_dataset(DataConfig(name="digits", image_size=16), "test")


def test_preview_shows_three_views_per_grid():
    preview = dataset_preview(DataConfig(name="voxels3d", image_size=16), count=16)
    assert preview.description.startswith("2,000 voxel grids, 16×16×16, 7 classes")
    assert preview.image.dtype == np.uint8 and preview.image.ndim == 3 and preview.image.shape[2] == 3
    assert preview.image.shape[1] > 2 * preview.image.shape[0]  # 2 examples per row, each 3 views wide


def test_resampling_max_pools_down_and_repeats_up():
    grid = np.zeros((32, 32, 32), bool)
    grid[8:24, 9:10, 8:24] = True  # a one-voxel sheet survives max-pooling
    down = resample_grid(grid, 16)
    assert down.shape == (16, 16, 16) and down[4:12, 4, 4:12].all() and down.sum() == 64
    up = resample_grid(np.eye(2, dtype=bool)[None].repeat(2, 0), 8)
    assert up.shape == (8, 8, 8) and up.sum() == 4 * 4**3 and up[:, :4, :4].all()
    odd = resample_grid(np.ones((20, 20, 20), bool), 16)
    assert odd.all()


def _ball(side: int, radius: float) -> np.ndarray:
    c = np.arange(side) - (side - 1) / 2
    return c[:, None, None] ** 2 + c[None, :, None] ** 2 + c[None, None, :] ** 2 <= radius**2


@pytest.fixture
def shape_folder(tmp_path):
    import pyvista as pv

    root = tmp_path / "shapes"
    chairs, tables = root / "chairs", root / "tables" / "nested"
    chairs.mkdir(parents=True)
    tables.mkdir(parents=True)
    np.save(chairs / "ball.npy", _ball(16, 5))  # bool, already 16³
    np.save(chairs / "ball255.npy", _ball(32, 10).astype(np.uint8) * 255)  # 0/255, max-pooled to 16³
    write_binvox(chairs / "cube.binvox", np.pad(np.ones((4, 4, 4), bool), 2))  # 8³, enlarged
    pv.Cube().triangulate().save(chairs / "cube.stl")
    np.save(tables / "soft.npy", _ball(16, 6) * 0.9 + 0.05)  # floats in [0, 1]
    pv.Sphere().save(root / "tables" / "sphere.ply")
    (chairs / "broken.obj").write_text("v 0 0 0\nthis is not a mesh\n")
    np.save(chairs / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    (chairs / "pickled.npy").write_bytes(pickle.dumps(np.zeros((4, 4, 4))))
    np.save(tables / "slab.npy", np.ones((16, 16, 8), bool))
    np.save(tables / "empty.npy", np.zeros((16, 16, 16), np.float32))
    (tables / "notes.txt").write_text("my shapes")
    test = root / "test" / "tables"
    test.mkdir(parents=True)
    np.save(test / "held_out.npy", _ball(16, 4))
    return root


def test_voxel_folder_reads_good_files_and_reports_each_bad_one(shape_folder, caplog):
    caplog.set_level(logging.WARNING)
    data = build_dataset(DataConfig(name="voxel-folder", root=str(shape_folder), image_size=16))
    assert data.info.kind == "voxels" and data.info.class_names == ("chairs", "tables")
    assert data.info.name == "voxel-folder:shapes" and data.info.image_size == 16
    names = [p.name for p in data.paths]
    assert sorted(names) == ["ball.npy", "ball255.npy", "cube.binvox", "cube.stl", "soft.npy", "sphere.ply"]
    assert [data.labels[names.index(n)].item() for n in ("ball.npy", "cube.stl", "soft.npy", "sphere.ply")] == \
        [0, 0, 1, 1]
    grids, _ = data.get_batch(torch.arange(len(data)))
    assert grids.shape == (6, 1, 16, 16, 16) and set(grids.unique().tolist()) == {0.0, 1.0}
    grid = {n: data.grids([i])[0] for i, n in enumerate(names)}
    assert np.array_equal(grid["ball.npy"], _ball(16, 5))
    assert np.array_equal(grid["cube.binvox"][4:12, 4:12, 4:12], np.ones((8, 8, 8), bool))
    assert grid["cube.binvox"].sum() == 8**3 and grid["cube.stl"].sum() == 14**3
    assert np.array_equal(grid["soft.npy"], _ball(16, 6))
    assert 0.9 < grid["ball255.npy"].sum() / _ball(16, 5).sum() < 1.6  # max-pooling grows a shape a little
    report = caplog.text
    for name, reason in [("broken.obj", "not a valid OBJ"), ("objects.npy", "Python objects"),
                         ("pickled.npy", "pickle"), ("slab.npy", "not cubic"), ("empty.npy", "no occupied voxel"),
                         ("notes.txt", "not a voxel grid or mesh type")]:
        line = next(line for line in report.splitlines() if name in line)
        assert reason in line, line


def test_voxel_folder_test_split_uses_the_training_classes(shape_folder):
    config = DataConfig(name="voxel-folder", root=str(shape_folder), image_size=16)
    test = build_dataset(config, "test")
    assert len(test) == 1 and test.info.class_names == ("chairs", "tables") and test.labels.tolist() == [1]
    assert np.array_equal(test.grids([0])[0], _ball(16, 4))


def test_voxel_folder_without_test_folder_or_readable_files_is_a_clear_error(tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    np.save(root / "a.npy", _ball(16, 5))
    config = DataConfig(name="voxel-folder", root=str(root), image_size=16)
    data = build_dataset(config)
    assert data.info.class_names == () and data.labels.tolist() == [0]
    with pytest.raises(ConfigError, match="no test/ folder"):
        build_dataset(config, "test")
    bad = tmp_path / "bad"
    bad.mkdir()
    np.save(bad / "line.npy", np.ones(5))
    (bad / "junk.binvox").write_bytes(b"#binvox 1\ndim 2 2 2\ndata\n\x01")
    with pytest.raises(ConfigError, match="no readable voxel grids") as err:
        build_dataset(DataConfig(name="voxel-folder", root=str(bad), image_size=16))
    assert "line.npy: shape (5,) is not a 3-D grid" in str(err.value) and "junk.binvox: run-length" in str(err.value)
    with pytest.raises(ConfigError, match="data.root"):
        build_dataset(DataConfig(name="voxel-folder", root="", image_size=16))
    with pytest.raises(ConfigError, match="data.image_size"):
        build_dataset(DataConfig(name="voxel-folder", root=str(root), image_size=8))


def test_voxel_folder_walks_links_once_and_keeps_the_files_beside_a_loop(tmp_path):
    root = tmp_path / "shapes"
    (root / "sub").mkdir(parents=True)
    np.save(root / "a.npy", _ball(16, 5))
    outside = tmp_path / "outside.npy"
    np.save(outside, _ball(16, 6))
    (root / "b.npy").symlink_to(outside)  # a link to a file elsewhere is read
    (root / "gone.npy").symlink_to(tmp_path / "deleted.npy")
    (root / "sub" / "loop").symlink_to(root)  # `sub` holds only a loop: no class folder
    scan = scan_voxel_folder(root, 16)
    assert [p.name for p in scan.files] == ["a.npy", "b.npy"] and scan.class_names == ()
    reasons = {p.path.name: p.reason for p in scan.problems}
    assert reasons["gone.npy"].startswith("broken symbolic link") and "symbolic link loop" in reasons["loop"]
    (root / "sub").rename(tmp_path / "moved")
    (root / "chairs").mkdir()
    (root / "chairs" / "again").symlink_to(root / "chairs")
    np.save(root / "chairs" / "c.npy", _ball(16, 4))
    scan = scan_voxel_folder(root, 16)
    assert scan.class_names == ("chairs",) and [p.name for p in scan.files] == ["c.npy"]
    assert {p.path.name for p in scan.problems} >= {"a.npy", "b.npy", "gone.npy", "again"}
