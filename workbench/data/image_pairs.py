"""Image-to-image datasets: batches of (input, target) images instead of (images, labels).

All three keep their images as uint8 N×C×H×W (a quarter of float32's memory) and convert each batch to [-1, 1]:
- `PairedImageDataset`: A and B show the same scene, pixel-aligned (pix2pix);
- `UnpairedImageDataset`: A and B are independent images of two domains (CycleGAN);
- `SuperResolutionDataset`: (LR, HR), LR the bicubic downscale of HR by `info.scale` (SRResNet, SRGAN).

`build_pairs` / `build_unpaired` apply `data.direction` (BtoA swaps the two sides and their domain names), so
every method reads A as its input side.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from PIL import Image

from workbench.data.dataset import DataInfo

# Unpaired data: an epoch holds at most about this many (A, B) pairs, so the batch order's permutation stays
# small (8 MB) even for large folders, instead of one entry per possible pair (nA × nB).
MAX_UNPAIRED_LENGTH = 2**20
PAIRING_SEED = 8_191  # fixed: which B an index meets depends on the index only, never on the run


def nhwc_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 N×H×W×C (numpy, possibly read-only) → contiguous uint8 N×C×H×W tensor (a copy)."""
    assert images.dtype == np.uint8 and images.ndim == 4, "uint8 N×H×W×C expected"
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)).copy())


def uint8_to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] → float [-1, 1]."""
    return images.float().div_(127.5).sub_(1.0)


def _as_indices(indices: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(indices, dtype=torch.long).reshape(-1)


class PairedImageDataset:
    """Aligned (A, B) pairs: `get_batch(indices)` → (A, B), both N×C×H×W in [-1, 1]."""

    def __init__(self, a: torch.Tensor, b: torch.Tensor, info: DataInfo) -> None:
        assert a.dtype == b.dtype == torch.uint8, "A and B must be uint8 in [0, 255]"
        assert a.ndim == 4 and a.shape == b.shape, "A and B must both be N×C×H×W of the same shape"
        self.a_uint8 = a.contiguous()
        self.b_uint8 = b.contiguous()
        self.info = info

    def __len__(self) -> int:
        return self.a_uint8.shape[0]

    def domain_size(self, side: str) -> int:
        """Images on one side ("A" = input, "B" = target)."""
        return len(self)

    def domain_batch(self, side: str, indices: torch.Tensor) -> torch.Tensor:
        """Images of one side alone, in [-1, 1] (e.g. to evaluate every test image once)."""
        source = self.a_uint8 if side == "A" else self.b_uint8
        return uint8_to_model_range(source.index_select(0, _as_indices(indices)))

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        idx = _as_indices(indices)
        return (uint8_to_model_range(self.a_uint8.index_select(0, idx)),
                uint8_to_model_range(self.b_uint8.index_select(0, idx)))


class UnpairedImageDataset:
    """Two independent domains: `get_batch(indices)` → (A, B), both N×C×H×W in [-1, 1], no correspondence.

    Index i shows A image `i mod nA` in "round" `i // nA`; round r pairs it with the r-th B of its own sequence
    of distinct Bs. An epoch (a permutation of all indices) therefore shows every A image `rounds` times, each
    time with a different B, covers every B, and the batch is a fixed function of the indices (resumable).
    Up to nB rounds, bounded so that len stays near MAX_UNPAIRED_LENGTH; with the built-in sets (about 1,000
    per domain) every A meets every B once per epoch.
    """

    def __init__(self, a: torch.Tensor, b: torch.Tensor, info: DataInfo) -> None:
        assert a.dtype == b.dtype == torch.uint8, "A and B must be uint8 in [0, 255]"
        assert a.ndim == b.ndim == 4 and a.shape[1:] == b.shape[1:], "A and B must be N×C×H×W of the same C, H, W"
        assert a.shape[0] > 0 and b.shape[0] > 0, "both domains need images"
        self.a_uint8 = a.contiguous()
        self.b_uint8 = b.contiguous()
        n_a, n_b = a.shape[0], b.shape[0]
        self.rounds = min(n_b, max(-(-n_b // n_a), MAX_UNPAIRED_LENGTH // n_a, 1))
        generator = torch.Generator().manual_seed(PAIRING_SEED)
        a_order = torch.randperm(n_a, generator=generator)
        self._base = (a_order * n_b) // n_a  # spreads the As evenly over the Bs
        self._b_order = torch.randperm(n_b, generator=generator)  # neighbouring bases are unrelated images
        self.info = info

    def __len__(self) -> int:
        return self.a_uint8.shape[0] * self.rounds

    def domain_size(self, side: str) -> int:
        """Images in one domain ("A" = input, "B" = target); len(self) counts pairs, not images."""
        return (self.a_uint8 if side == "A" else self.b_uint8).shape[0]

    def domain_batch(self, side: str, indices: torch.Tensor) -> torch.Tensor:
        """Images of one domain alone, indexed 0 … domain_size(side) − 1, in [-1, 1]."""
        source = self.a_uint8 if side == "A" else self.b_uint8
        return uint8_to_model_range(source.index_select(0, _as_indices(indices)))

    def pair_indices(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The A and B image indices that dataset indices show."""
        idx = _as_indices(indices)
        n_a, n_b = self.a_uint8.shape[0], self.b_uint8.shape[0]
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= len(self)):
            raise IndexError(f"index out of range for an unpaired dataset of length {len(self)}")
        a_index = idx % n_a
        rounds = idx // n_a
        b_index = self._b_order[(self._base[a_index] + rounds) % n_b]
        return a_index, b_index

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a_index, b_index = self.pair_indices(indices)
        return (uint8_to_model_range(self.a_uint8.index_select(0, a_index)),
                uint8_to_model_range(self.b_uint8.index_select(0, b_index)))


