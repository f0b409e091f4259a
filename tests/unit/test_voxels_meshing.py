"""Voxel grids → meshes, files and animations: known shapes (a sphere's area, a box's cubes), the axis
convention (up and front), empty grids, export round trips through pyvista / numpy / binvox, and turntable and
interpolation frames written as GIF, MP4 and PNG strip."""

from __future__ import annotations

import math

import numpy as np
import pytest

pv = pytest.importorskip("pyvista")

from workbench.voxels.errors import VoxelError  # noqa: E402
from workbench.voxels.export import SUFFIXES, export_shape, save_mesh  # noqa: E402
from workbench.voxels.meshing import cube_mesh, surface_mesh, world_order  # noqa: E402


def sphere(n: int, radius: float) -> np.ndarray:
    c = (n - 1) / 2
    z, y, x = np.mgrid[:n, :n, :n]
    return (np.sqrt((x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2) <= radius).astype(np.float32)


def box(n: int = 16) -> np.ndarray:
    grid = np.zeros((n, n, n), np.float32)
    grid[2:6, 3:9, 4:14] = 1.0  # 4 deep × 6 high × 10 wide
    return grid


@pytest.mark.parametrize("method", ["flying_edges", "marching_cubes"])
@pytest.mark.parametrize("n", [32, 64])
def test_sphere_surface_area_and_volume(method, n):
    radius = 0.35 * n
    mesh = surface_mesh(sphere(n, radius), 0.5, method=method)
    assert isinstance(mesh, pv.PolyData) and mesh.n_cells > 0 and mesh.is_all_triangles
    assert mesh.n_open_edges == 0  # closed
    assert mesh.area == pytest.approx(4 * math.pi * radius**2, rel=0.02)
    assert mesh.volume == pytest.approx(4 / 3 * math.pi * radius**3, rel=0.02)
    assert np.allclose(mesh.center, 0.0, atol=0.05)  # centred in voxel units
    raw = surface_mesh(sphere(n, radius), 0.5, method=method, smoothing=0)
    assert raw.area > mesh.area  # the staircase the smoothing removes


def test_both_surface_methods_give_the_same_raw_surface():
    grid = box(16)
    a = surface_mesh(grid, method="flying_edges", smoothing=0)
    b = surface_mesh(grid, method="marching_cubes", smoothing=0)
    assert a.n_cells == b.n_cells
    assert np.allclose(a.bounds, b.bounds, atol=1e-4)
    assert a.area == pytest.approx(b.area, rel=1e-5)


def test_box_cubes_count_and_bounds():
    mesh = cube_mesh(box(16), 0.5)
    assert isinstance(mesh, pv.UnstructuredGrid)
    assert mesh.n_cells == 4 * 6 * 10
    # x = width 4..14, y = up (rows 3..9 of 16 → −1..5 above the centre reversed), z = towards the viewer
    assert np.allclose(mesh.bounds, (-4, 6, -1, 5, 2, 6))
    occupancy = np.linspace(0, 1, 16**3, dtype=np.float32).reshape(16, 16, 16)
    assert cube_mesh(occupancy, 0.75).n_cells == int((occupancy >= 0.75).sum())


def test_axes_up_and_front_follow_the_grid_convention():
    """Row 0 of axis 1 is the top (+y), index 0 of axis 0 the front (+z), axis 2 runs left → right (+x)."""
    grid = np.zeros((8, 8, 8), np.float32)
    grid[0:2, 0:2, 6:8] = 1.0  # front, top, right corner
    for mesh in (surface_mesh(grid), cube_mesh(grid)):
        x, y, z = mesh.center
        assert x > 2 and y > 2 and z > 2
    assert world_order(grid)[-1, -1, -1] == 1.0


def test_shapes_touching_the_border_close_and_empty_grids_give_empty_meshes():
    full = np.ones((6, 6, 6), np.float32)
    mesh = surface_mesh(full, smoothing=0)
    assert mesh.n_open_edges == 0
    assert np.allclose(mesh.bounds, (-3, 3) * 3, atol=1e-5)  # halfway between the border voxels and the padding
    empty = np.zeros((8, 8, 8), np.float32)
    for method in ("flying_edges", "marching_cubes"):
        assert surface_mesh(empty, method=method).n_points == 0
    assert cube_mesh(empty).n_cells == 0
    assert surface_mesh(np.full((8, 8, 8), 0.4), 0.5).n_points == 0  # below the threshold
    with pytest.raises(VoxelError, match="surface method"):
        surface_mesh(full, method="dual_contouring")
    with pytest.raises(VoxelError, match="threshold"):
        cube_mesh(full, 0.0)
    with pytest.raises(VoxelError, match="D×H×W"):
        surface_mesh(np.ones((4, 4)))
    assert cube_mesh(np.ones((1, 1, 3, 3, 3))).n_cells == 27  # N×1×D×H×W with N = 1 is accepted


@pytest.mark.parametrize("style", ["surface", "cubes"])
@pytest.mark.parametrize("suffix", [".stl", ".obj", ".ply", ".vtk"])
def test_mesh_exports_read_back(tmp_path, style, suffix):
    grid = box(16)
    path = export_shape(grid, tmp_path / f"shape{suffix}", style=style)
    back = pv.read(path)
    assert back.n_cells > 0 and back.is_all_triangles
    expected = (-4, 6, -1, 5, 2, 6)
    assert np.allclose(back.bounds, expected, atol=0.5 if style == "surface" else 1e-5)
    if style == "cubes":
        assert back.n_points == 5 * 7 * 11 - 3 * 5 * 9  # the box's outer lattice points: inner faces dropped
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"shape{suffix}"]  # no temporary left behind


