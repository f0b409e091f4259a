"""DCGAN generator and discriminator for square power-of-two images (Radford et al. 2016).

Architecture rules from the paper: no pooling (strided convolutions), batch norm in both networks except G's
output and D's input layers, ReLU in G with tanh output, LeakyReLU(0.2) in D, weights from N(0, 0.02).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from workbench.nets.norm_layers import init_normal_


def _upsampling_steps(image_size: int) -> int:
    steps = int(math.log2(image_size)) - 2
    if steps < 1 or 4 * 2**steps != image_size:
        raise ValueError(f"image size must be a power of two ≥ 8, got {image_size}")
    return steps


init_dcgan_weights = init_normal_  # N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales: the paper's init


class DCGANGenerator(nn.Module):
    """z (N×latent_dim) → image (N×C×S×S) in [-1, 1]."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int) -> None:
        super().__init__()
        steps = _upsampling_steps(image_size)
        c = width * 2 ** (steps - 1)
        layers: list[nn.Module] = [  # N×latent×1×1 → N×c×4×4
            nn.ConvTranspose2d(latent_dim, c, 4, 1, 0, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(True),
        ]
        for _ in range(steps - 1):  # each block doubles the resolution and halves the channels
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.latent_dim = latent_dim
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], self.latent_dim, 1, 1))


class DCGANDiscriminator(nn.Module):
    """image (N×C×S×S) → one logit per image (N,). D(x) = sigmoid(logit)."""

    def __init__(self, channels: int, image_size: int, width: int) -> None:
        super().__init__()
        steps = _upsampling_steps(image_size)
        c = width
        layers: list[nn.Module] = [nn.Conv2d(channels, c, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for _ in range(steps - 1):  # halve the resolution, double the channels, down to 4×4
            layers += [nn.Conv2d(c, c * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 2), nn.LeakyReLU(0.2, True)]
            c *= 2
        layers += [nn.Conv2d(c, 1, 4, 1, 0, bias=False)]  # 4×4 → 1×1
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(-1)
