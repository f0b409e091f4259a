"""Voxelise triangle meshes (`.obj`, `.stl`, `.ply`) into occupancy grids, with pyvista (imported lazily).

The mesh is centred (the middle of its bounding box on the grid's centre) and scaled uniformly so that its longest
side spans the grid less one voxel at each end (side − 2 voxels). Meshes are read with +y up (the convention of
OBJ, PLY and ShapeNet; `up="z"` turns a z-up mesh, common for STL from CAD tools, upright); the grid's axes are
those of `workbench.data.voxel_shapes` (depth front → back, height top → bottom, width left → right).

What is filled, like binvox: every voxel the surface passes through (the surface is sampled at most half a voxel
apart), plus, for a closed mesh (no open edges after merging coincident points), every voxel whose centre lies
inside it (VTK's vtkPolyDataToImageStencil through `PolyData.voxelize_binary_mask`). An open mesh (a
single sheet, a model with holes) has no inside: only its surface voxels are set, a hollow shell, and
`MeshVoxels.closed` is False so callers can say so. `surface=False` keeps only the inside of a closed mesh (the
voxels whose centres it encloses, about its true volume; the default adds about half a voxel all round).

Files are read by VTK's OBJ and STL readers, whose errors become the reason given; PLY is read by a small numpy
reader here (ASCII and binary), because VTK's PLY reader crashes the process on a truncated binary file. Every
problem raises `VoxelFileError` (a ConfigError) naming the file and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.data.binvox import VoxelFileError

MESH_EXTENSIONS = (".obj", ".stl", ".ply")
UP_AXES = ("y", "z")
_SAMPLE_SPACING = 0.5  # voxels between surface samples: neighbouring samples fall in the same or adjacent voxels


@dataclass(frozen=True)
class MeshVoxels:
    grid: np.ndarray  # bool S×S×S
    closed: bool  # False: an open mesh, only its surface voxels are set
    triangles: int
    open_edges: int


# ---- PLY (numpy) -------------------------------------------------------------------------------------------------

_PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2", "int16": "i2",
              "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
              "float": "f4", "float32": "f4", "double": "f8", "float64": "f8"}
_PLY_FORMATS = {"ascii": None, "binary_little_endian": "<", "binary_big_endian": ">"}


@dataclass
class _PlyElement:
    name: str
    count: int
    properties: list[tuple[str, str, str | None]]  # (name, value type, list count type or None)


def _ply_header(path: Path, raw: bytes) -> tuple[str | None, list[_PlyElement], int]:
    end = raw.find(b"end_header", 0, 1 << 16)
    if not raw.startswith(b"ply") or end < 0:
        raise VoxelFileError(path, "not a PLY file (no 'ply' … 'end_header' header)")
    body = raw.find(b"\n", end) + 1
    if body == 0:
        raise VoxelFileError(path, "the file ends inside its PLY header")
    fmt, elements = "", []
    for line in raw[:end].decode("ascii", errors="replace").splitlines()[1:]:
        words = line.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        if words[0] == "format" and len(words) >= 2 and words[1] in _PLY_FORMATS:
            fmt = words[1]
        elif words[0] == "element" and len(words) == 3 and words[2].isdigit():
            elements.append(_PlyElement(words[1], int(words[2]), []))
        elif words[0] == "property" and elements and len(words) == 3 and words[1] in _PLY_TYPES:
            elements[-1].properties.append((words[2], words[1], None))
        elif (words[0] == "property" and elements and len(words) == 5 and words[1] == "list"
              and words[2] in _PLY_TYPES and words[3] in _PLY_TYPES):
            elements[-1].properties.append((words[4], words[3], words[2]))
        else:
            raise VoxelFileError(path, f"unreadable PLY header line {line.strip()!r}")
    if not fmt:
        raise VoxelFileError(path, "PLY header has no 'format ascii|binary_little_endian|binary_big_endian' line")
    return _PLY_FORMATS[fmt], elements, body


def _ply_binary_rows(path: Path, raw: bytes, offset: int, el: _PlyElement, order: str) -> tuple[dict, int]:
    """One element read row by row (lists of different lengths, e.g. triangles and quads): slow but general."""
    columns: dict[str, list] = {name: [] for name, _, _ in el.properties}
    for _ in range(el.count):
        for name, kind, count_kind in el.properties:
            n = 1
            if count_kind is not None:
                count_type = np.dtype(order + _PLY_TYPES[count_kind])
                if offset + count_type.itemsize > len(raw):
                    raise VoxelFileError(path, f"PLY data is truncated in element '{el.name}'")
                n = int(np.frombuffer(raw, count_type, 1, offset)[0])
                offset += count_type.itemsize
            value_type = np.dtype(order + _PLY_TYPES[kind])
            if offset + n * value_type.itemsize > len(raw):
                raise VoxelFileError(path, f"PLY data is truncated in element '{el.name}'")
            values = np.frombuffer(raw, value_type, n, offset)
            offset += n * value_type.itemsize
            columns[name].append(values[0] if count_kind is None else values)
    return columns, offset


def _ply_binary_element(path: Path, raw: bytes, offset: int, el: _PlyElement, order: str) -> tuple[dict, int]:
    """One element's columns and the offset after it. Fast path: every row's lists as long as the first row's
    (all triangles), read as one structured array; otherwise row by row."""
    counts: dict[str, int] = {}
    probe = offset
    for name, kind, count_kind in el.properties if el.count else ():
        if count_kind is not None:
            count_type = np.dtype(order + _PLY_TYPES[count_kind])
            if probe + count_type.itemsize > len(raw):
                raise VoxelFileError(path, f"PLY data is truncated in element '{el.name}'")
            counts[name] = int(np.frombuffer(raw, count_type, 1, probe)[0])
            probe += count_type.itemsize
        probe += counts.get(name, 1) * np.dtype(_PLY_TYPES[kind]).itemsize
    fields = []
    for name, kind, count_kind in el.properties:
        if count_kind is None:
            fields.append((name, order + _PLY_TYPES[kind]))
        else:
            fields.append((name + "#n", order + _PLY_TYPES[count_kind]))
            fields.append((name, order + _PLY_TYPES[kind], (counts.get(name, 0),)))
    dtype = np.dtype(fields)
    need = dtype.itemsize * el.count
    if offset + need <= len(raw):
        rows = np.frombuffer(raw, dtype, el.count, offset)
        if all((rows[name + "#n"] == n).all() for name, n in counts.items()):
            return {name: rows[name] for name, _, _ in el.properties}, offset + need
    elif not counts:
        raise VoxelFileError(path, f"PLY data is truncated: element '{el.name}' needs {need:,} bytes, "
                                   f"{max(len(raw) - offset, 0):,} remain")
    return _ply_binary_rows(path, raw, offset, el, order)


def _ply_ascii_elements(path: Path, raw: bytes, offset: int, elements: list[_PlyElement]) -> dict[str, dict]:
    lines = raw[offset:].decode("ascii", errors="replace").split("\n")
    at, out = 0, {}
    for el in elements:
        if at + el.count > len(lines):
            raise VoxelFileError(path, f"PLY data is truncated in element '{el.name}'")
        rows = [line.split() for line in lines[at:at + el.count]]
        at += el.count
        columns: dict[str, list] = {name: [] for name, _, _ in el.properties}
        for number, words in enumerate(rows):
            try:
                k = 0
                for name, _, count_kind in el.properties:
                    if count_kind is None:
                        columns[name].append(float(words[k]))
                        k += 1
                    else:
                        n = int(words[k])
                        columns[name].append([int(w) for w in words[k + 1:k + 1 + n]])
                        if len(columns[name][-1]) != n:
                            raise IndexError
                        k += 1 + n
            except (ValueError, IndexError):
                raise VoxelFileError(path, f"PLY element '{el.name}' row {number + 1} is not readable") from None
        out[el.name] = columns
    return out


def _read_ply(path: Path, raw: bytes) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vertices V×3 and faces (one index array per face) of a PLY file."""
    order, elements, offset = _ply_header(path, raw)
    data: dict[str, dict] = {}
    if order is None:
        data = _ply_ascii_elements(path, raw, offset, elements)
    else:
        for el in elements:
            data[el.name], offset = _ply_binary_element(path, raw, offset, el, order)
    vertex = data.get("vertex", {})
    if not all(axis in vertex for axis in "xyz"):
        raise VoxelFileError(path, "PLY file has no vertex element with x, y and z")
    points = np.stack([np.asarray(vertex[axis], dtype=np.float64) for axis in "xyz"], 1)
    face = data.get("face", {})
    key = next((k for k in ("vertex_indices", "vertex_index") if k in face), None)
    if key is None:
        raise VoxelFileError(path, "PLY file has no faces (a point cloud cannot be voxelised as a solid)")
    faces = face[key]
    return points, [np.asarray(f, dtype=np.int64) for f in faces] if isinstance(faces, list) else list(faces)


