"""3D-GAN networks for cubic occupancy grids (Wu et al. 2016), and the silhouette encoder of 3D-VAE-GAN.

G: z (N×latent_dim) → a 1×1×1 transposed convolution to 4³ → 3-D transposed convolutions (kernel 4, stride 2,
batch norm, ReLU), each doubling the side and halving the channels → a sigmoid occupancy grid N×1×S×S×S.
With S = 64 and `width` = 64 this is the paper's 200 → 512·4³ → 256·8³ → 128·16³ → 64·32³ → 1·64³.
D mirrors it with 3-D convolutions (kernel 4, stride 2, batch norm except on the input layer, LeakyReLU 0.2)
down to 4³, then one 4³ convolution to a single logit. Weights from N(0, 0.02) as in DCGAN, which 3D-GAN
follows. G's first and last layers are computed faster when sampling (`nets/fast_transpose3d.py`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from workbench.nets.fast_transpose3d import LatentProjection3d, SubPixelTranspose3d

SUPPORTED_SIDES = (16, 32, 64)


def grid_steps(side: int) -> int:
    """Number of stride-2 layers between 4³ and a grid of `side` (2 for 16³, 3 for 32³, 4 for 64³)."""
    if side not in SUPPORTED_SIDES:
        raise ValueError(f"3D-GAN grid side must be one of {SUPPORTED_SIDES}, got {side}")
    return int(math.log2(side)) - 2


def init_gan3d_weights(module: nn.Module) -> None:
    """N(0, 0.02) for convolutions and linear layers; N(1, 0.02) scale and zero shift for batch norm."""
    if isinstance(module, (nn.Conv3d, nn.ConvTranspose3d, nn.Conv2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm3d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class VoxelGenerator(nn.Module):
    """z (N×latent_dim) → occupancy (N×1×S×S×S) in [0, 1]; `width` feature maps in the last hidden layer."""

    def __init__(self, latent_dim: int, side: int, width: int) -> None:
        super().__init__()
        steps = grid_steps(side)
        c = width * 2 ** (steps - 1)
        layers: list[nn.Module] = [  # N×latent×1³ → N×c×4³
            LatentProjection3d(latent_dim, c, 4, 1, 0, bias=False),
            nn.BatchNorm3d(c),
            nn.ReLU(True),
        ]
        for _ in range(steps - 1):  # each block doubles the side and halves the channels
            layers += [nn.ConvTranspose3d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm3d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [SubPixelTranspose3d(c, 1, 4, 2, 1, bias=False), nn.Sigmoid()]  # occupancy probabilities
        self.net = nn.Sequential(*layers)
        self.latent_dim = latent_dim
        self.apply(init_gan3d_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], self.latent_dim, 1, 1, 1))


class VoxelDiscriminator(nn.Module):
    """occupancy (N×1×S×S×S) → one logit per grid (N,); `width` feature maps in the first layer."""

    def __init__(self, side: int, width: int) -> None:
        super().__init__()
        steps = grid_steps(side)
        c = width
        layers: list[nn.Module] = [nn.Conv3d(1, c, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for _ in range(steps - 1):  # halve the side, double the channels, down to 4³
            layers += [nn.Conv3d(c, c * 2, 4, 2, 1, bias=False), nn.BatchNorm3d(c * 2), nn.LeakyReLU(0.2, True)]
            c *= 2
        layers += [nn.Conv3d(c, 1, 4, 1, 0, bias=False)]  # 4³ → 1³
        self.net = nn.Sequential(*layers)
        self.apply(init_gan3d_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(-1)


class SilhouetteEncoder(nn.Module):
    """silhouette (N×1×S×S in [-1, 1]) → (μ, log σ²), each N×latent_dim (3D-VAE-GAN's image encoder).

    A 2-D DCGAN-style discriminator body (stride-2 convolutions, batch norm, LeakyReLU 0.2) down to 4×4, then
    one linear layer to both heads.
    """

    def __init__(self, latent_dim: int, side: int, width: int) -> None:
        super().__init__()
        steps = grid_steps(side)
        c = width
        layers: list[nn.Module] = [nn.Conv2d(1, c, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for _ in range(steps - 1):  # down to 4×4
            layers += [nn.Conv2d(c, c * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 2), nn.LeakyReLU(0.2, True)]
            c *= 2
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(c * 4 * 4, 2 * latent_dim)
        self.latent_dim = latent_dim
        self.apply(init_gan3d_weights)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.head(self.body(images)).chunk(2, dim=1)
        return mu, logvar
