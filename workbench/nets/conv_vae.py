"""Convolutional encoder and decoder for VAEs and autoencoders on square power-of-two images."""

from __future__ import annotations

import math

import torch
from torch import nn


def _downsampling_steps(image_size: int) -> int:
    steps = int(math.log2(image_size)) - 2
    if steps < 1 or 4 * 2**steps != image_size:
        raise ValueError(f"image size must be a power of two ≥ 8, got {image_size}")
    return steps


class ConvEncoder(nn.Module):
    """image (N×C×S×S) → features (N×F); stride-2 convolutions down to 4×4, then flatten."""

    def __init__(self, channels: int, image_size: int, width: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in, c = channels, width
        for _ in range(_downsampling_steps(image_size)):
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.BatchNorm2d(c), nn.LeakyReLU(0.2, True)]
            c_in, c = c, c * 2
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.out_features = c_in * 16

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ConvDecoder(nn.Module):
    """code (N×latent) → image logits (N×C×S×S); mirror of ConvEncoder with transposed convolutions."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int) -> None:
        super().__init__()
        steps = _downsampling_steps(image_size)
        c = width * 2 ** (steps - 1)
        self.start_channels = c
        self.fc = nn.Sequential(nn.Linear(latent_dim, c * 16), nn.ReLU(True))
        layers: list[nn.Module] = []
        for _ in range(steps - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(z.shape[0], self.start_channels, 4, 4)
        return self.net(h)
