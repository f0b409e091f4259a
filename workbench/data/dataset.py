"""The dataset interface every method trains on.

Every dataset has `info` (a `DataInfo`), `__len__` and `get_batch(indices) -> (inputs, labels)`:
- image datasets return images in [-1, 1] N×C×H×W and integer labels N (0 when unlabelled);
- point datasets (`info.kind == "points"`) return N×2 float points and integer mode labels.

Datasets with known generative factors or attributes (shapes2d, CelebA) also offer
`factors(indices) -> LongTensor N×F`, with `info.factor_names` and `info.factor_sizes` describing the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

IMAGE_TO_IMAGE_KINDS = ("paired", "unpaired", "super_resolution")


@dataclass(frozen=True)
class DataInfo:
    """What a method needs to know to size its networks."""

    name: str
    size: int
    channels: int
    image_size: int
    class_names: tuple[str, ...] = ()
    # Known factors of variation (shapes2d) or binary attributes (CelebA): one name and one size per column
    # of the dataset's `factors(indices)`. Empty when the dataset has none.
    factor_names: tuple[str, ...] = ()
    factor_sizes: tuple[int, ...] = ()
    # "images" (N×C×H×W in [-1, 1]), "points" (N×2; channels and image_size are then 0), or one of the
    # image-to-image kinds whose batches are (input, target) image pairs instead of (images, labels):
    #   "paired"           (A, B): the same scene in two domains, both N×C×H×W (pix2pix);
    #   "unpaired"         (A, B): independent images of two domains, both N×C×H×W (CycleGAN);
    #   "super_resolution" (LR, HR): LR N×C×(H/scale)×(W/scale), HR N×C×H×W (SRResNet, SRGAN).
    # and "voxels": batches are (grids, labels), grids float occupancy in [0, 1] N×1×D×H×W with
    # D = H = W = image_size (the grid's side), channels 1.
    kind: str = "images"
    # Image-to-image data: the names of the two domains as the user reads them (e.g. ("edges", "photos")),
    # input side first after `data.direction` is applied.
    domains: tuple[str, ...] = ()
    # Super-resolution data: HR side ÷ LR side (image_size is the HR size).
    scale: int = 1
    # For point mixtures: the mixture's centres and the standard deviation of each component.
    mode_centers: tuple[tuple[float, ...], ...] = ()
    mode_std: float = 0.0
    # Label-map data (SPADE): the input side is a semantic label map drawn as RGB in `label_colors`, one colour
    # per class named in `label_names` (see workbench.data.label_maps). Empty for every other dataset.
    label_names: tuple[str, ...] = ()
    label_colors: tuple[tuple[int, int, int], ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def num_factors(self) -> int:
        return len(self.factor_names)

    @property
    def has_label_maps(self) -> bool:
        """The input side is a semantic label map (SPADE's data)."""
        return bool(self.label_colors)

    @property
    def is_points(self) -> bool:
        return self.kind == "points"

    @property
    def is_image_to_image(self) -> bool:
        """Batches are (input images, target images), not (images, labels)."""
        return self.kind in IMAGE_TO_IMAGE_KINDS


class TensorImageDataset:
    """A dataset held in memory as one tensor: cheap random batches, no worker processes needed."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, info: DataInfo) -> None:
        assert images.ndim == 4 and images.shape[0] == labels.shape[0], "images N×C×H×W and N labels"
        self.images = images.contiguous()
        self.labels = labels.long()
        self.info = info

    def __len__(self) -> int:
        return self.images.shape[0]

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images.index_select(0, indices), self.labels.index_select(0, indices)


class Uint8ImageDataset(TensorImageDataset):
    """Like `TensorImageDataset` but kept as uint8 (a quarter of the memory), converted to [-1, 1] per batch.

    Used for the larger sets read from torchvision roots (60,000 MNIST or 50,000 CIFAR-10 images).
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, info: DataInfo) -> None:
        assert images.dtype == torch.uint8, "images must be uint8 in [0, 255]"
        super().__init__(images, labels, info)

    @property
    def images_uint8(self) -> torch.Tensor:
        return self.images

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = super().get_batch(indices)
        return images.float().div_(127.5).sub_(1.0), labels


class DecodedImageDataset:
    """Images decoded from files per item (a user's folder, CelebA): nothing held in memory but the file list.

    Subclasses give `info`, `__len__`, `load_image(index)` (uint8 H×W×C, already cropped and resized) and
    `label(index)`. Training reads them through `workbench.data.loader.LoaderStream`, whose worker processes
    call `load_image` in parallel with the training step; `get_batch` decodes in the calling process, for the
    few images a view or an evaluation asks for.
    """

    info: DataInfo

    def __len__(self) -> int:
        raise NotImplementedError

    def load_image(self, index: int) -> np.ndarray:
        raise NotImplementedError

    def label(self, index: int) -> int:
        return 0

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        indices = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
        arrays = np.stack([self.load_image(int(i)) for i in indices])  # N×H×W×C
        images = torch.from_numpy(arrays).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)
        labels = torch.tensor([self.label(int(i)) for i in indices], dtype=torch.long)
        return images.contiguous(), labels


class PointDataset:
    """2-D points held in memory with the index of the mixture component each was drawn from."""

    def __init__(self, points: torch.Tensor, labels: torch.Tensor, mode_centers: torch.Tensor, info: DataInfo) -> None:
        assert points.ndim == 2 and points.shape[0] == labels.shape[0], "points N×D and N labels"
        self.points = points.float().contiguous()
        self.labels = labels.long()
        self.mode_centers = mode_centers.float()
        self.info = info

    def __len__(self) -> int:
        return self.points.shape[0]

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.points.index_select(0, indices), self.labels.index_select(0, indices)


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize N×C×H×W images to size×size with antialiased bilinear filtering (area-like when shrinking)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", antialias=True,
                                           align_corners=False)


def to_model_range(images01: torch.Tensor) -> torch.Tensor:
    """[0, 1] → [-1, 1], the range of tanh outputs that every method works in."""
    return images01.clamp(0, 1) * 2 - 1
