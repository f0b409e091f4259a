"""Semantic label maps: class ids per pixel, and the colour image that stands for them.

A label-map dataset (SPADE's input side) stores each map as an RGB image drawn in a fixed palette, one colour
per class, as the pix2pix and Cityscapes colour label maps do: every image-to-image method reads it as an image
(Pix2Pix trains on the same data unchanged, and the Translate tab paints it with a brush), and SPADE turns it back
into class ids by the nearest palette colour. `DataInfo.label_names` / `label_colors` carry the classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where it is used: the window reads palettes without it
    import torch

# Distinct, saturated colours (the first ones those of the built-in scenes); class k is drawn in PALETTE[k].
PALETTE: tuple[tuple[int, int, int], ...] = (
    (70, 130, 180), (107, 142, 35), (220, 20, 60), (250, 170, 30), (152, 78, 163),
    (0, 0, 142), (244, 35, 232), (102, 102, 156), (190, 153, 153), (0, 200, 200),
    (255, 255, 0), (128, 64, 128), (0, 0, 0), (255, 255, 255), (119, 11, 32),
    (0, 80, 100), (150, 100, 100), (230, 150, 140), (70, 70, 70), (180, 165, 180),
)
MAX_CLASSES = len(PALETTE)


def palette_colors(num_classes: int) -> tuple[tuple[int, int, int], ...]:
    """The first `num_classes` palette colours (at most MAX_CLASSES)."""
    if not 1 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"label maps have 1 … {MAX_CLASSES} classes, got {num_classes}")
    return PALETTE[:num_classes]


def ids_to_rgb(ids: np.ndarray, colors: tuple[tuple[int, int, int], ...]) -> np.ndarray:
    """Class ids (any integer array …×H×W) → uint8 colour image …×H×W×3 in `colors`."""
    table = np.asarray(colors, dtype=np.uint8)
    return table[np.asarray(ids, dtype=np.int64)]


def rgb_to_ids(images: torch.Tensor, colors: tuple[tuple[int, int, int], ...]) -> torch.Tensor:
    """Colour label maps N×3×H×W in [-1, 1] → class ids N×H×W (long) by the nearest palette colour, so maps
    that went through resizing, JPEG or a soft brush still read as the classes they show."""
    import torch
    table = torch.tensor(colors, dtype=torch.float32, device=images.device) / 127.5 - 1.0  # K×3
    pixels = images.float().permute(0, 2, 3, 1)  # N×H×W×3
    distances = (pixels.unsqueeze(-2) - table).square().sum(-1)  # N×H×W×K
    return distances.argmin(-1)


def one_hot(ids: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Class ids N×H×W → float one-hot maps N×K×H×W (SPADE's input)."""
    import torch
    return torch.nn.functional.one_hot(ids.long(), num_classes).permute(0, 3, 1, 2).float()
