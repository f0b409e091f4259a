"""U-Net generator with skip connections (Ronneberger et al. 2015; pix2pix's generator, Isola et al. 2017).

The encoder halves the resolution at every level (Conv 4×4 stride 2, LeakyReLU 0.2) down to 1×1 at the
training size, so a 256×256 image gets 8 levels (the reference's unet_256) and a 32×32 image 5. The decoder
mirrors it (ReLU, ConvTranspose 4×4 stride 2) and concatenates each encoder level's features to its input: the
low-level structure of the input (edges, layout) reaches the output without squeezing through the bottleneck.

Level i (0 = outermost) has ch(i) = width·min(2ⁱ, 8) feature maps. As in the reference, the outermost encoder
layer and the innermost (1×1) layer have no normalisation, the innermost decoder layer and the outermost one
(which ends in tanh) take no skip from below, and with dropout enabled the three decoder blocks just above the
innermost get Dropout(0.5) (exactly the reference's blocks for unet_256; fewer exist at small sizes).

Shapes for a 3×32×32 input, width 8 (5 levels):
  down: 3×32² → 8×16² → 16×8² → 32×4² → 64×2² → 64×1²
  up:   64×1² → 64×2² ‖ 64 → 32×4² ‖ 32 → 16×8² ‖ 16 → 8×16² ‖ 8 → 3×32² (tanh)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from workbench.nets.norm_layers import check_image_size, conv_bias, init_normal_, norm_layer

DROPOUT_BLOCKS = 3  # decoder blocks with dropout, counted from the one just above the innermost


class NoiseDropout(nn.Module):
    """Dropout whose masks come from a given torch.Generator (the method's saved noise generator), so that a
    resumed run drops the same units as an uninterrupted one; without a generator it is plain dropout."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.generator is None:
            return nn.functional.dropout(x, self.p, training=True)
        keep = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=torch.float32) >= self.p
        return x * keep.to(x.dtype) / (1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def unet_levels(image_size: int) -> int:
    """Downsamplings that take an image_size×image_size image to 1×1."""
    levels = round(math.log2(image_size)) if image_size > 0 else 0
    if image_size < 8 or 2**levels != image_size:
        raise ValueError(f"the U-Net needs a power-of-two image size of at least 8, got {image_size}")
    return levels


class UNetGenerator(nn.Module):
    """x (N×in_channels×H×W, H and W multiples of 2^levels) → y (N×out_channels×H×W) in [-1, 1]."""

    def __init__(self, in_channels: int, out_channels: int, image_size: int, width: int = 64, *,
                 norm: str = "batch", dropout: bool = True) -> None:
        super().__init__()
        self.levels = levels = unet_levels(image_size)
        self.size_multiple = 2**levels
        bias = conv_bias(norm)

        def ch(i: int) -> int:
            return width * min(2**i, 8)

        innermost = levels - 1
        dropout_levels = set(range(max(1, innermost - DROPOUT_BLOCKS), innermost)) if dropout else set()
        self.down = nn.ModuleList()
        self.up = nn.ModuleList()
        for i in range(levels):
            in_ch = in_channels if i == 0 else ch(i - 1)
            if i == 0:  # the image itself: no activation or norm before the first convolution
                down: list[nn.Module] = [nn.Conv2d(in_ch, ch(0), 4, 2, 1, bias=bias)]
            elif i == innermost:  # 2×2 → 1×1: nothing to normalise over
                down = [nn.LeakyReLU(0.2), nn.Conv2d(in_ch, ch(i), 4, 2, 1, bias=bias)]
            else:
                down = [nn.LeakyReLU(0.2), nn.Conv2d(in_ch, ch(i), 4, 2, 1, bias=bias), norm_layer(norm, ch(i))]
            self.down.append(nn.Sequential(*down))

            up_in = ch(i) if i == innermost else 2 * ch(i)  # the innermost has no skip to concatenate
            if i == 0:
                up: list[nn.Module] = [nn.ReLU(), nn.ConvTranspose2d(up_in, out_channels, 4, 2, 1), nn.Tanh()]
            else:
                up = [nn.ReLU(), nn.ConvTranspose2d(up_in, ch(i - 1), 4, 2, 1, bias=bias), norm_layer(norm, ch(i - 1))]
                if i in dropout_levels:
                    up.append(NoiseDropout(0.5))
            self.up.append(nn.Sequential(*up))
        self.apply(init_normal_)

    def use_noise(self, generator: torch.Generator) -> None:
        """Draw every dropout mask from `generator` (on the network's device)."""
        for module in self.modules():
            if isinstance(module, NoiseDropout):
                module.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_size(x, multiple=self.size_multiple, minimum=self.size_multiple, net="the U-Net generator")
        skips = []
        h = x
        for block in self.down:  # skips[i]: level i's features at H / 2^(i+1)
            h = block(h)
            skips.append(h)
        h = self.up[-1](skips[-1])
        for i in range(self.levels - 2, -1, -1):
            h = self.up[i](torch.cat([skips[i], h], dim=1))
        return h
