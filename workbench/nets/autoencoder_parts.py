"""Small networks of the autoencoder family: a Gaussian encoder head and the AAE's code discriminator."""

from __future__ import annotations

import torch
from torch import nn

from workbench.nets.conv_vae import ConvEncoder


class GaussianConvEncoder(nn.Module):
    """image (N×C×S×S) → (μ, log σ²), each N×latent: q(z|x) = N(μ, diag σ²)."""

    def __init__(self, channels: int, image_size: int, width: int, latent_dim: int) -> None:
        super().__init__()
        self.features = ConvEncoder(channels, image_size, width)
        self.to_stats = nn.Linear(self.features.out_features, 2 * latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.features(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)


class CodeDiscriminator(nn.Module):
    """code (N×d) [+ one-hot label N×K] → one logit per code (N,); two hidden ReLU layers as in the AAE paper."""

    def __init__(self, in_features: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(True),
            nn.Linear(hidden, hidden), nn.ReLU(True),
            nn.Linear(hidden, 1),
        )

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.net(codes).view(-1)


def without_batch_norm(module: nn.Module) -> nn.Module:
    """`module` with every BatchNorm2d replaced by an identity (in place), e.g. so that the scale of a decoder's
    input matters again."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.Identity())
        else:
            without_batch_norm(child)
    return module