class SuperResolutionDataset(PairedImageDataset):
    """`get_batch(indices)` → (LR N×C×h×w, HR N×C×H×W) in [-1, 1], h = H / info.scale: pairs whose A side (the
    input) is the low-resolution image and whose B side (the target) the high-resolution one."""

    def __init__(self, lr: torch.Tensor, hr: torch.Tensor, info: DataInfo) -> None:
        assert lr.dtype == hr.dtype == torch.uint8, "LR and HR must be uint8 in [0, 255]"
        assert lr.ndim == hr.ndim == 4 and lr.shape[:2] == hr.shape[:2], "LR and HR: N×C×h×w and N×C×H×W"
        assert hr.shape[-1] == lr.shape[-1] * info.scale, "HR must be LR × scale"
        self.a_uint8 = lr.contiguous()
        self.b_uint8 = hr.contiguous()
        self.info = info

    @property
    def lr_uint8(self) -> torch.Tensor:
        return self.a_uint8

    @property
    def hr_uint8(self) -> torch.Tensor:
        return self.b_uint8


def _oriented(a: np.ndarray, b: np.ndarray, domains: tuple[str, str], direction: str):  # noqa: ANN202
    if direction == "BtoA":
        return b, a, (domains[1], domains[0])
    return a, b, domains


def build_pairs(name: str, a: np.ndarray, b: np.ndarray, domains: tuple[str, str],
                direction: str) -> PairedImageDataset:
    """A paired dataset from uint8 N×H×W×C arrays; `direction` BtoA makes B the input side."""
    a, b, domains = _oriented(a, b, domains, direction)
    info = DataInfo(name=name, size=a.shape[0], channels=a.shape[-1], image_size=a.shape[1], kind="paired",
                    domains=domains)
    return PairedImageDataset(nhwc_to_tensor(a), nhwc_to_tensor(b), info)


def build_unpaired(name: str, a: np.ndarray, b: np.ndarray, domains: tuple[str, str],
                   direction: str) -> UnpairedImageDataset:
    """An unpaired dataset from uint8 N×H×W×C arrays (different N allowed); BtoA swaps the domains.

    info.size is the dataset's length (pairs per epoch); `domain_size` gives each domain's image count.
    """
    a, b, domains = _oriented(a, b, domains, direction)
    info = DataInfo(name=name, size=0, channels=a.shape[-1], image_size=a.shape[1], kind="unpaired",
                    domains=domains)
    dataset = UnpairedImageDataset(nhwc_to_tensor(a), nhwc_to_tensor(b), info)
    dataset.info = dataclasses.replace(info, size=len(dataset))
    return dataset


def build_super_resolution(name: str, lr: np.ndarray, hr: np.ndarray, scale: int) -> SuperResolutionDataset:
    """A super-resolution dataset from uint8 N×h×w×C LR and N×H×W×C HR arrays."""
    info = DataInfo(name=name, size=hr.shape[0], channels=hr.shape[-1], image_size=hr.shape[1],
                    kind="super_resolution", domains=("low resolution", "high resolution"), scale=scale)
    return SuperResolutionDataset(nhwc_to_tensor(lr), nhwc_to_tensor(hr), info)


def bicubic_downscale(hr: np.ndarray, scale: int) -> np.ndarray:
    """uint8 N×H×W×C → uint8 N×(H/scale)×(W/scale)×C with PIL's antialiased bicubic filter (the SR convention)."""
    n, height, width, channels = hr.shape
    size = (width // scale, height // scale)
    out = np.empty((n, size[1], size[0], channels), dtype=np.uint8)
    for i in range(n):
        image = Image.fromarray(hr[i, :, :, 0] if channels == 1 else hr[i])
        out[i] = np.asarray(image.resize(size, Image.Resampling.BICUBIC)).reshape(size[1], size[0], channels)
    return out