# ---- reading -----------------------------------------------------------------------------------------------------

def _vtk_read(path: Path):  # noqa: ANN202 - a pyvista PolyData
    import pyvista as pv
    from vtkmodules.vtkIOGeometry import vtkOBJReader, vtkSTLReader

    reader = (vtkOBJReader if path.suffix.lower() == ".obj" else vtkSTLReader)()
    reader.SetFileName(str(path))
    with pv.vtk_verbosity("off"), pv.VtkErrorCatcher(send_to_logging=False) as caught:
        reader.Update()
    output = reader.GetOutput()
    if output.GetNumberOfCells() == 0:  # checked before wrapping: pyvista would warn about half-read arrays
        events = [re.sub(r"\s+", " ", e.alert).strip() for e in (*caught.error_events, *caught.warning_events)]
        events = [m for m in events if m and not m.startswith("Algorithm ")]  # keep the reader's own words
        kind = path.suffix[1:].upper()
        raise VoxelFileError(path, f"no geometry read: not a valid {kind} file"
                                   + (f" ({'; '.join(dict.fromkeys(events))})" if events else ""))
    return pv.wrap(output)


def read_mesh(path: str | Path):  # noqa: ANN201 - a pyvista PolyData
    """A triangulated surface (pyvista PolyData) with coincident points merged; VoxelFileError when unusable."""
    import pyvista as pv

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MESH_EXTENSIONS:
        raise VoxelFileError(path, f"extension {suffix or '(none)'} is not a mesh type ({', '.join(MESH_EXTENSIONS)})")
    if not path.is_file():
        raise VoxelFileError(path, "no such file")
    if path.stat().st_size == 0:
        raise VoxelFileError(path, "the file is empty")
    if suffix == ".ply":
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise VoxelFileError(path, f"cannot read: {err.strerror or err}") from err
        points, faces = _read_ply(path, raw)
        if not faces:
            raise VoxelFileError(path, "the mesh has no faces")
        bad = next((f for f in faces if f.size < 3 or f.min() < 0 or f.max() >= len(points)), None)
        if bad is not None:
            raise VoxelFileError(path, f"a face refers to vertices {bad.tolist()[:8]} but the file has {len(points)}")
        sizes = np.array([f.size for f in faces])
        cells = np.concatenate([np.concatenate([[f.size], f]) for f in faces]) if (sizes != sizes[0]).any() else \
            np.hstack([sizes[:, None], np.stack(faces)]).ravel()
        mesh = pv.PolyData(points, faces=cells)
    else:
        mesh = _vtk_read(path)
    if mesh.n_points == 0 or mesh.n_cells == 0:
        raise VoxelFileError(path, "no geometry read: the file is empty or not a valid " + suffix[1:].upper())
    if not np.isfinite(np.asarray(mesh.points)).all():
        raise VoxelFileError(path, "the mesh has vertices that are not finite numbers")
    triangles = mesh.triangulate().clean(tolerance=1e-7)
    if triangles.faces.size == 0:
        raise VoxelFileError(path, "the mesh has no faces (only points or lines)")
    faces = triangles.regular_faces  # polygons only: stray points and lines are dropped
    cells = np.hstack([np.full((faces.shape[0], 1), 3), faces]).ravel()
    return pv.PolyData(np.asarray(triangles.points), faces=cells).clean()


