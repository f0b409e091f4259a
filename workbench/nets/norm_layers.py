"""Building blocks shared by the image-to-image networks (U-Net, ResNet generator, PatchGAN): the normalisation
choice, the N(0, 0.02) initialisation and the input-size check, as in pytorch-CycleGAN-and-pix2pix.
"""

from __future__ import annotations

import torch
from torch import nn

NORMS = ("batch", "instance")


def norm_layer(kind: str, channels: int) -> nn.Module:
    """Batch norm (learned scale and shift, running statistics for eval mode) or instance norm.

    Instance norm has no affine parameters and no running statistics (affine=False, track_running_stats=False,
    as the reference does): every image is normalised by its own statistics in train and eval mode alike, which
    is why it suits batch size 1.
    """
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    raise ValueError(f"unknown normalisation {kind!r}; valid: {', '.join(NORMS)}")


def conv_bias(kind: str) -> bool:
    """Whether a convolution followed by this norm gets a bias: batch norm's learned shift makes it redundant;
    the reference keeps it before instance norm (which has no shift of its own)."""
    return kind == "instance"


def init_normal_(module: nn.Module) -> None:
    """N(0, 0.02) weights and zero biases for (transposed) convolutions; N(1, 0.02) scale and zero shift for
    batch norm: the reference's `init_type='normal'`. Apply with `net.apply(init_normal_)`."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def check_image_size(x: torch.Tensor, *, multiple: int, minimum: int, net: str) -> None:
    """Raise a ValueError naming what `net` needs when x (N×C×H×W) has an unusable height or width."""
    if x.ndim != 4:
        raise ValueError(f"{net} takes images N×C×H×W, got a tensor of shape {tuple(x.shape)}")
    h, w = x.shape[-2:]
    if h % multiple or w % multiple or h < minimum or w < minimum:
        raise ValueError(
            f"{net} needs height and width that are multiples of {multiple} and at least {minimum} pixels, "
            f"got {h}×{w}"
        )