def test_volume_npy_and_binvox_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    grid = rng.random((16, 16, 16)).astype(np.float32)
    volume = pv.read(export_shape(grid, tmp_path / "v.vti"))
    assert volume.dimensions == (16, 16, 16)
    assert np.allclose(volume.point_data["occupancy"], world_order(grid).ravel())
    npy = np.load(export_shape(grid, tmp_path / "g.npy", threshold=0.3), allow_pickle=False)
    assert npy.dtype == bool and np.array_equal(npy, grid >= 0.3)
    binvox = pytest.importorskip("workbench.data.binvox")
    path = export_shape(grid, tmp_path / "g.binvox")
    assert np.array_equal(binvox.read_binvox(path), grid >= 0.5)


def test_export_refuses_unknown_suffixes_and_empty_meshes(tmp_path):
    with pytest.raises(VoxelError, match="must end in one of"):
        export_shape(box(), tmp_path / "shape.fbx")
    with pytest.raises(VoxelError, match="threshold"):
        export_shape(np.zeros((8, 8, 8)), tmp_path / "empty.stl")
    (tmp_path / "taken.stl").mkdir()
    with pytest.raises(VoxelError, match="it is a folder"):
        save_mesh(pv.Sphere(), tmp_path / "taken.stl")
    assert set(SUFFIXES) == {".stl", ".obj", ".ply", ".vtk", ".vti", ".npy", ".binvox"}


def test_turntable_and_interpolation_frames_written_as_gif_mp4_and_strip(tmp_path):
    from PIL import Image

    from workbench.voxels.turntable import save_frames, sequence_frames, turntable_frames

    grid = box(16)
    frames = turntable_frames(grid, frames=6, size=64)
    assert frames.shape == (6, 64, 64, 3) and frames.dtype == np.uint8
    assert not np.array_equal(frames[0], frames[1])  # the camera turned
    assert frames.std() > 5  # a shape, not an empty picture
    gif = save_frames(frames, tmp_path / "turn.gif", fps=10)
    with Image.open(gif) as image:
        assert image.n_frames == 6 and image.size == (64, 64)
    mp4 = save_frames(frames, tmp_path / "turn.mp4", fps=10)
    assert mp4.stat().st_size > 0

    steps = np.stack([box(16), np.roll(box(16), 4, axis=2), np.zeros((16, 16, 16), np.float32)])
    strip_frames = sequence_frames(steps, size=48, style="cubes")
    assert strip_frames.shape == (3, 48, 48, 3)
    assert len(np.unique(strip_frames[2].reshape(-1, 3), axis=0)) == 1  # the empty grid: background only
    strip = save_frames(strip_frames, tmp_path / "strip.png")
    with Image.open(strip) as image:
        assert image.size == (3 * 48 + 2 * 4, 48)
    with pytest.raises(VoxelError, match=".gif or .mp4"):
        save_frames(strip_frames, tmp_path / "strip.webm")
