"""The dataset interface every method trains on: images in [-1, 1] NCHW with integer labels."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DataInfo:
    """What a method needs to know to size its networks."""

    name: str
    size: int
    channels: int
    image_size: int
    class_names: tuple[str, ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


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


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize N×C×H×W images to size×size with antialiased bilinear filtering (area-like when shrinking)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", antialias=True,
                                           align_corners=False)


def to_model_range(images01: torch.Tensor) -> torch.Tensor:
    """[0, 1] → [-1, 1], the range of tanh outputs that every method works in."""
    return images01.clamp(0, 1) * 2 - 1
