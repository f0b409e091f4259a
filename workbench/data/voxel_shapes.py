"""Procedural 3-D shape classes as occupancy grids: implicit inside-tests on a grid of voxel centres.

Grid axes (every voxel grid in the app, D×H×W): axis 0 = depth, front → back; axis 1 = height, top → bottom
(like image rows); axis 2 = width, left → right. So `grid[d]` is an upright H×W slice and `grid.max(axis=0)` is
the front silhouette as an upright image; "up" is towards index 0 of axis 1. In world coordinates (x right,
y up, z towards the viewer; right-handed) a voxel centre (d, h, w) sits at x = c(w), y = −c(h), z = −c(d) with
c(i) = (i + ½)/S·2 − 1, so the grid spans the cube [−1, 1]³ whatever its side S.

Each shape is one row of parameters (`PARAM_NAMES`), in world units of that cube:

    center_x/y/z   where the shape's bounding box is centred (within ±`MAX_OFFSET`)
    yaw            rotation about the vertical axis, radians (every class)
    tilt_x, tilt_z small rotations about the x and z axes after the yaw (boxes, cylinders, cones: up to 10°,
                   tori up to 30°; spheres, chairs and tables stand upright: 0)
    width, height, depth  half-extents along the shape's own x, y (up) and z axes
    thickness      torus: tube radius; chair, table: half-width of the legs and half-thickness of the seat,
                   back and top; 0 for the others. Rendered at least half a voxel, so that thin parts stay at
                   least one voxel thick on a coarse grid
    seat_level     chair: height of the seat's top as a fraction of the chair's height; table: 1 (the top);
                   0 for the others

Shapes: sphere (radius = width = height = depth); box; cylinder (vertical axis, radius = width = depth); cone
(apex up, base radius = width = depth); torus (ring in the horizontal plane, major radius = width = depth, tube
radius = thickness = height); chair (seat, a back at the rear (−z), 4 legs); table (top, 4 legs). Sizes are
drawn at random and then scaled down, if needed, so that every shape lies inside a sphere of radius
`MAX_RADIUS` about its centre: shapes never leave the grid and fill a sensible part of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

CLASS_NAMES = ("sphere", "box", "cylinder", "cone", "torus", "chair", "table")
PARAM_NAMES = ("center_x", "center_y", "center_z", "yaw", "tilt_x", "tilt_z", "width", "height", "depth",
               "thickness", "seat_level")
MAX_RADIUS = 0.9  # every shape inside this sphere about its centre …
MAX_OFFSET = 0.06  # … and its centre this close to the grid's centre: 0.96 < 1, inside the grid

_P = {name: i for i, name in enumerate(PARAM_NAMES)}
_TILT = {"box": 10.0, "cylinder": 10.0, "cone": 10.0, "torus": 30.0}  # degrees; the others stand upright
# Voxels are rendered this many at a time: small blocks stay in the CPU cache, which is several times faster
# than one whole-batch pass and keeps memory flat.
_CHUNK_VOXELS = 1 << 18


def class_index(class_name: str) -> int:
    if class_name not in CLASS_NAMES:
        raise ValueError(f"unknown shape class {class_name!r}; valid: {', '.join(CLASS_NAMES)}")
    return CLASS_NAMES.index(class_name)


def _bounding_radius(name: str, p: np.ndarray) -> np.ndarray:
    """Radius of a sphere about the centre that holds the shape (rows of `p`)."""
    w, h, d = p[:, _P["width"]], p[:, _P["height"]], p[:, _P["depth"]]
    if name == "sphere":
        return w
    if name == "torus":
        return w + p[:, _P["thickness"]]
    if name in ("cylinder", "cone"):
        return np.sqrt(w * w + h * h)
    return np.sqrt(w * w + h * h + d * d)  # boxes, chairs, tables: the box's half-diagonal


def sample_params(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random parameters (N×len(PARAM_NAMES), float32) for shapes of the given class indices."""
    labels = np.asarray(labels, dtype=np.int64)
    n = labels.shape[0]
    p = np.zeros((n, len(PARAM_NAMES)), dtype=np.float64)
    p[:, 0:3] = rng.uniform(-MAX_OFFSET, MAX_OFFSET, (n, 3))
    p[:, _P["yaw"]] = rng.uniform(0.0, 2 * math.pi, n)
    u = rng.uniform(0.0, 1.0, (n, 6))  # one draw per row whatever the class, so rows stay independent of it
    tilts = rng.uniform(-1.0, 1.0, (n, 2))

    def lerp(k: int, low: float, high: float) -> np.ndarray:
        return low + (high - low) * u[:, k]

    for k, name in enumerate(CLASS_NAMES):
        rows = labels == k
        if not rows.any():
            continue
        q = p[rows]
        width, height, depth, thick, level = (q[:, _P[c]] for c in ("width", "height", "depth", "thickness",
                                                                    "seat_level"))
        if name == "sphere":
            width[:] = lerp(0, 0.45, 0.85)[rows]
            height[:] = depth[:] = width
        elif name == "box":
            width[:], height[:], depth[:] = (lerp(i, 0.25, 0.7)[rows] for i in range(3))
        elif name == "cylinder":
            width[:], height[:] = lerp(0, 0.25, 0.6)[rows], lerp(1, 0.3, 0.8)[rows]
            depth[:] = width
        elif name == "cone":
            width[:], height[:] = lerp(0, 0.35, 0.7)[rows], lerp(1, 0.45, 0.85)[rows]
            depth[:] = width
        elif name == "torus":
            width[:] = lerp(0, 0.4, 0.65)[rows]
            thick[:] = width * lerp(1, 0.25, 0.45)[rows]
            depth[:], height[:] = width, thick
        elif name == "chair":
            width[:], depth[:] = lerp(0, 0.3, 0.5)[rows], lerp(1, 0.3, 0.5)[rows]
            height[:] = lerp(2, 0.6, 0.85)[rows]
            thick[:] = lerp(3, 0.06, 0.1)[rows]
            level[:] = lerp(4, 0.4, 0.55)[rows]
        else:  # table: wider than deep more often than not, lower than a chair's back
            width[:], depth[:] = lerp(0, 0.5, 0.8)[rows], lerp(1, 0.3, 0.7)[rows]
            height[:] = lerp(2, 0.3, 0.55)[rows]
            thick[:] = lerp(3, 0.06, 0.1)[rows]
            level[:] = 1.0
        if name in _TILT:
            q[:, [_P["tilt_x"], _P["tilt_z"]]] = tilts[rows] * math.radians(_TILT[name])
        shrink = np.minimum(1.0, MAX_RADIUS / _bounding_radius(name, q))
        for c in ("width", "height", "depth", "thickness"):
            q[:, _P[c]] *= shrink
        p[rows] = q
    return p.astype(np.float32)