# ---- voxelising --------------------------------------------------------------------------------------------------

def _surface_voxels(triangles: np.ndarray, size: int) -> np.ndarray:
    """Voxels (in VTK order z, y, x) that the triangles (T×3×3, grid units, centred) pass through, found by
    sampling each triangle on a barycentric lattice at most `_SAMPLE_SPACING` apart."""
    hit = np.zeros((size, size, size), dtype=bool)
    edges = np.linalg.norm(triangles - np.roll(triangles, 1, axis=1), axis=2).max(1)
    steps = np.maximum(1, np.ceil(edges / _SAMPLE_SPACING)).astype(np.int64)
    for k in np.unique(steps):
        i, j = np.meshgrid(np.arange(k + 1), np.arange(k + 1), indexing="ij")
        keep = i + j <= k
        bary = np.stack([i[keep], j[keep], k - i[keep] - j[keep]], 1) / k  # m×3
        group = triangles[steps == k]
        for chunk in np.array_split(group, max(1, group.shape[0] * bary.shape[0] // 2_000_000 + 1)):
            points = np.einsum("mv,tvc->tmc", bary, chunk).reshape(-1, 3)
            index = np.clip(np.floor(points + size / 2).astype(np.int64), 0, size - 1)
            hit[index[:, 2], index[:, 1], index[:, 0]] = True
    return hit


def voxelize_surface(mesh, size: int, *, up: str = "y", surface: bool = True,  # noqa: ANN001 - a pyvista PolyData
                     path: str | Path = "mesh") -> MeshVoxels:
    """Voxelise a triangulated pyvista surface into a bool size³ grid (see the module docstring). `surface` False
    leaves out the voxels the surface only passes through (a closed mesh then keeps the voxels whose centres lie
    inside: about its true volume, where the default adds about half a voxel all round)."""
    import pyvista as pv

    if up not in UP_AXES:
        raise ValueError(f"up must be one of {UP_AXES}, got {up!r}")
    points = np.asarray(mesh.points, dtype=np.float64)
    low, high = points.min(0), points.max(0)
    extent = float((high - low).max())
    if not extent > 0:
        raise VoxelFileError(path, "the mesh has no extent (all its vertices coincide)")
    # (a hair under side − 2 voxels, so that a face exactly on the margin's boundary stays in the inner voxels)
    points = (points - (low + high) / 2) * ((size - 2 - 1e-3) / extent)
    if up == "z":  # turn +z up into +y up: (x, y, z) → (x, z, −y), a rotation
        points = np.stack([points[:, 0], points[:, 2], -points[:, 1]], 1)
    shape = mesh.copy()
    shape.points = points
    open_edges = int(shape.n_open_edges)
    faces = shape.regular_faces  # T×3 after triangulate()
    hit = _surface_voxels(points[faces], size) if surface or open_edges else np.zeros((size,) * 3, dtype=bool)
    if open_edges == 0:
        reference = pv.ImageData(dimensions=(size, size, size), spacing=(1, 1, 1), origin=(-(size - 1) / 2,) * 3)
        with pv.vtk_verbosity("off"):
            mask = shape.voxelize_binary_mask(reference_volume=reference)
        hit |= np.asarray(mask.point_data["mask"]).reshape(size, size, size) > 0  # x fastest: [z, y, x]
    grid = np.ascontiguousarray(hit[::-1, ::-1, :])  # z towards the viewer, y up → depth and height axes
    return MeshVoxels(grid, closed=open_edges == 0, triangles=int(faces.shape[0]), open_edges=open_edges)


def import_mesh(path: str | Path, size: int, *, up: str = "y", surface: bool = True) -> MeshVoxels:
    """Read and voxelise a mesh file at size³; VoxelFileError naming the file when it cannot be used."""
    return voxelize_surface(read_mesh(path), size, up=up, surface=surface, path=path)


def voxelize_mesh(path: str | Path, size: int, *, up: str = "y", surface: bool = True) -> np.ndarray:
    """A mesh file as a bool D×H×W occupancy grid (solid if closed, a surface shell if open)."""
    return import_mesh(path, size, up=up, surface=surface).grid
