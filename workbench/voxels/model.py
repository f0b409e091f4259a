"""A trained voxel generator as the Voxels tab, the benchmarks and scripts see it.

`VoxelModel` wraps a voxel method object (the 3D-GAN; networks on the CPU, eval mode) behind one small
interface: seeded prior codes, decoding codes to occupancy grids, lerp / slerp between codes, the nearest
shapes of the run's training data by IoU (the memorization check), and, when the run trained the image
encoder, a code for a silhouette image. Codes are float32 numpy N×latent_dim and grids float32 numpy
N×D×H×W in [0, 1]: nothing torch crosses into the GUI. Every torch call runs on one intra-op thread
(`one_torch_thread`): interactive decoding must stay fast while training uses the cores.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.compat import one_torch_thread
from workbench.config import ConfigError
from workbench.methods.capabilities import VoxelGenerator
from workbench.methods.registry import method_spec
from workbench.runs.run import Run
from workbench.training.explore import explorer_session
from workbench.voxels.errors import VoxelError

TRAINING_THRESHOLD = 0.5  # training grids are occupancy in [0, 1]; a voxel is "in" at ≥ 0.5
CHUNK_VOXELS = 1 << 24  # voxels unpacked or compared per step: bounds the temporary memory (64 shapes at 64³)
INTERPOLATION_MODES = ("slerp", "lerp")


def _networks(method: Any) -> list[nn.Module]:
    return [value for value in vars(method).values() if isinstance(value, nn.Module)]


def is_voxel_method(method_name: str) -> bool:
    """True for methods that generate voxel grids (explored in the Voxels tab)."""
    try:
        return method_spec(method_name).offers(VoxelGenerator)
    except ConfigError:
        return False


def _pack(grids: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """N×D×H×W occupancy → (N×⌈V/8⌉ uint8 bits of occupancy ≥ threshold, N occupied-voxel counts)."""
    occupied = grids.reshape(grids.shape[0], -1) >= threshold
    return np.packbits(occupied, axis=1), occupied.sum(axis=1, dtype=np.int64)


class VoxelModel:
    """A trained voxel generator (CPU, eval mode): prior, decode, interpolate, nearest training shapes."""

    def __init__(self, method: Any, run: Run | None = None, dataset: Any = None, step: int | None = None) -> None:
        """Prefer `from_run` / `from_method`; this puts every network of `method` in eval mode."""
        name = getattr(type(method), "method_name", "") or ""
        info = method.data_info
        if getattr(info, "kind", "images") != "voxels" or not isinstance(method, VoxelGenerator):
            raise VoxelError(f"method {name!r} on {getattr(info, 'name', '?')!r} does not generate voxel grids")
        self.method = method
        self.method_name: str = name
        self.latent_dim: int = int(method.latent_dim)
        self.resolution: int = int(info.image_size)
        self.class_names: tuple[str, ...] = tuple(getattr(info, "class_names", ()) or ())
        self.dataset_name: str = str(info.name)
        self.has_encoder: bool = bool(method.has_encoder)
        self.run = run
        self.step = step
        self._dataset = dataset
        self._bank: tuple[np.ndarray, np.ndarray] | None = None  # packed training shapes, built on first use
        self._bank_lock = threading.Lock()  # the pane asks from several background tasks
        for net in _networks(method):
            net.eval()
            net.requires_grad_(False)

    # --- construction --------------------------------------------------------------------------------------------
    @classmethod
    def from_run(cls, run: Run) -> VoxelModel:
        """The run's latest checkpoint on the CPU; VoxelError for a run that is not a voxel run or has none."""
        session = explorer_session(run, is_voxel_method, VoxelError,
                                   lambda name: f"run {run.id} trains {name!r}, which does not generate voxel grids: "
                                                "select a 3D-GAN (gan3d) run to view its shapes here")
        return cls(session.method, run=run, dataset=session.dataset, step=session.step)

    @classmethod
    def from_method(cls, method: Any, dataset: Any = None, run: Run | None = None) -> VoxelModel:
        """A live method object (tests, notebooks, benchmarks); `dataset` enables the nearest-shape search."""
        return cls(method, run=run, dataset=dataset)

    # --- codes ----------------------------------------------------------------------------------------------------
    def _codes(self, z: Any) -> torch.Tensor:
        codes = torch.as_tensor(np.asarray(z, dtype=np.float32) if not isinstance(z, torch.Tensor) else z)
        if codes.ndim == 1:
            codes = codes.unsqueeze(0)
        if codes.ndim != 2 or codes.shape[1] != self.latent_dim:
            raise VoxelError(f"codes must have shape N×{self.latent_dim} for this model; got {tuple(codes.shape)}")
        return codes.float().cpu()

    def prior(self, n: int, seed: int) -> np.ndarray:
        """n codes from the model's prior (float32 N×latent_dim); the same seed gives the same codes."""
        if n < 0:
            raise VoxelError(f"number of codes must be ≥ 0; got {n}")
        if not 0 <= int(seed) < 2**63:
            raise VoxelError(f"seed must be a whole number in [0, 2^63); got {seed}")
        with one_torch_thread():
            z = self.method.prior_sample(n, seed=int(seed))
        return z.detach().float().cpu().numpy().reshape(n, self.latent_dim)

    def decode(self, z: Any) -> np.ndarray:
        """Occupancy grids (float32 N×D×H×W in [0, 1]) for codes z."""
        codes = self._codes(z)
        with one_torch_thread(), torch.no_grad():
            grids = self.method.decode(codes)
        grids = grids.detach().float().cpu()
        if grids.ndim == 5:
            grids = grids[:, 0]
        return grids.clamp_(0, 1).numpy()

    def interpolate(self, z0: Any, z1: Any, t: float | np.ndarray, mode: str = "slerp") -> np.ndarray:
        """Codes between z0 and z1 (each latent_dim) at t (a number → latent_dim; T values → T×latent_dim).

        slerp follows the great circle (a Gaussian prior's codes keep their typical norm); lerp the straight line.
        Both are exact at t = 0 and t = 1.
        """
        from workbench.latent.interpolation import interpolate

        if mode not in INTERPOLATION_MODES:
            raise VoxelError(f"interpolation mode must be one of {', '.join(INTERPOLATION_MODES)}; got {mode!r}")
        a, b = self._codes(z0), self._codes(z1)
        if a.shape[0] != 1 or b.shape[0] != 1:
            raise VoxelError("interpolate takes one code at each end")
        scalar = np.ndim(t) == 0
        times = torch.as_tensor(np.atleast_1d(np.asarray(t, dtype=np.float64)))
        codes = interpolate(a[0], b[0], times, mode).float().numpy().reshape(-1, self.latent_dim)
        return codes[0] if scalar else codes

    # --- the training data ----------------------------------------------------------------------------------------
    @property
    def has_dataset(self) -> bool:
        return self._dataset is not None

    def training_size(self) -> int:
        return len(self._dataset) if self._dataset is not None else 0

    def training_grids(self, indices: Any) -> np.ndarray:
        """Training shapes by index as float32 N×D×H×W occupancy."""
        if self._dataset is None:
            raise VoxelError("this model was loaded without its training data")
        index = torch.as_tensor(np.asarray(indices, dtype=np.int64).reshape(-1))
        grids, _labels = self._dataset.get_batch(index)
        grids = torch.as_tensor(grids).detach().float().cpu()
        if grids.ndim == 5:
            grids = grids[:, 0]
        return grids.numpy()

    def training_label(self, index: int) -> str:
        """The class name of a training shape ("" when the data has no classes)."""
        if self._dataset is None or not self.class_names:
            return ""
        _grids, labels = self._dataset.get_batch(torch.as_tensor([int(index)]))
        label = int(labels[0])
        return self.class_names[label] if 0 <= label < len(self.class_names) else str(label)

    def _chunk(self) -> int:
        return max(1, CHUNK_VOXELS // self.resolution**3)

    def _training_bank(self) -> tuple[np.ndarray, np.ndarray]:
        """Every training shape thresholded at 0.5 and bit-packed (64³: 32 KB a shape), built once.

        Datasets that already hold their grids bit-packed in this layout (voxels3d, voxel folders) are used as
        they are; others are read in chunks through `get_batch`.
        """
        with self._bank_lock:
            if self._bank is None:
                n = self.training_size()
                if n == 0:
                    raise VoxelError("no training shapes to compare with")
                packed = getattr(self._dataset, "packed", None)
                if isinstance(packed, np.ndarray) and packed.dtype == np.uint8 and \
                        packed.shape == (n, (self.resolution**3 + 7) // 8):
                    self._bank = (packed, np.bitwise_count(packed).sum(axis=1, dtype=np.int64))
                else:
                    parts = [_pack(self.training_grids(np.arange(start, min(n, start + self._chunk()))),
                                   TRAINING_THRESHOLD) for start in range(0, n, self._chunk())]
                    self._bank = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
            return self._bank

    def nearest_training_shapes(self, grid: Any, k: int = 1,
                                threshold: float = TRAINING_THRESHOLD) -> list[tuple[int, float, np.ndarray]]:
        """The k training shapes most like `grid` by IoU (intersection over union of the voxels ≥ 0.5; the
        query is thresholded at `threshold`): [(index, iou, grid D×H×W float32)], best first.

        An IoU near 1 for a sample says the generator reproduces a training shape (memorization). Two empty
        grids count as identical (IoU 1).
        """
        query = np.asarray(grid, dtype=np.float32)
        if query.ndim == 4 and query.shape[0] == 1:
            query = query[0]
        side = self.resolution
        if query.shape != (side, side, side):
            raise VoxelError(f"the grid must be {side}×{side}×{side} like the training shapes; got {query.shape}")
        if k < 1:
            raise VoxelError(f"k must be ≥ 1; got {k}")
        bank, counts = self._training_bank()
        bits, count = _pack(query[None], threshold)
        inter = np.empty(len(bank), dtype=np.int64)
        step = self._chunk() * 8  # packed rows are 8× smaller than unpacked ones
        for start in range(0, len(bank), step):
            block = np.bitwise_and(bank[start:start + step], bits)
            inter[start:start + step] = np.bitwise_count(block).sum(axis=1, dtype=np.int64)
        union = counts + count[0] - inter
        iou = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
        best = np.lexsort((np.arange(len(iou)), -iou))[:k]  # highest IoU first, ties by the lower index
        grids = self.training_grids(best)
        return [(int(i), float(iou[i]), grids[j]) for j, i in enumerate(best)]

    # --- silhouettes -----------------------------------------------------------------------------------------------
    def silhouette_size(self) -> int:
        """The side of the square silhouettes the image encoder reads."""
        self._require_encoder()
        with one_torch_thread(), torch.no_grad():
            return int(self.method.silhouettes(torch.zeros(1, 1, *(self.resolution,) * 3)).shape[-1])

    def silhouettes(self, grids: Any) -> np.ndarray:
        """The silhouettes the encoder was trained on for these grids (float32 N×S×S in [-1, 1])."""
        self._require_encoder()
        tensor = torch.as_tensor(np.asarray(grids, dtype=np.float32))
        if tensor.ndim == 3:
            tensor = tensor.unsqueeze(0)
        if tensor.ndim == 4:
            tensor = tensor.unsqueeze(1)
        with one_torch_thread(), torch.no_grad():
            images = self.method.silhouettes(tensor)
        return images.detach().float().cpu().numpy()[:, 0]

    def _require_encoder(self) -> None:
        if not self.has_encoder:
            which = f"run {self.run.id}" if self.run is not None else "this model"
            raise VoxelError(f"{which} has no image encoder: train a 3D-GAN with “image → 3D encoder” on to turn "
                             "silhouettes into shapes")

    def silhouette_image(self, image: Any) -> np.ndarray:
        """A user's picture → the encoder's input (float32 S×S in [-1, 1], shape = 1, background = −1).

        Colour is dropped, the shape is told from the background by the border (a light border means a dark
        shape on a light page, the usual drawing), and the picture is resized to S×S.
        """
        from PIL import Image

        array = np.asarray(image)
        if array.ndim == 3:
            array = array[..., :3].astype(np.float32).mean(axis=2) if array.shape[2] >= 3 else array[..., 0]
        if array.ndim != 2 or min(array.shape) < 2:
            raise VoxelError(f"a silhouette must be a 2-D picture; got shape {np.asarray(image).shape}")
        array = array.astype(np.float32)
        low, high = float(array.min()), float(array.max())
        if high - low < 1e-6:
            raise VoxelError("the silhouette picture is a single colour: it shows no shape")
        gray = (array - low) / (high - low)
        border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
        if float(border.mean()) > 0.5:
            gray = 1.0 - gray  # a dark shape on a light page
        size = self.silhouette_size()
        resized = Image.fromarray((gray * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)
        return (np.asarray(resized, dtype=np.float32) / 127.5 - 1.0).astype(np.float32)

    def encode_silhouette(self, image: Any) -> np.ndarray:
        """A code (float32 latent_dim) for a silhouette picture (any size, grey or colour; see `silhouette_image`)."""
        self._require_encoder()
        picture = self.silhouette_image(image)
        with one_torch_thread(), torch.no_grad():
            z = self.method.encode_silhouette(torch.from_numpy(picture)[None, None])
        return z.detach().float().cpu().numpy().reshape(-1, self.latent_dim)[0]

    # --- description --------------------------------------------------------------------------------------------
    def describe(self) -> str:
        """One line: resolution, latent size, data, encoder."""
        parts = [f"{self.resolution}³ voxels", f"{self.latent_dim}-D latent", f"trained on {self.dataset_name}"]
        if self.has_dataset:
            parts[-1] += f" ({self.training_size():,} shapes)"
        parts.append("silhouette encoder" if self.has_encoder else "no silhouette encoder")
        return " · ".join(parts)
