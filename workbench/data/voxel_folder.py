"""`voxel-folder`: a user's folder of 3-D shapes, flat or one subfolder per class (torchvision ImageFolder
semantics: sorted subfolder names are the classes, files anywhere below a class folder belong to it).

Files read:
- `.npy`: one 3-D cubic array (N×N×N) of bool or numbers, read with `np.load(allow_pickle=False)`; an array of
  Python objects (a pickled .npy) or a plain pickle is refused, as is any other shape. Numbers already in [0, 1]
  are thresholded at 0.5 (occupied where ≥ 0.5); other numbers are first rescaled so that the smallest value
  becomes 0 and the largest 1 (a 0/255 mask becomes 0/1). NaN or infinite values are refused.
- `.binvox`: read by `workbench.data.binvox` (ShapeNet voxelisations, the 3D-GAN release).
- `.obj`, `.stl`, `.ply` meshes: voxelised directly at the grid side by `workbench.data.mesh_import` (centred,
  scaled to fit with one voxel of margin, filled when closed; an open mesh gives its surface as a shell, and
  the log names each such file).
Grids are resampled to data.image_size³: a larger grid by max-pooling (a voxel is occupied if any voxel of its
block is, so thin parts such as chair legs survive, as in binvox's conservative voxelisation), a smaller one
by nearest neighbour (each voxel becomes a block). A grid with no occupied voxel is reported and skipped.

Layout: the training files are root/train/ when it exists, else root itself without its test/ folder; the
"test" split is root/test/ (same layout, class folders matched to the training classes by name). With class
subfolders, every file must be in one of them. Every file is read up front; each unusable one is reported with
its reason and skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.config import ConfigError, DataConfig
from workbench.data.binvox import MAX_SIDE, VoxelFileError, read_binvox
from workbench.data.dataset import DataInfo
from workbench.data.mesh_import import MESH_EXTENSIONS
from workbench.data.voxels3d import VoxelGridDataset, check_voxel_size
from workbench.data.walk import FileProblem, FolderWalk, problems_report

log = logging.getLogger(__name__)

VOXEL_EXTENSIONS = (".npy", ".binvox", *MESH_EXTENSIONS)
MAX_NPY_BYTES = 1 << 30  # a larger array is refused from its header, before reading


@dataclass
class VoxelFolderScan:
    """Usable files with class indices and their grids (bit-packed), class names, problems and open meshes."""

    root: Path
    size: int
    files: list[Path] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    packed: list[np.ndarray] = field(default_factory=list)
    class_names: tuple[str, ...] = ()
    problems: list[FileProblem] = field(default_factory=list)
    open_meshes: list[Path] = field(default_factory=list)

    def report(self, limit: int = 20) -> str:
        return problems_report(f"{len(self.files)} readable shape file(s) in {self.root}, {len(self.problems)} "
                               "unreadable", self.problems, limit)


def occupancy(array: np.ndarray, path: Path) -> np.ndarray:
    """A numeric or bool array → bool occupancy, as the module docstring says."""
    if array.dtype == bool:
        return array
    values = array.astype(np.float64, copy=False)
    if not np.isfinite(values).all():
        raise VoxelFileError(path, "the array holds NaN or infinite values")
    low, high = float(values.min()), float(values.max())
    if low >= 0.0 and high <= 1.0:
        return values >= 0.5
    if high == low:  # a constant array outside [0, 1]: nothing to rescale
        return np.full(values.shape, low >= 0.5)
    return (values - low) >= 0.5 * (high - low)


def read_npy_grid(path: Path) -> np.ndarray:
    """A cubic 3-D `.npy` array as bool occupancy (its own side); VoxelFileError with the reason otherwise."""
    try:
        with path.open("rb") as f:
            start = f.read(6)
            if start != b"\x93NUMPY":
                if start[:1] == b"\x80":
                    raise VoxelFileError(path, "refused: a Python pickle, not a .npy array (loading a pickle can "
                                               "run code); save the grid with np.save of a plain array")
                raise VoxelFileError(path, "not a NumPy .npy file")
            f.seek(0)
            version = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(f)
    except (ValueError, OSError, EOFError) as err:
        raise VoxelFileError(path, f"cannot read the .npy header: {err}") from err
    if dtype.hasobject:
        raise VoxelFileError(path, "refused: the array holds Python objects (a pickled .npy; loading it could run "
                                   "code); save a bool or numeric array")
    if dtype.kind not in "biuf":
        raise VoxelFileError(path, f"dtype {dtype} is not bool, integer or float")
    if len(shape) != 3:
        raise VoxelFileError(path, f"shape {shape} is not a 3-D grid (expected N×N×N)")
    if len(set(shape)) != 1 or shape[0] < 1:
        raise VoxelFileError(path, f"shape {shape} is not cubic (expected N×N×N)")
    if shape[0] > MAX_SIDE or shape[0] ** 3 * dtype.itemsize > MAX_NPY_BYTES:
        raise VoxelFileError(path, f"a {shape[0]}³ {dtype} grid is too large (at most {MAX_SIDE} a side and "
                                   f"{MAX_NPY_BYTES >> 30} GiB)")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:  # truncated data
        raise VoxelFileError(path, f"cannot read the array: {err}") from err
    return occupancy(np.asarray(array), path)


def resample_grid(grid: np.ndarray, size: int) -> np.ndarray:
    """A cubic bool grid at size³: max-pooled blocks when shrinking, nearest neighbour when enlarging."""
    n = grid.shape[0]
    if n == size:
        return grid
    if n > size:
        starts = (np.arange(size) * n) // size  # block j covers [starts[j], starts[j + 1])
        for axis in range(3):
            grid = np.logical_or.reduceat(grid, starts, axis=axis)
        return grid
    index = (np.arange(size) * n) // size
    return grid[np.ix_(index, index, index)]


def load_voxel_file(path: Path, size: int) -> tuple[np.ndarray, bool]:
    """One file as a bool size³ grid, and whether it was an open mesh (filled as a shell); VoxelFileError."""
    suffix = path.suffix.lower()
    if suffix in MESH_EXTENSIONS:
        from workbench.data.mesh_import import import_mesh  # (pyvista is imported only when a mesh is read)

        result = import_mesh(path, size)
        grid, is_open = result.grid, not result.closed
    else:
        grid = resample_grid(read_npy_grid(path) if suffix == ".npy" else read_binvox(path), size)
        is_open = False
    if not grid.any():
        raise VoxelFileError(path, "no occupied voxel (every value is below 0.5 after scaling)")
    return grid, is_open


def _is_voxel_file(path: Path) -> bool:
    return path.suffix.lower() in VOXEL_EXTENSIONS


def _class_groups(folder: Path, class_names: tuple[str, ...] | None, skip: tuple[str, ...],
                  scan: VoxelFolderScan) -> list[tuple[int, list[Path]]]:
    """(label, files) per class; loose files beside class folders and unknown classes become problems.

    Class folders are the subfolders holding a shape file (walked once each, loops reported): an empty one, or
    one holding just a symbolic link loop, does not hide the files beside it.
    """
    walk = FolderWalk()
    classes, loose = walk.class_folders(folder, _is_voxel_file, skip)
    scan.problems += walk.problems
    if not classes:
        if class_names:
            scan.problems += [FileProblem(p, f"not in a class folder, but the training files are in class folders "
                                             f"({', '.join(class_names)})") for p in loose]
            return []
        return [(0, loose)]
    scan.class_names = class_names if class_names is not None else tuple(p.name for p, _ in classes)
    scan.problems += [FileProblem(p, "outside the class subfolders (with class subfolders, every file belongs in "
                                     "one)") for p in loose]
    groups = []
    for sub, files in classes:
        if sub.name not in scan.class_names:
            known = ", ".join(scan.class_names) or "none: the training files have no class folders"
            scan.problems += [FileProblem(p, f"class folder {sub.name}/ is not a training class ({known})")
                              for p in files]
            continue
        groups.append((scan.class_names.index(sub.name), files))
    return groups


def class_folder_names(folder: Path, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The class names of a training folder: its subfolders that hold a shape file, sorted."""
    classes, _ = FolderWalk().class_folders(folder, _is_voxel_file, skip)
    return tuple(p.name for p, _ in classes)


