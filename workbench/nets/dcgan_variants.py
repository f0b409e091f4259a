"""Variants of the DCGAN networks (workbench/nets/dcgan.py) used by the GAN family.

- `with_critic_norm`: D with its batch norm swapped for layer norm or nothing (WGAN-GP's critic must not
  mix samples: its gradient penalty is per sample).
- `ConditionalGenerator` / `ConditionalDiscriminator` (Mirza & Osindero 2014): G gets [z, onehot(y)];
  D gets the image with onehot(y) appended as constant channels (N×(C+K)×S×S).
- `InfoGANDiscriminator` (Chen et al. 2016): D's convolutional body shared by the real/fake head and a Q head
  that predicts the codes (categorical logits, continuous means and log standard deviations).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from workbench.nets.dcgan import DCGANDiscriminator, DCGANGenerator, init_dcgan_weights


def with_critic_norm(module: nn.Module, norm: str) -> nn.Module:
    """Replace every BatchNorm2d in `module` by `norm`: 'batch' (unchanged), 'layer' or 'none'.

    'layer' is GroupNorm with one group: per sample over (C, H, W), with a learned per-channel scale and
    shift, i.e. layer norm for convolutional features.
    """
    if norm == "batch":
        return module
    if norm not in ("layer", "none"):
        raise ValueError(f"unknown normalisation {norm!r}; valid: batch, layer, none")
    for name, child in list(module.named_children()):
        if isinstance(child, nn.BatchNorm2d):
            replacement = nn.GroupNorm(1, child.num_features) if norm == "layer" else nn.Identity()
            setattr(module, name, replacement)
        else:
            with_critic_norm(child, norm)
    return module


def label_maps(labels: torch.Tensor, num_classes: int, size: int, dtype: torch.dtype) -> torch.Tensor:
    """Integer labels N → one-hot constant maps N×K×size×size."""
    onehot = F.one_hot(labels.long(), num_classes).to(dtype)
    return onehot[:, :, None, None].expand(-1, -1, size, size)


class ConditionalGenerator(nn.Module):
    """(z N×latent_dim, labels N) → image N×C×S×S in [-1, 1]; a DCGAN generator on [z, onehot(y)]."""

    def __init__(self, latent_dim: int, num_classes: int, channels: int, image_size: int, width: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.net = DCGANGenerator(latent_dim + num_classes, channels, image_size, width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels.long(), self.num_classes).to(z.dtype)
        return self.net(torch.cat([z, onehot], dim=1))


class ConditionalDiscriminator(nn.Module):
    """(image N×C×S×S, labels N) → one output per image (N,); onehot(y) enters as K constant channels."""

    def __init__(self, num_classes: int, channels: int, image_size: int, width: int, norm: str = "batch") -> None:
        super().__init__()
        self.num_classes = num_classes
        self.net = with_critic_norm(DCGANDiscriminator(channels + num_classes, image_size, width), norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        maps = label_maps(labels, self.num_classes, x.shape[-1], x.dtype)
        return self.net(torch.cat([x, maps], dim=1))


class InfoGANDiscriminator(nn.Module):
    """image → (D logit N, Q output N×(K + 2·M)) for K categories and M continuous codes.

    The body is the DCGAN discriminator up to its 4×4 features; D's head is its last convolution; Q's head is
    a 4×4 convolution (a fully connected layer on the 4×4 map) to 128 units, batch norm, LeakyReLU, then a
    linear layer, as in the paper's MNIST network.
    """

    def __init__(self, channels: int, image_size: int, width: int, categories: int, continuous: int) -> None:
        super().__init__()
        dcgan = DCGANDiscriminator(channels, image_size, width)
        layers = list(dcgan.net.children())
        self.body = nn.Sequential(*layers[:-1])  # N×C×S×S → N×F×4×4
        self.d_head = layers[-1]  # 4×4 convolution → N×1×1×1
        features = self.d_head.in_channels
        self.categories, self.continuous = categories, continuous
        self.q_head = nn.Sequential(
            nn.Conv2d(features, 128, 4, 1, 0, bias=False),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(128, categories + 2 * continuous, 1),
        )
        self.q_head.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.d_head(h).view(-1), self.q_head(h).flatten(1)

    def judge(self, x: torch.Tensor) -> torch.Tensor:
        """D's logits only (no Q head), for real images."""
        return self.d_head(self.body(x)).view(-1)

    def split_q(self, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Q output → (categorical logits N×K, continuous means N×M, log standard deviations N×M)."""
        k, m = self.categories, self.continuous
        return q[:, :k], q[:, k : k + m], q[:, k + m :].clamp(-5.0, 3.0)
