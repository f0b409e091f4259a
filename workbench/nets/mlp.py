"""Multi-layer perceptrons for low-dimensional data (the toy GAN's generator and discriminator on 2-D points)."""

from __future__ import annotations

import torch
from torch import nn


class MLP(nn.Module):
    """in_dim → [Linear → activation] × layers → Linear → out_dim. The output layer is linear: a generator's
    points are unbounded (the grid mixture spans ±4) and a discriminator's output is a logit or a critic score.

    ReLU suits the generator; LeakyReLU(0.2) the discriminator, so that its gradient w.r.t. the input (what the
    generator learns from, and what WGAN-GP's penalty constrains) never vanishes on a whole region of the plane.
    """

    def __init__(self, in_dim: int, out_dim: int, hidden: int, layers: int, activation: str = "relu") -> None:
        super().__init__()
        if activation not in ("relu", "leaky_relu"):
            raise ValueError(f"unknown activation {activation!r}; valid: relu, leaky_relu")
        blocks: list[nn.Module] = []
        width = in_dim
        for _ in range(layers):
            blocks.append(nn.Linear(width, hidden))
            blocks.append(nn.ReLU() if activation == "relu" else nn.LeakyReLU(0.2))
            width = hidden
        blocks.append(nn.Linear(width, out_dim))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # N×in_dim → N×out_dim
        return self.net(x)
