"""A generator and an encoder as they might come from someone else's training code: plain PyTorch modules,
nothing from Generative Workbench. `workbench import-model model.toml` runs this file to build them."""

import torch
from torch import nn


class DigitGenerator(nn.Module):
    """z (N×latent_dim) → 1×16×16 images with values in [0, 1] (a sigmoid output)."""

    def __init__(self, latent_dim: int = 8, width: int = 256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, width), nn.ReLU(),
            nn.Linear(width, width), nn.ReLU(),
            nn.Linear(width, 16 * 16),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z)).view(-1, 1, 16, 16)


class DigitEncoder(nn.Module):
    """1×16×16 images in [0, 1] → (μ, log σ²), each N×latent_dim (a VAE's encoder)."""

    def __init__(self, latent_dim: int = 8, width: int = 256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16 * 16, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.mu = nn.Linear(width, latent_dim)
        self.logvar = nn.Linear(width, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.net(x.flatten(1))
        return self.mu(h), self.logvar(h)
