"""Voxel datasets: the built-in `voxels3d` shapes and the container every voxel dataset uses.

`voxels3d`: 2,000 training shapes (200 different ones in the "test" split) of seven classes, sphere, box,
cylinder, cone, torus, chair and table, in equal numbers, each with random size, proportions, position (a few
voxels off centre) and yaw, boxes, cylinders and cones tilted up to 10° and tori up to 30°
(see `workbench.data.voxel_shapes`). Labels are the class; every shape's parameters are kept (`params`,
`param_names`, `shape_params(indices)`); they are continuous, so DataInfo has no factor_names. The parameters
are drawn from fixed seeds and do not depend on the grid side, so 16³, 32³ and 64³ show the same shapes.

Grids are rendered once per process and split/size (about 0.6 s for 2,000 at 32³, 4 s at 64³ on one core)
and kept bit-packed (an eighth of a bool array: 8 MB at 32³, 65 MB at 64³), rendered 100 shapes at a time so
that no full bool array is ever held; a batch is unpacked to float.
"""

from __future__ import annotations

import threading

import numpy as np
import torch

from workbench.config import ConfigError
from workbench.data.dataset import DataInfo
from workbench.data.voxel_shapes import CLASS_NAMES, PARAM_NAMES, render_shapes, sample_params

VOXEL_SIZES = (16, 32, 64)
TRAIN_SIZE = 2000
TEST_SIZE = 200
SEEDS = {"train": 20240, "test": 20241}


def check_voxel_size(size: int, name: str) -> int:
    """The grid side `data.image_size` names, or a ConfigError that says which sides exist."""
    if size not in VOXEL_SIZES:
        sides = ", ".join(map(str, VOXEL_SIZES[:-1])) + f" or {VOXEL_SIZES[-1]}"
        raise ConfigError(f"data.image_size: {name} grids are {sides} voxels a side (data.image_size is the grid's "
                          f"side), got {size}")
    return size


class VoxelGridDataset:
    """Occupancy grids held bit-packed in memory with integer labels; batches are float N×1×S×S×S in {0, 1}."""

    def __init__(self, packed: np.ndarray, labels: np.ndarray, info: DataInfo) -> None:
        side = info.image_size
        assert packed.dtype == np.uint8 and packed.shape == (labels.shape[0], (side**3 + 7) // 8), "packed rows"
        self.packed = packed
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.info = info

    @classmethod
    def from_grids(cls, grids: np.ndarray, labels: np.ndarray, info: DataInfo) -> VoxelGridDataset:
        """From bool (or 0/1) grids N×S×S×S."""
        flat = np.asarray(grids, dtype=bool).reshape(grids.shape[0], -1)
        return cls(np.packbits(flat, axis=1), np.asarray(labels), info)

    def __len__(self) -> int:
        return self.packed.shape[0]

    def grids(self, indices: torch.Tensor | np.ndarray) -> np.ndarray:
        """The grids at `indices` as bool N×S×S×S (axes as in workbench.data.voxel_shapes: depth, height, width)."""
        rows = np.asarray(torch.as_tensor(indices, dtype=torch.long).reshape(-1))
        side = self.info.image_size
        bits = np.unpackbits(self.packed[rows], axis=1, count=side**3)
        return bits.reshape(rows.shape[0], side, side, side).view(bool)

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        indices = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
        grids = torch.from_numpy(self.grids(indices).view(np.uint8)).unsqueeze(1).float()
        return grids, self.labels.index_select(0, indices)


class Voxels3DDataset(VoxelGridDataset):
    """`voxels3d`: procedural shapes with their class as the label and their parameters kept."""

    param_names = PARAM_NAMES

    def __init__(self, packed: np.ndarray, labels: np.ndarray, params: np.ndarray, info: DataInfo) -> None:
        super().__init__(packed, labels, info)
        self.params = params  # float32 N×len(param_names)

    def shape_params(self, indices: torch.Tensor) -> torch.Tensor:
        """The parameters (float N×P, columns `param_names`) of the shapes at `indices`."""
        rows = np.asarray(torch.as_tensor(indices, dtype=torch.long).reshape(-1))
        return torch.from_numpy(self.params[rows].copy())


_RENDER_BLOCK = 100
_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_cache_lock = threading.Lock()


def shape_table(split: str) -> tuple[np.ndarray, np.ndarray]:
    """The labels (int64 N) and parameters (float32 N×P) of a split: fixed seeds, every class equally often."""
    count = TRAIN_SIZE if split == "train" else TEST_SIZE
    rng = np.random.default_rng(SEEDS[split])
    labels = rng.permutation(np.arange(count) % len(CLASS_NAMES))
    return labels, sample_params(labels, rng)


def load_voxels3d(size: int, split: str = "train") -> Voxels3DDataset:
    """The `voxels3d` split at `size`³, rendered on first use and then kept for the process."""
    check_voxel_size(size, "voxels3d")
    if split not in SEEDS:
        raise ConfigError(f"split: voxels3d has the splits {', '.join(SEEDS)}, got {split!r}")
    with _cache_lock:
        if (split, size) not in _cache:
            labels, params = shape_table(split)
            packed = np.empty((len(labels), (size**3 + 7) // 8), dtype=np.uint8)
            for start in range(0, len(labels), _RENDER_BLOCK):  # packed block by block: no full bool array
                rows = slice(start, start + _RENDER_BLOCK)
                packed[rows] = np.packbits(render_shapes(labels[rows], params[rows], size).reshape(-1, size**3), 1)
            _cache[(split, size)] = (packed, labels, params)
        packed, labels, params = _cache[(split, size)]
    info = DataInfo(name="voxels3d", size=len(labels), channels=1, image_size=size, class_names=CLASS_NAMES,
                    kind="voxels")
    return Voxels3DDataset(packed, labels, params, info)
