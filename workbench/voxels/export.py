"""Writing a voxel shape to files: meshes (STL, OBJ, PLY, VTK), the occupancy volume (VTI) and voxel grids
(NumPy .npy, .binvox).

- Mesh formats hold what the viewer shows: the smooth surface (`style="surface"`) or the occupied cells as
  cubes (`style="cubes"`, their outer faces), triangulated, in voxel units and centred. `.vtk` is the legacy
  VTK file of that surface mesh (a PolyData, like the other mesh formats); the occupancy volume itself, as
  VTK image data with the float "occupancy" per voxel (ParaView opens it), is written as `.vti`, y up like the meshes.
- Grid formats hold the voxels: `.npy` a bool D×H×W array (occupancy ≥ threshold; `np.load` reads it back
  without pickles), `.binvox` the same grid through `workbench.data.binvox.write_binvox`.

Every file is written crash-safe: a temporary file in the same folder, then os.replace, so an interrupted
export never leaves a torn file under the final name.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from workbench.atomic import export_bytes, export_target, export_through_temporary
from workbench.voxels.errors import VoxelError
from workbench.voxels.meshing import DEFAULT_SMOOTHING, as_grid, cube_mesh, surface_mesh, world_order

MESH_SUFFIXES = (".stl", ".obj", ".ply", ".vtk")
VOLUME_SUFFIXES = (".vti",)
GRID_SUFFIXES = (".npy", ".binvox")
SUFFIXES = MESH_SUFFIXES + VOLUME_SUFFIXES + GRID_SUFFIXES
STYLES = ("surface", "cubes")
FILE_FILTERS = {
    ".stl": "STL mesh (*.stl)",
    ".obj": "Wavefront OBJ mesh (*.obj)",
    ".ply": "PLY mesh (*.ply)",
    ".vtk": "VTK legacy mesh (*.vtk)",
    ".vti": "VTK image data: the occupancy volume (*.vti)",
    ".npy": "NumPy voxel grid (*.npy)",
    ".binvox": "binvox voxel grid (*.binvox)",
}


def target_path(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    return export_target(path, suffixes, VoxelError)


def write_file_bytes(path: Path, data: bytes) -> Path:
    return export_bytes(path, data, VoxelError)


def _write_through_temporary(path: Path, write: Callable[[Path], None]) -> Path:
    return export_through_temporary(path, write, VoxelError)


def shape_mesh(grid: Any, threshold: float = 0.5, style: str = "surface", method: str = "flying_edges",
               smoothing: int = DEFAULT_SMOOTHING) -> Any:
    """The triangulated pv.PolyData that mesh exports write: the surface, or the cubes' outer faces."""
    if style not in STYLES:
        raise VoxelError(f"style must be one of {', '.join(STYLES)}; got {style!r}")
    if style == "surface":
        return surface_mesh(grid, threshold, method=method, smoothing=smoothing)
    cubes = cube_mesh(grid, threshold)
    if cubes.n_cells == 0:
        import pyvista as pv

        return pv.PolyData()
    surface = cubes.extract_surface(algorithm="dataset_surface")  # outer faces only: shared faces drop out
    surface.clear_data()
    return surface.triangulate()


def save_mesh(mesh: Any, path: str | Path) -> Path:
    """Write a pv.PolyData as STL, OBJ, PLY or legacy VTK, chosen by the suffix; VoxelError for an empty mesh."""
    target = target_path(path, MESH_SUFFIXES)
    if mesh is None or mesh.n_points == 0:
        raise VoxelError(f"nothing to write to {target.name}: no voxel reaches the occupancy threshold (lower it)")
    binary = target.suffix.lower() != ".obj"

    def write(tmp: Path) -> None:
        if tmp.suffix.lower() == ".obj":
            mesh.save(str(tmp))
        else:
            mesh.save(str(tmp), binary=binary)

    return _write_through_temporary(target, write)


def save_volume(grid: Any, path: str | Path) -> Path:
    """The float occupancy as VTK image data (`.vti`, point data "occupancy", voxel centres centred on 0)."""
    import pyvista as pv

    target = target_path(path, VOLUME_SUFFIXES)
    array = as_grid(grid)
    d, h, w = array.shape
    image = pv.ImageData(dimensions=(w, h, d), origin=(-(w - 1) / 2, -(h - 1) / 2, -(d - 1) / 2))
    image.point_data["occupancy"] = world_order(array).ravel()
    return _write_through_temporary(target, lambda tmp: image.save(str(tmp)))


def binary_grid(grid: Any, threshold: float = 0.5) -> np.ndarray:
    """The bool D×H×W grid of voxels whose occupancy reaches `threshold`."""
    return as_grid(grid) >= float(threshold)


def save_npy(grid: Any, path: str | Path, threshold: float = 0.5) -> Path:
    """The thresholded grid as a bool D×H×W `.npy` (no pickles: `np.load(..., allow_pickle=False)` reads it)."""
    target = target_path(path, (".npy",))
    buffer = io.BytesIO()
    np.save(buffer, binary_grid(grid, threshold), allow_pickle=False)
    return write_file_bytes(target, buffer.getvalue())


def save_binvox(grid: Any, path: str | Path, threshold: float = 0.5) -> Path:
    """The thresholded grid as `.binvox` (the 3D-GAN release's and ShapeNet's voxel format)."""
    from workbench.data.binvox import write_binvox

    target = target_path(path, (".binvox",))
    voxels = binary_grid(grid, threshold)
    if len(set(voxels.shape)) != 1:
        raise VoxelError(f"binvox holds cubic grids; this one is {'×'.join(map(str, voxels.shape))}")
    return _write_through_temporary(target, lambda tmp: write_binvox(tmp, voxels))


def export_shape(grid: Any, path: str | Path, *, threshold: float = 0.5, style: str = "surface",
                 method: str = "flying_edges", smoothing: int = DEFAULT_SMOOTHING) -> Path:
    """Write `grid` to `path` in the format its suffix names (see SUFFIXES); returns the path written."""
    suffix = Path(path).suffix.lower()
    if suffix in MESH_SUFFIXES:
        return save_mesh(shape_mesh(grid, threshold, style, method, smoothing), path)
    if suffix == ".vti":
        return save_volume(grid, path)
    if suffix == ".npy":
        return save_npy(grid, path, threshold)
    if suffix == ".binvox":
        return save_binvox(grid, path, threshold)
    raise VoxelError(f"cannot write {Path(path).name}: the file name must end in one of {', '.join(SUFFIXES)}")