def _check_folder(folder: str | Path) -> Path:
    path = Path(folder).expanduser()
    if not str(folder).strip() or not path.exists():
        raise ConfigError(f"data.root: folder {str(folder)!r} does not exist")
    if not path.is_dir():
        raise ConfigError(f"data.root: {path} is a file, expected a folder of voxel grids or meshes")
    return path


def scan_voxel_folder(folder: str | Path, size: int, class_names: tuple[str, ...] | None = None,
                      skip: tuple[str, ...] = ()) -> VoxelFolderScan:
    """Read every shape file under `folder` at size³; subfolders (except `skip`) are classes, matched to
    `class_names` when given (the test split uses the training classes)."""
    folder = _check_folder(folder)
    scan = VoxelFolderScan(root=folder, size=size)
    for label, paths in _class_groups(folder, class_names, skip, scan):
        for path in paths:
            if path.suffix.lower() not in VOXEL_EXTENSIONS:
                scan.problems.append(FileProblem(path, f"extension {path.suffix or '(none)'} is not a voxel grid or "
                                                       f"mesh type ({', '.join(VOXEL_EXTENSIONS)})"))
                continue
            try:
                grid, is_open = load_voxel_file(path, size)
            except VoxelFileError as err:
                scan.problems.append(FileProblem(path, err.reason))
                continue
            scan.files.append(path)
            scan.labels.append(label)
            scan.packed.append(np.packbits(grid.reshape(-1)))
            if is_open:
                scan.open_meshes.append(path)
    if not scan.files:
        raise ConfigError(f"data.root: no readable voxel grids or meshes in {folder}.\n{scan.report()}")
    return scan


