"""The noise predictor ε_θ(x_t, t[, y]) of a diffusion model (Ho et al. 2020): a small U-Net.

  time embedding   e(t) = MLP(sinusoid(t))                (+ class embedding e(y) when conditional)
  residual block   h = conv(SiLU(GN(x))) + Linear(e) ;  h = conv(SiLU(GN(h))) ;  out = h + skip(x)
  encoder          one residual block per level, stride-2 convolutions between levels (skips kept)
  middle           residual block [, self-attention], residual block  (at the lowest resolution)
  decoder          the encoder mirrored: concatenate the skip, residual block, nearest ×2 + conv
The class embedding has one extra "null" row (index = num_classes) for classifier-free guidance: training
replaces some labels by it, so one network predicts both the conditional and the unconditional noise.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

DEFAULT_MULTIPLIERS = (1, 2, 2)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal features of integer timesteps t (N) → N×dim, as the Transformer encodes positions: nearby
    timesteps get similar features at low frequencies and distinct ones at high frequencies."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)
    return F.pad(emb, (0, dim % 2))


def group_norm(channels: int) -> nn.GroupNorm:
    """Group norm with up to 8 groups that divide `channels` (batch-size independent, unlike batch norm)."""
    return nn.GroupNorm(math.gcd(8, channels), channels)


class ResidualBlock(nn.Module):
    """Two 3×3 convolutions with group norm and SiLU; the time embedding is added between them."""

    def __init__(self, in_channels: int, out_channels: int, embed_dim: int) -> None:
        super().__init__()
        self.norm1, self.conv1 = group_norm(in_channels), nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.embed = nn.Linear(embed_dim, out_channels)
        self.norm2, self.conv2 = group_norm(out_channels), nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embed(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class SelfAttention(nn.Module):
    """Single-head self-attention over all positions (only at the lowest resolution, where it is cheap)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = group_norm(channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3, c, h * w).unbind(1)
        attended = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return x + self.out(attended.transpose(1, 2).reshape(n, c, h, w))


class DiffusionUNet(nn.Module):
    """ε_θ(x_t, t, y): the noise in x_t, the same shape as x_t.

    `num_classes` > 0 adds a class embedding with a null class at index num_classes (labels None = null).
    The number of levels shrinks for small images so that the lowest resolution stays at least 2×2.
    """

    def __init__(self, image_channels: int, image_size: int, base_channels: int = 32,
                 multipliers: tuple[int, ...] = DEFAULT_MULTIPLIERS, attention: bool = False,
                 num_classes: int = 0) -> None:
        super().__init__()
        levels = max(1, min(len(multipliers), int(math.log2(image_size))))
        widths = [base_channels * m for m in multipliers[:levels]]
        embed_dim = 4 * base_channels
        self.num_classes = num_classes
        self.time_mlp = nn.Sequential(nn.Linear(base_channels, embed_dim), nn.SiLU(), nn.Linear(embed_dim, embed_dim))
        self.class_embedding = nn.Embedding(num_classes + 1, embed_dim) if num_classes else None
        self.stem = nn.Conv2d(image_channels, base_channels, 3, padding=1)
        self.down_blocks, self.downsamples = nn.ModuleList(), nn.ModuleList()
        channels, skips = base_channels, []
        for i, width in enumerate(widths):
            self.down_blocks.append(ResidualBlock(channels, width, embed_dim))
            channels = width
            skips.append(width)
            last = i == len(widths) - 1
            self.downsamples.append(nn.Identity() if last else nn.Conv2d(width, width, 3, stride=2, padding=1))
        self.mid1 = ResidualBlock(channels, channels, embed_dim)
        self.mid_attention = SelfAttention(channels) if attention else nn.Identity()
        self.mid2 = ResidualBlock(channels, channels, embed_dim)
        self.up_blocks, self.upsamples = nn.ModuleList(), nn.ModuleList()
        for i, width in reversed(list(enumerate(widths))):
            self.up_blocks.append(ResidualBlock(channels + skips[i], width, embed_dim))
            channels = width
            self.upsamples.append(nn.Conv2d(width, width, 3, padding=1) if i > 0 else nn.Identity())
        self.out_norm = group_norm(channels)
        self.out = nn.Conv2d(channels, image_channels, 3, padding=1)
        self.base_channels = base_channels

    def embedding(self, t: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        emb = self.time_mlp(timestep_embedding(t, self.base_channels))
        if self.class_embedding is not None:
            if labels is None:
                labels = torch.full_like(t, self.num_classes)
            emb = emb + self.class_embedding(labels.long())
        return emb

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        emb = self.embedding(t, labels)
        h = self.stem(x)
        skips = []
        for block, down in zip(self.down_blocks, self.downsamples, strict=True):
            h = block(h, emb)
            skips.append(h)
            h = down(h)
        h = self.mid2(self.mid_attention(self.mid1(h, emb)), emb)
        for block, up in zip(self.up_blocks, self.upsamples, strict=True):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if not isinstance(up, nn.Identity):
                h = up(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.out(F.silu(self.out_norm(h)))
