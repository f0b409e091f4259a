"""The SRGAN discriminator (Ledig et al. 2017, fig. 4), sized by a base width d (the paper's d = 64).

    k3n(d)s1 + LeakyReLU(0.2)
    → k3n(d)s2, k3n(2d)s1, k3n(2d)s2, k3n(4d)s1, k3n(4d)s2, k3n(8d)s1, k3n(8d)s2, each with BN + LeakyReLU(0.2)
    → adaptive average pooling to 4×4 → dense 16d (1024 in the paper) → LeakyReLU(0.2) → dense 1: one logit

The paper's dense layer sits on a fixed 96×96 crop (a 6×6×512 map); the adaptive pooling makes the network
accept any HR size (16 px and up: the four stride-2 convolutions leave a 1×1 map, which pooling repeats),
while a 4×4 map keeps where in the image the evidence was found for HR sizes of 64 and more.
"""

from __future__ import annotations

import torch
from torch import nn

POOLED = 4


def _conv(c_in: int, c_out: int, stride: int, batch_norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return layers


class SRGANDiscriminator(nn.Module):
    """HR or SR image N×C×H×W in [-1, 1] (H, W ≥ 16) → one logit per image (N,). D(x) = sigmoid(logit)."""

    def __init__(self, image_channels: int, width: int) -> None:
        super().__init__()
        d = width
        plan = [(d, d, 2), (d, 2 * d, 1), (2 * d, 2 * d, 2), (2 * d, 4 * d, 1), (4 * d, 4 * d, 2),
                (4 * d, 8 * d, 1), (8 * d, 8 * d, 2)]
        layers = _conv(image_channels, d, 1, batch_norm=False)
        for c_in, c_out, stride in plan:
            layers += _conv(c_in, c_out, stride, batch_norm=True)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(POOLED)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(8 * d * POOLED * POOLED, 16 * d),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(16 * d, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.features(x))).squeeze(1)  # N
