"""Image batches → one uint8 grid image (H×W×3), the form that crosses threads and goes to disk."""

from __future__ import annotations

import math

import numpy as np
import torch

from workbench.compat import import_torchvision


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile N×C×H×W images in [-1, 1] (torchvision's make_grid layout) into uint8 H×W×3."""
    make_grid = import_torchvision().utils.make_grid
    images = images.detach().float().cpu()
    nrow = nrow or max(1, int(math.ceil(math.sqrt(images.shape[0]))))
    grid = make_grid((images.clamp(-1, 1) + 1) / 2, nrow=nrow, padding=padding, pad_value=0.25)
    return (grid.mul(255).round().to(torch.uint8).permute(1, 2, 0).contiguous().numpy())
