"""Occupancy grids → meshes: a smooth iso-surface or the occupied cells as cubes.

Both take a float occupancy grid D×H×W (numpy, values in [0, 1]) and return pyvista meshes in voxel units,
centred on the origin. Axes follow the app's grid convention (`workbench.data.voxel_shapes`): axis 0 = depth
front → back, axis 1 = height top → bottom (like image rows), axis 2 = width left → right; in space x = right,
y = up, z = towards the viewer (right-handed), so a voxel (d, h, w) sits at x ∝ w, y ∝ −h, z ∝ −d. `world_order`
flips axes 0 and 1 (a 180° turn about x, not a mirror image), after which numpy's C order is VTK's x-fastest
point order: x = W, y = H reversed, z = D reversed.

- `surface_mesh` contours the grid at `threshold`. The grid is padded by one empty voxel on every side so a
  shape touching the border still gives a closed surface. Voxel centres are the contour's sample points.
  Near-binary grids (what trained generators and the training data mostly hold) give a staircase surface whose
  area is ~8% too large and tilted faces show steps; Taubin smoothing (volume preserving, no shrinking; 40
  passes, pass band 0.02) removes both (measured on a voxelized sphere at 32³ and 64³: area error 8% → 0.1%,
  volume within 0.2%; 3 ms at 32³, 12 ms at 64³; 20 passes at pass band 0.1 left visible steps on tilted boxes).
- `cube_mesh` keeps the cells whose occupancy is ≥ `threshold` as unit cubes (hexahedra), the honest view of
  what the generator produced.

pyvista is imported inside the functions: importing this module is cheap, and the window never loads VTK at
start-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.voxels.errors import VoxelError

SURFACE_METHODS = ("flying_edges", "marching_cubes")
DEFAULT_SMOOTHING = 40  # Taubin passes; 0 = the raw contour
SMOOTHING_PASS_BAND = 0.02  # low: flat faces of tilted boxes lose their steps, not just the finest ripples
SCALARS = "occupancy"


def as_grid(grid: Any) -> np.ndarray:
    """A float32 C-contiguous D×H×W array from a grid (a leading 1×… or N=1 axis is dropped); VoxelError otherwise."""
    array = np.asarray(grid)
    while array.ndim > 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or min(array.shape) < 1:
        raise VoxelError(f"a voxel grid must be D×H×W with every side ≥ 1; got shape {array.shape}")
    if array.dtype == bool:
        array = array.astype(np.float32)
    if not np.issubdtype(array.dtype, np.number):
        raise VoxelError(f"a voxel grid must hold numbers (occupancy in [0, 1]); got {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float32)


def world_order(array: np.ndarray) -> np.ndarray:
    """The grid reordered so that C order is VTK's point order with y up and z towards the viewer."""
    return np.ascontiguousarray(array[::-1, ::-1, :])


def _check_threshold(threshold: float) -> float:
    threshold = float(threshold)
    if not 0.0 < threshold <= 1.0:
        raise VoxelError(f"the occupancy threshold must be in (0, 1]; got {threshold}")
    return threshold


def empty_mesh() -> Any:
    import pyvista as pv

    return pv.PolyData()


def surface_mesh(grid: Any, threshold: float = 0.5, method: str = "flying_edges",
                 smoothing: int = DEFAULT_SMOOTHING) -> Any:
    """The iso-surface of `grid` at `threshold` as a pv.PolyData of triangles (voxel units, centred).

    `method`: "flying_edges" (VTK, fast) or "marching_cubes" (scikit-image, same surface, slower).
    `smoothing`: Taubin passes that take the staircase out of near-binary grids (0 = none).
    An empty grid (nothing reaches the threshold) gives an empty mesh.
    """
    import pyvista as pv

    if method not in SURFACE_METHODS:
        raise VoxelError(f"surface method must be one of {', '.join(SURFACE_METHODS)}; got {method!r}")
    threshold = _check_threshold(threshold)
    array = as_grid(grid)
    if not (array >= threshold).any():
        return empty_mesh()
    padded = np.pad(world_order(array), 1)  # empty border: surfaces touching the grid's side close
    d, h, w = array.shape
    origin = (-(w + 1) / 2, -(h + 1) / 2, -(d + 1) / 2)  # the padded corner; voxel centres are then centred
    if method == "flying_edges":
        image = pv.ImageData(dimensions=padded.shape[::-1], origin=origin)
        image.point_data[SCALARS] = padded.ravel()
        mesh = image.contour([threshold], scalars=SCALARS, method="flying_edges")
        mesh.clear_data()
    else:
        from skimage import measure

        # marching_cubes' vertex (i, j, k) indexes (d, h, w): reversed to (x, y, z) = (w, h, d)
        verts, faces, _normals, _values = measure.marching_cubes(padded, level=threshold)
        points = verts[:, ::-1].astype(np.float32) + np.asarray(origin, dtype=np.float32)
        cells = np.hstack([np.full((len(faces), 1), 3, dtype=faces.dtype), faces]).ravel()
        mesh = pv.PolyData(points, cells)
    if mesh.n_points == 0:
        return empty_mesh()
    if smoothing > 0:
        mesh = mesh.smooth_taubin(n_iter=int(smoothing), pass_band=SMOOTHING_PASS_BAND)
    return mesh


def cube_mesh(grid: Any, threshold: float = 0.5) -> Any:
    """The cells with occupancy ≥ `threshold` as unit cubes: a pv.UnstructuredGrid of hexahedra (one per voxel),
    with the cell data "occupancy"; an empty grid gives an empty mesh."""
    import pyvista as pv

    threshold = _check_threshold(threshold)
    array = as_grid(grid)
    if not (array >= threshold).any():
        return pv.UnstructuredGrid()
    d, h, w = array.shape
    cells = pv.ImageData(dimensions=(w + 1, h + 1, d + 1), origin=(-w / 2, -h / 2, -d / 2))
    values = world_order(array).ravel()
    cells.cell_data[SCALARS] = values
    # extract_cells on the indices is about twice as fast as the threshold filter (22 vs 50 ms at 64³)
    return cells.extract_cells(np.flatnonzero(values >= threshold))


def mesh_triangles(mesh: Any) -> int:
    """Triangles of a surface mesh (cells for other meshes); 0 for an empty one."""
    if mesh is None or mesh.n_cells == 0:
        return 0
    return int(mesh.n_cells)