class VoxelFolderDataset(VoxelGridDataset):
    """A user's shapes; `paths[i]` is the file grid i came from."""

    def __init__(self, scan: VoxelFolderScan, info: DataInfo) -> None:
        super().__init__(np.stack(scan.packed), np.asarray(scan.labels, dtype=np.int64), info)
        self.paths = list(scan.files)


def load_voxel_folder(config: DataConfig, split: str = "train") -> VoxelFolderDataset:
    """The `voxel-folder` dataset of `config.root` (split "train" or "test", see the module docstring)."""
    size = check_voxel_size(config.image_size, "voxel-folder")
    root = _check_folder(config.root)
    train_folder = root / "train" if (root / "train").is_dir() else root
    skip = ("test",) if train_folder == root else ()
    if split == "test":
        if not (root / "test").is_dir():
            raise ConfigError(f"data.root: {root} has no test/ folder; voxel-folder's test split is root/test/, laid "
                              "out like the training files")
        train_classes = class_folder_names(train_folder, skip)
        scan = scan_voxel_folder(root / "test", size, class_names=train_classes)
    else:
        scan = scan_voxel_folder(train_folder, size, skip=skip)
    if scan.problems:
        log.warning("skipping unreadable files:\n%s", scan.report())
    if scan.open_meshes:
        log.warning("open meshes (no inside), voxelised as their surface only: %s",
                    ", ".join(str(p) for p in scan.open_meshes[:20]))
    info = DataInfo(name=f"voxel-folder:{root.name}", size=len(scan.files), channels=1, image_size=size,
                    class_names=scan.class_names, kind="voxels")
    return VoxelFolderDataset(scan, info)
