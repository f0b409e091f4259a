"""ResNet generator (Johnson et al. 2016; CycleGAN's generator, Zhu et al. 2017).

c7s1-k, d2k, d4k, R4k × N, u2k, uk, c7s1-C (the CycleGAN paper's notation): a 7×7 convolution, two stride-2
downsamplings, N residual blocks at a quarter of the resolution, two stride-2 transposed convolutions back up,
and a 7×7 convolution to the output channels with tanh. Every spatial padding except the strided layers' is a
reflection of the border, which avoids the dark frame that zero padding draws around translated images.

Shapes for a 3×32×32 input, width 8:
  3×32² → 8×32² → 16×16² → 32×8² → (N residual blocks) 32×8² → 16×16² → 8×32² → 3×32² (tanh)
"""

from __future__ import annotations

import torch
from torch import nn

from workbench.nets.norm_layers import check_image_size, conv_bias, init_normal_, norm_layer

DOWNSAMPLINGS = 2


class ResidualBlock(nn.Module):
    """x + (reflect-pad, conv 3×3, norm, ReLU, reflect-pad, conv 3×3, norm)(x)."""

    def __init__(self, channels: int, norm: str) -> None:
        super().__init__()
        bias = conv_bias(norm)
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """x (N×in_channels×H×W, H and W multiples of 4, at least 8) → y (N×out_channels×H×W) in [-1, 1]."""

    size_multiple = 2**DOWNSAMPLINGS
    # Reflection padding by 1 in the residual blocks needs at least 2 pixels at a quarter of the resolution.
    min_size = 2 * 2**DOWNSAMPLINGS

    def __init__(self, in_channels: int, out_channels: int, width: int = 64, blocks: int = 6, *,
                 norm: str = "instance") -> None:
        super().__init__()
        bias = conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, 7, bias=bias), norm_layer(norm, width), nn.ReLU(),
        ]
        c = width
        for _ in range(DOWNSAMPLINGS):  # halve the resolution, double the channels
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=bias), norm_layer(norm, 2 * c), nn.ReLU()]
            c *= 2
        layers += [ResidualBlock(c, norm) for _ in range(blocks)]
        for _ in range(DOWNSAMPLINGS):  # double the resolution, halve the channels
            layers += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=bias), norm_layer(norm, c // 2),
                       nn.ReLU()]
            c //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_normal_)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_size(x, multiple=self.size_multiple, minimum=self.min_size, net="the ResNet generator")
        return self.net(x)
