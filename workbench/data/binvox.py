"""Read and write `.binvox` voxel files (Patrick Min's binvox; the format of ShapeNet's voxelisations and of the
3D-GAN release).

The format: an ASCII header

    #binvox 1
    dim N N N
    translate tx ty tz
    scale s
    data

then the grid as run-length bytes, pairs (value 0 or 1, count 1…255), over the voxels in binvox's order: y runs
fastest, then z, then x (index = x·N² + z·N + y). binvox's world has y up. Grids in the app are D×H×W with H
vertical and index 0 at the top (see `workbench.data.voxel_shapes`), so reading maps binvox's (x, y, z) to
(w, h, d) = (x, N−1−y, N−1−z): y up becomes "top at H index 0" and z towards the viewer becomes "front at D index
0" (a proper rotation, nothing is mirrored). Writing applies the inverse, so a round trip is exact. translate and
scale (where the grid sat in the model's coordinates) are read and checked, but a grid carries no position:
`write_binvox` writes the unit cube's (translate −0.5 −0.5 −0.5, scale 1) unless told otherwise.

binvox always writes cubic grids; a file whose dim is not cubic is refused. Every problem raises
`VoxelFileError` (a ConfigError) naming the file and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.config import ConfigError

MAX_SIDE = 1024  # a 1024³ grid is 1 GB as bool: larger dims are refused before any allocation
_MAX_HEADER_LINES = 16


class VoxelFileError(ConfigError):
    """A voxel or mesh file that cannot be used; `reason` says why without the path (for per-file reports)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass(frozen=True)
class BinvoxHeader:
    side: int
    translate: tuple[float, float, float]
    scale: float
    data_offset: int  # where the run-length bytes start


def _numbers(path: Path, key: str, words: list[str], count: int, kind: type) -> list:
    try:
        values = [kind(w) for w in words]
    except ValueError:
        values = []
    if len(values) != count:
        what = "whole numbers" if kind is int else "numbers"
        raise VoxelFileError(path, f"header line '{key}' needs {count} {what}, got {' '.join(words)!r}")
    return values


def _parse_header(path: Path, raw: bytes) -> BinvoxHeader:
    if not raw.startswith(b"#binvox"):
        raise VoxelFileError(path, "not a binvox file (the first line is not '#binvox <version>')")
    offset = 0
    fields: dict[str, list[str]] = {}
    for number in range(_MAX_HEADER_LINES):
        end = raw.find(b"\n", offset)
        if end < 0:
            raise VoxelFileError(path, "header ends before its 'data' line (the file is truncated)")
        try:
            line = raw[offset:end].decode("ascii").strip()
        except UnicodeDecodeError:
            raise VoxelFileError(path, f"header line {number + 1} is not text") from None
        offset = end + 1
        words = line.split()
        if number == 0:
            if len(words) != 2 or words[0] != "#binvox" or not words[1].isdigit():
                raise VoxelFileError(path, f"first line must be '#binvox <version>', got {line!r}")
            continue
        if not words:
            continue
        if words[0] == "data":
            break
        if words[0] not in ("dim", "translate", "scale"):
            raise VoxelFileError(path, f"unexpected header line {line!r} (a binvox header holds dim, translate, "
                                       "scale and data)")
        fields[words[0]] = words[1:]
    else:
        raise VoxelFileError(path, f"no 'data' line in the first {_MAX_HEADER_LINES} header lines")
    if "dim" not in fields:
        raise VoxelFileError(path, "header has no 'dim' line")
    dims = _numbers(path, "dim", fields["dim"], 3, int)
    if min(dims) < 1 or max(dims) > MAX_SIDE:
        raise VoxelFileError(path, f"dim {' '.join(map(str, dims))} is outside 1…{MAX_SIDE} voxels a side")
    if len(set(dims)) != 1:
        raise VoxelFileError(path, f"dim {' '.join(map(str, dims))} is not cubic (binvox writes N N N)")
    translate = _numbers(path, "translate", fields.get("translate", ["0", "0", "0"]), 3, float)
    (scale,) = _numbers(path, "scale", fields.get("scale", ["1"]), 1, float)
    return BinvoxHeader(dims[0], (translate[0], translate[1], translate[2]), scale, offset)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise VoxelFileError(path, f"cannot read: {err.strerror or err}") from err


