"""PatchGAN discriminator (Isola et al. 2017): a fully convolutional net whose output is a map of logits, one
per overlapping image patch, instead of one score per image. It judges local texture and sharpness (L1 or the
cycle loss already take care of the low frequencies) with far fewer parameters than a whole-image classifier.

n_layers stride-2 convolutions (4×4, LeakyReLU 0.2, channels width·min(2ⁱ, 8), no norm on the first), then a
stride-1 4×4 convolution with norm and LeakyReLU and a stride-1 4×4 convolution to one channel. Each output
logit sees a patch of 70×70 pixels for n_layers = 3 (34 for 2, 16 for 1, 142 for 4).

Map size: every stride-2 layer halves H (floor), each stride-1 4×4 layer with padding 1 removes one pixel:
  map = ⌊H / 2^n_layers⌋ − 2,   e.g. 256 → 30 and 32 → 2 for n_layers = 3; 16 → 2 for n_layers = 2.
"""

from __future__ import annotations

import torch
from torch import nn

from workbench.config import ConfigError
from workbench.nets.norm_layers import check_image_size, conv_bias, init_normal_, norm_layer


def patch_map_size(size: int, n_layers: int) -> int:
    """Height (or width) of the logit map for an input of that height (or width)."""
    return size // 2**n_layers - 2


def receptive_field(n_layers: int) -> int:
    """Side of the square input patch that one output logit sees."""
    field = 1
    for stride in [1, 1] + [2] * n_layers:  # walk back from the output through the 4×4 convolutions
        field = (field - 1) * stride + 4
    return field


def min_patchgan_size(n_layers: int) -> int:
    """The smallest input side that leaves a logit map of at least 1×1."""
    return 3 * 2**n_layers


def check_patchgan_fits(n_layers: int, image_size: int) -> None:
    """ConfigError naming method.d_layers when the training images are too small for the discriminator."""
    if image_size >= min_patchgan_size(n_layers):
        return
    fitting = max(n for n in range(1, n_layers) if min_patchgan_size(n) <= image_size) if image_size >= 6 else 0
    raise ConfigError(
        f"method.d_layers: a PatchGAN with {n_layers} strided layers needs images of at least "
        f"{min_patchgan_size(n_layers)} pixels (its map of patch scores would be empty at {image_size}×{image_size}); "
        f"use d_layers ≤ {fitting} or a data.image_size of at least {2 ** (n_layers + 2)}"
    )


class PatchGANDiscriminator(nn.Module):
    """x (N×in_channels×H×W, H and W ≥ 3·2^n_layers) → logits N×1×h×w, h = ⌊H / 2^n_layers⌋ − 2."""

    def __init__(self, in_channels: int, width: int = 64, n_layers: int = 3, *, norm: str = "batch") -> None:
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"a PatchGAN needs at least one strided layer, got n_layers={n_layers}")
        self.n_layers = n_layers
        self.min_size = min_patchgan_size(n_layers)
        bias = conv_bias(norm)
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
        c = width
        for i in range(1, n_layers):
            c_next = width * min(2**i, 8)
            layers += [nn.Conv2d(c, c_next, 4, 2, 1, bias=bias), norm_layer(norm, c_next), nn.LeakyReLU(0.2)]
            c = c_next
        c_next = width * min(2**n_layers, 8)
        layers += [nn.Conv2d(c, c_next, 4, 1, 1, bias=bias), norm_layer(norm, c_next), nn.LeakyReLU(0.2)]
        layers += [nn.Conv2d(c_next, 1, 4, 1, 1)]  # one logit per patch
        self.net = nn.Sequential(*layers)
        self.apply(init_normal_)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_size(x, multiple=1, minimum=self.min_size,
                         net=f"the PatchGAN discriminator with {self.n_layers} strided layers")
        return self.net(x)
