"""binvox files round-trip exactly and malformed ones are refused by name; meshes voxelise to their volume."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from workbench.config import ConfigError
from workbench.data.binvox import read_binvox, read_binvox_header, write_binvox
from workbench.data.mesh_import import import_mesh, voxelize_mesh


def binvox_bytes(dim: str, data: bytes, extra: str = "") -> bytes:
    return f"#binvox 1\ndim {dim}\n{extra}translate 0 0 0\nscale 1\ndata\n".encode() + data


@pytest.mark.parametrize("side", [1, 5, 16, 33])
def test_binvox_round_trip_is_exact(tmp_path, side):
    rng = np.random.default_rng(side)
    for grid in (rng.random((side,) * 3) < 0.3, np.zeros((side,) * 3, bool), np.ones((side,) * 3, bool)):
        write_binvox(tmp_path / "g.binvox", grid)  # all-ones 33³ has runs far longer than 255
        back = read_binvox(tmp_path / "g.binvox")
        assert back.dtype == bool and back.shape == grid.shape and np.array_equal(back, grid)


def test_binvox_axes_put_y_up_and_z_towards_the_viewer(tmp_path):
    n, (d, h, w) = 8, (1, 2, 5)
    grid = np.zeros((n, n, n), bool)
    grid[d, h, w] = True
    write_binvox(tmp_path / "one.binvox", grid, translate=(1.5, -2.0, 0.25), scale=3.0)
    header = read_binvox_header(tmp_path / "one.binvox")
    assert (header.side, header.translate, header.scale) == (n, (1.5, -2.0, 0.25), 3.0)
    data = np.frombuffer((tmp_path / "one.binvox").read_bytes(), np.uint8, offset=header.data_offset)
    flat = np.repeat(data[0::2], data[1::2])
    x, y, z = w, n - 1 - h, n - 1 - d  # binvox order: y fastest, then z, then x
    assert np.flatnonzero(flat).tolist() == [x * n * n + z * n + y]


@pytest.mark.parametrize("content, reason", [
    (b"#notbinvox\n", "not a binvox file"),
    (b"#binvox 1\ndim 2 2 2\ntranslate 0 0 0\n", "before its 'data' line"),
    (binvox_bytes("2 2", b"\x00\x08"), "'dim' needs 3 whole numbers"),
    (binvox_bytes("2 two 2", b"\x00\x08"), "'dim' needs 3 whole numbers"),
    (binvox_bytes("0 0 0", b""), "outside 1"),
    (binvox_bytes("4 4 2", b"\x00\x20"), "not cubic"),
    (binvox_bytes("2 2 2", b"", extra="colour red\n"), "unexpected header line"),
    (binvox_bytes("2 2 2", b"\x00\x04\x01"), "truncated"),
    (binvox_bytes("2 2 2", b"\x00\x04\x01\x03"), "add up to 7 voxels"),
    (binvox_bytes("2 2 2", b"\x00\x04\x01\x04\x01\x01"), "add up to 9 voxels"),
    (binvox_bytes("2 2 2", b"\x02\x08"), "value 2 at data byte 0 is not 0 or 1"),
    (binvox_bytes("2 2 2", b"\x00\x00\x01\x08"), "run of length 0"),
])
def test_malformed_binvox_is_refused_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "shape.binvox"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=reason) as err:
        read_binvox(path)
    assert str(path) in str(err.value)


def test_missing_binvox_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.binvox: cannot read"):
        read_binvox(tmp_path / "nowhere.binvox")


@pytest.mark.parametrize("suffix", [".stl", ".obj", ".ply"])
def test_closed_sphere_mesh_fills_its_volume(tmp_path, suffix):
    import pyvista as pv

    path = tmp_path / f"ball{suffix}"
    pv.Sphere(radius=3.0, theta_resolution=40, phi_resolution=40).save(path)
    inside = import_mesh(path, 32, surface=False)
    with_surface = voxelize_mesh(path, 32)
    analytic = 4 / 3 * math.pi * 15**3  # the diameter spans 32 − 2 voxels
    assert inside.closed and inside.open_edges == 0 and inside.triangles > 1000
    assert abs(inside.grid.sum() / analytic - 1) < 0.03
    assert with_surface.dtype == bool and with_surface.shape == (32, 32, 32)
    assert (with_surface >= inside.grid).all() and 1.0 < with_surface.sum() / analytic < 1.2  # binvox-like shell
    assert not with_surface[[0, -1]].any() and not with_surface[:, [0, -1]].any()  # the one-voxel margin


def test_box_is_scaled_uniformly_along_the_right_axes(tmp_path):
    import pyvista as pv

    path = tmp_path / "beam.stl"
    pv.Box(bounds=(-2, 2, -1, 1, -0.5, 0.5)).triangulate().save(path)  # long in x, shortest in z
    grid = voxelize_mesh(path, 18, surface=False)  # x spans 18 − 2 = 16 voxels, so 4 voxels per unit
    extent = [int(np.ptp(np.flatnonzero(grid.any(axis=tuple(a for a in range(3) if a != axis))))) + 1
              for axis in range(3)]
    assert extent == [4, 8, 16]  # depth (z), height (y), width (x)
    assert grid.sum() == 4 * 8 * 16


def test_up_axis_puts_a_cone_apex_at_the_top(tmp_path):
    import pyvista as pv

    pv.Cone(direction=(0, 1, 0), height=2, radius=1, resolution=40).save(tmp_path / "y_up.obj")
    pv.Cone(direction=(0, 0, 1), height=2, radius=1, resolution=40).save(tmp_path / "z_up.stl")
    for grid in (voxelize_mesh(tmp_path / "y_up.obj", 16), voxelize_mesh(tmp_path / "z_up.stl", 16, up="z")):
        per_row = grid.sum(axis=(0, 2))  # voxels in each height row, top row first
        assert per_row[1:4].sum() < per_row[-4:-1].sum() / 4


def test_open_mesh_gives_a_surface_shell(tmp_path):
    import pyvista as pv

    pv.Plane(i_size=2, j_size=2).save(tmp_path / "sheet.ply")
    result = import_mesh(tmp_path / "sheet.ply", 16)
    assert not result.closed and result.open_edges > 0
    assert 14 * 14 <= result.grid.sum() <= 2 * 14 * 14  # one layer (two where it lies on a voxel boundary)


def test_corrupt_mesh_files_are_refused_naming_the_file(tmp_path):
    import pyvista as pv

    pv.Sphere().save(tmp_path / "whole.ply")  # binary PLY
    raw = (tmp_path / "whole.ply").read_bytes()
    cases = {
        "truncated.ply": (raw[: len(raw) // 2], "truncated"),  # VTK's own PLY reader crashes on this file
        "garbage.stl": (b"garbage, not a mesh\n", "not a valid STL"),
        "garbage.obj": (b"hello\n", "not a valid OBJ"),
        "points.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\n", "not a valid OBJ"),
        "bad_index.ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty "
                          b"float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n"
                          b"0 1 0\n3 0 1 7\n", "refers to vertices"),
        "empty.stl": (b"", "empty"),
        "one_point.stl": (b"\0" * 80 + struct.pack("<I", 1) + struct.pack("<12fH", *([0.0] * 12), 0), "not a valid"),
        "collapsed.ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty "
                          b"float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n1 1 1\n1 1 1\n"
                          b"1 1 1\n3 0 1 2\n", "no faces"),
    }
    for name, (content, reason) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ConfigError, match=reason) as err:
            voxelize_mesh(tmp_path / name, 16)
        assert name in str(err.value)