def read_binvox_header(path: str | Path) -> BinvoxHeader:
    """The header of a binvox file (side, translate, scale); VoxelFileError naming the file when malformed."""
    path = Path(path)
    return _parse_header(path, _read_bytes(path))


def read_binvox(path: str | Path) -> np.ndarray:
    """A binvox file's grid as bool D×H×W (axes as in workbench.data.voxel_shapes); VoxelFileError when malformed."""
    path = Path(path)
    raw = _read_bytes(path)
    header = _parse_header(path, raw)
    data = np.frombuffer(raw, dtype=np.uint8, offset=header.data_offset)
    if data.size % 2:
        raise VoxelFileError(path, f"run-length data is truncated: {data.size} bytes, a value without its count")
    values, counts = data[0::2], data[1::2]
    if values.size and values.max() > 1:
        at = int(np.argmax(values > 1))
        raise VoxelFileError(path, f"run-length value {int(values[at])} at data byte {2 * at} is not 0 or 1")
    if counts.size and counts.min() == 0:
        raise VoxelFileError(path, f"run of length 0 at data byte {2 * int(np.argmin(counts)) + 1}")
    n = header.side
    total = int(counts.sum(dtype=np.int64))
    if total != n**3:
        raise VoxelFileError(path, f"run-length counts add up to {total:,} voxels but dim {n} {n} {n} needs "
                                   f"{n**3:,} (the data is truncated or has extra runs)")
    xzy = np.repeat(values.astype(bool), counts).reshape(n, n, n)  # [x, z, y]: y fastest
    return np.ascontiguousarray(xzy.transpose(1, 2, 0)[::-1, ::-1, :])  # → [z, y, x] → front first, top first


def _run_lengths(flat: np.ndarray) -> bytes:
    """(value, count ≤ 255) byte pairs of a flat 0/1 array."""
    starts = np.concatenate([[0], np.flatnonzero(flat[1:] != flat[:-1]) + 1])
    lengths = np.diff(np.concatenate([starts, [flat.size]]))
    pieces = (lengths + 254) // 255  # runs longer than 255 are split into 255s and a remainder
    counts = np.full(int(pieces.sum()), 255, dtype=np.int64)
    counts[np.cumsum(pieces) - 1] = lengths - 255 * (pieces - 1)
    out = np.empty(2 * counts.size, dtype=np.uint8)
    out[0::2] = np.repeat(flat[starts], pieces)
    out[1::2] = counts
    return out.tobytes()


def write_binvox(path: str | Path, grid: np.ndarray, translate: tuple[float, float, float] = (-0.5, -0.5, -0.5),
                 scale: float = 1.0) -> None:
    """Write a cubic occupancy grid D×H×W (bool, or numbers: occupied where > 0.5) as binvox."""
    grid = np.asarray(grid)
    if grid.ndim != 3 or len(set(grid.shape)) != 1 or grid.shape[0] < 1:
        raise ConfigError(f"{path}: binvox holds cubic grids N×N×N, got shape {grid.shape}")
    solid = grid if grid.dtype == bool else grid > 0.5
    n = solid.shape[0]
    xzy = solid[::-1, ::-1, :].transpose(2, 0, 1)  # the inverse of read_binvox's reordering
    header = (f"#binvox 1\ndim {n} {n} {n}\ntranslate {translate[0]:g} {translate[1]:g} {translate[2]:g}\n"
              f"scale {scale:g}\ndata\n")
    data = _run_lengths(np.ascontiguousarray(xzy).reshape(-1).view(np.uint8))
    try:
        Path(path).write_bytes(header.encode("ascii") + data)
    except OSError as err:
        raise ConfigError(f"{path}: cannot write: {err.strerror or err}") from err
