"""Conditional GAN (Mirza & Osindero 2014) on the DCGAN architecture, with any loss of adversarial_losses.

Both networks see the label y (one-hot, K classes):
  G(z, y) = DCGAN generator on [z, onehot(y)]                      (N×(latent_dim + K))
  D(x, y) = DCGAN discriminator on x with onehot(y) as K constant channels   (N×(C + K)×S×S)
The losses are those of `gan` with D(x) replaced by D(x, y) for real pairs and D(G(z, y), y) for generated
ones; generated images take the labels of the step's real batch, so classes are drawn with the data's
frequencies. D learns to reject an image that does not fit its label, so G must produce the requested class.
Needs a labelled dataset.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from workbench.config import ConfigError
from workbench.methods.base import Batch, grid_row_labels, in_eval
from workbench.methods.gan.method import GAN
from workbench.methods.registry import register_method
from workbench.nets.dcgan_variants import ConditionalDiscriminator, ConditionalGenerator

VISUAL_SEED_OFFSET = 20_011  # the fixed z of the by-class visual


@register_method("conditional_gan")
class ConditionalGAN(GAN):
    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        classes = tuple(getattr(data_info, "class_names", ()) or ())
        if len(classes) < 2:
            raise ConfigError(
                f"data: conditional_gan needs a labelled dataset with at least 2 classes; "
                f"{getattr(data_info, 'name', '?')!r} has {len(classes)} (use e.g. digits, or a folder with one "
                "subfolder per class)"
            )
        self.classes = classes
        self.num_classes = len(classes)
        super().__init__(config, data_info, device)

    def build_networks(self, info: Any) -> tuple[nn.Module, nn.Module]:
        s = self.settings
        G = ConditionalGenerator(s.latent_dim, self.num_classes, info.channels, info.image_size, s.g_channels)
        D = ConditionalDiscriminator(self.num_classes, info.channels, info.image_size, s.d_channels, self.plan.d_norm)
        return G, D

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if labels is None:
            labels = grid_row_labels(z.shape[0], self.num_classes)
        return self.G(z, labels.to(z.device))

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.D(x, labels)

    def training_labels(self, labels: torch.Tensor) -> torch.Tensor:
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
            raise ConfigError(f"data: labels must lie in [0, {self.num_classes - 1}] for conditional_gan")
        return labels.to(self.device, non_blocking=True)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for latents z and class indices `labels` (default: one class per grid row, as `sample`)."""
        with in_eval(self.G):
            return self.generate(z.to(self.device), labels).float().cpu()

    def sample(self, n: int, *, seed: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n images of the classes `labels`; by default classes in rows of the square-ish grid (row r shows class
        r mod K), and within each band of K rows the columns share their z, so a column shows one style
        across the classes."""
        if labels is not None:
            return self.decode(self.prior_sample(n, seed=seed), labels)
        ncol = max(1, int(math.ceil(math.sqrt(n))))
        rows = torch.arange(n) // ncol
        z_table = self.seeded_normal(int(math.ceil(n / ncol / self.num_classes)) * ncol, self.latent_dim, seed)
        z = z_table[(rows // self.num_classes) * ncol + torch.arange(n) % ncol]
        return self.decode(z, grid_row_labels(n, self.num_classes))

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """`by_class`: one row per class, 8 columns with the same 8 fixed z in every row."""
        k = self.num_classes
        z = self.seeded_normal(8, self.latent_dim, self.config.train.seed + VISUAL_SEED_OFFSET).repeat(k, 1)
        labels = torch.arange(k).repeat_interleave(8)
        return {"by_class": self.decode(z, labels), "real": batch[0][:16].cpu()}