def _rotations(p: np.ndarray) -> np.ndarray:
    """World-from-shape rotation matrices n×3×3: yaw about y first, then tilt about x, then about z."""
    yaw, tx, tz = (p[:, _P[c]].astype(np.float64) for c in ("yaw", "tilt_x", "tilt_z"))
    n = p.shape[0]

    def rot(axis: int, angle: np.ndarray) -> np.ndarray:
        c, s = np.cos(angle), np.sin(angle)
        r = np.zeros((n, 3, 3))
        i, j = [a for a in range(3) if a != axis]
        r[:, axis, axis] = 1.0
        r[:, i, i], r[:, j, j] = c, c
        r[:, i, j], r[:, j, i] = -s, s
        return r

    # rot(1, yaw) with (i, j) = (0, 2) turns z towards x; either sense is fine for a uniform random yaw
    return rot(2, tz) @ rot(0, tx) @ rot(1, yaw)


def _boxes_inside(x: np.ndarray, y: np.ndarray, z: np.ndarray, bx: tuple, by: tuple, bz: tuple) -> np.ndarray:
    """Inside an axis-aligned box given as (centre, half-extent) per axis, each n×1×1×1 arrays."""
    inside = np.abs(x - bx[0]) <= bx[1]
    inside &= np.abs(y - by[0]) <= by[1]
    inside &= np.abs(z - bz[0]) <= bz[1]
    return inside


def _inside(name: str, x: np.ndarray, y: np.ndarray, z: np.ndarray, p: list[np.ndarray], size: int) -> np.ndarray:
    """The class's inside-test in the shape's own coordinates (x, y up, z front), p: n×1×1×1 per parameter."""
    w, h, d, t, level = (p[_P[c]] for c in ("width", "height", "depth", "thickness", "seat_level"))
    # thin parts (legs, seats, backs, table tops, tubes) at least one voxel thick, so none falls between the
    # voxel centres of a coarse grid
    t = np.maximum(t, np.float32(1.001 / size))
    if name == "sphere":
        return x * x + y * y + z * z <= w * w
    if name == "box":
        return _boxes_inside(x, y, z, (0, w), (0, h), (0, d))
    if name == "cylinder":
        return (x * x + z * z <= w * w) & (np.abs(y) <= h)
    if name == "cone":
        radius = w * (h - y) / (2 * h)  # the base (y = −h) has radius w, the apex (y = h) none
        return (x * x + z * z <= radius * radius) & (np.abs(y) <= h)
    if name == "torus":
        ring = np.sqrt(x * x + z * z) - w
        return ring * ring + y * y <= t * t
    # chair and table: legs at the four corners (one test through |x|, |z|), a seat or top, a chair's back
    seat_top = -h + 2 * h * level
    leg_top = seat_top - 2 * t
    legs = _boxes_inside(np.abs(x), y, np.abs(z), (w - t, t), ((leg_top - h) / 2, (leg_top + h) / 2), (d - t, t))
    seat = _boxes_inside(x, y, z, (0, w), (seat_top - t, t), (0, d))
    inside = legs | seat
    if name == "chair":
        inside |= _boxes_inside(x, y, z, (0, w), ((seat_top + h) / 2, (h - seat_top) / 2), (-d + t, t))
    return inside


def voxel_centres(size: int) -> np.ndarray:
    """Centres of `size` voxels along one axis in the grid's [−1, 1] coordinates (float32)."""
    return ((np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1).astype(np.float32)


def render_shapes(labels: np.ndarray, params: np.ndarray, size: int) -> np.ndarray:
    """Occupancy grids (bool N×S×S×S, axes as the module docstring says) of shapes given by class and params."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    params = np.asarray(params, dtype=np.float32).reshape(labels.shape[0], len(PARAM_NAMES))
    out = np.zeros((labels.shape[0], size, size, size), dtype=bool)
    c = voxel_centres(size)
    world = (c, -c, -c)  # x from w (axis 2), y from h (axis 1), z from d (axis 0)
    shapes = ((1, 1, 1, size), (1, 1, size, 1), (1, size, 1, 1))
    chunk = max(1, _CHUNK_VOXELS // size**3)
    for k, name in enumerate(CLASS_NAMES):
        rows = np.flatnonzero(labels == k)
        for start in range(0, rows.shape[0], chunk):
            sel = rows[start:start + chunk]
            p = params[sel]
            r = _rotations(p).astype(np.float32)  # local = Rᵀ (world − centre)
            q = [(world[j][None, :] - p[:, j:j + 1]).reshape(-1, *shapes[j][1:]) for j in range(3)]
            x, y, z = (sum(r[:, j, a].reshape(-1, 1, 1, 1) * q[j] for j in range(3)) for a in range(3))
            columns = [p[:, i].reshape(-1, 1, 1, 1) for i in range(len(PARAM_NAMES))]
            out[sel] = _inside(name, x, y, z, columns, size)
    return out


def render_shape(class_name: str, params: np.ndarray | Mapping[str, float], size: int) -> np.ndarray:
    """One shape's occupancy grid (bool S×S×S); params as a row in `PARAM_NAMES` order or a name → value map
    (missing names are 0)."""
    if isinstance(params, Mapping):
        unknown = set(params) - set(PARAM_NAMES)
        if unknown:
            raise ValueError(f"unknown shape parameter(s) {sorted(unknown)}; valid: {', '.join(PARAM_NAMES)}")
        params = np.array([float(params.get(name, 0.0)) for name in PARAM_NAMES], dtype=np.float32)
    return render_shapes(np.array([class_index(class_name)]), np.asarray(params)[None], size)[0]
