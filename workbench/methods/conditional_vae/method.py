"""Conditional VAE (Sohn, Lee & Yan 2015): a VAE whose encoder and decoder both see the class label y.

  q(z | x, y) = N(μ(x, y), diag σ²(x, y))      y one-hot, appended to the image as K constant channels
  p(x | z, y)                                   y one-hot, concatenated to z
  loss = reconstruction(x | z, y) + β · KL(q(z | x, y) ‖ N(0, I))      (per image, averaged)
Since the label carries the class, z is free to encode the rest (stroke width, slant: the "style"). The
sample grid shows one class per row with the same z down each column: the same style in every class.
`encode` without labels picks, for each image, the class with the best ELBO (reconstruction + KL at μ).
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.config import ConfigError
from workbench.methods.autoencoder_common import (
    NetworkMethod,
    gaussian_kl,
    interleave,
    logits_to_image,
    one_hot_labels,
    reconstruction_loss,
)
from workbench.methods.base import Batch, grid_row_labels, grid_width
from workbench.methods.registry import register_method
from workbench.nets.autoencoder_parts import GaussianConvEncoder
from workbench.nets.conv_vae import ConvDecoder


def label_channels(labels: torch.Tensor, num_classes: int, size: int) -> torch.Tensor:
    """One-hot labels as K constant image channels: N×K×size×size."""
    return one_hot_labels(labels, num_classes)[:, :, None, None].expand(-1, -1, size, size)


@register_method("conditional_vae")
class ConditionalVAE(NetworkMethod):
    loss_names = ("loss", "reconstruction", "kl")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        if data_info.num_classes < 2:
            raise ConfigError(
                f"data.name: conditional_vae needs a labelled dataset with at least 2 classes, and "
                f"{data_info.name!r} has {data_info.num_classes}. Use a dataset with labels (e.g. digits) or a "
                "folder with one subfolder per class."
            )
        s = self.settings
        self.latent_dim = s.latent_dim
        self.classes: tuple[str, ...] = tuple(data_info.class_names)
        self.num_classes = len(self.classes)
        c, size = data_info.channels, data_info.image_size
        self.encoder = GaussianConvEncoder(c + self.num_classes, size, s.channels, s.latent_dim).to(device)
        self.decoder = ConvDecoder(s.latent_dim + self.num_classes, c, size, s.channels).to(device)
        self.nets = {"encoder": self.encoder, "decoder": self.decoder}
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.add_optimizer("vae", torch.optim.Adam(params, lr=s.lr))

    def _stats(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(torch.cat([x, label_channels(labels, self.num_classes, x.shape[-1]).to(x.dtype)], 1))

    def _logits(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, one_hot_labels(labels, self.num_classes).to(z.dtype)], 1))

    def train_step(self, batch: Batch) -> dict[str, float]:
        x, labels = self.on_device(batch)
        with self.autocast():
            mu, logvar = self._stats(x, labels)
            z = mu + torch.exp(0.5 * logvar) * self.randn(*mu.shape)
            logits = self._logits(z, labels)
        reconstruction = reconstruction_loss(logits.float(), x, self.settings.reconstruction).mean()
        kl = gaussian_kl(mu.float(), logvar.float()).mean()
        loss = reconstruction + self.settings.beta * kl
        grad = self.optimize("vae", loss, self.encoder, self.decoder)
        return {"loss": loss.item(), "reconstruction": reconstruction.item(), "kl": kl.item(), "grad_norm": grad}

    # Latent and conditional capabilities ---------------------------------------------------------------

    def infer_labels(self, x: torch.Tensor) -> torch.Tensor:
        """The class with the best ELBO for each image (reconstruction from μ plus KL), on CPU."""
        x = x.to(self.device)
        n, k = x.shape[0], self.num_classes
        with self.evaluating():
            xs = x.repeat(k, 1, 1, 1)  # class 0 for all images, then class 1, ...
            labels = torch.arange(k, device=self.device).repeat_interleave(n)
            mu, logvar = self._stats(xs, labels)
            logits = self._logits(mu, labels).float()
            cost = reconstruction_loss(logits, xs, self.settings.reconstruction) + gaussian_kl(mu.float(),
                                                                                               logvar.float())
            return cost.view(k, n).argmin(dim=0).cpu()

    def encode(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Posterior means μ(x, y) for images in [-1, 1]; without labels, each image's best class is used."""
        if labels is None:
            labels = self.infer_labels(x)
        with self.evaluating():
            return self._stats(x.to(self.device), labels.to(self.device))[0].float().cpu()

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for codes z and classes `labels` (default: one class per grid row, cycling)."""
        if labels is None:
            labels = grid_row_labels(z.shape[0], self.num_classes)
        with self.evaluating():
            logits = self._logits(z.to(self.device), labels.to(self.device))
            return logits_to_image(logits.float(), self.settings.reconstruction).cpu()

    # Explorer hooks (workbench.latent); network modes are the caller's to set.
    def decoder_network(self) -> torch.nn.Module:
        """The network that maps [code, onehot(label)] to image logits."""
        return self.decoder

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images in [-1, 1] for codes z and classes `labels` (default: class 0) with the autograd graph kept."""
        if labels is None:
            labels = torch.zeros(z.shape[0], dtype=torch.long)
        logits = self._logits(z.to(self.device), labels.to(self.device))
        return logits_to_image(logits.float(), self.settings.reconstruction)

    def posterior(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x, y) on CPU; without labels, each image's best class (as `encode`)."""
        if labels is None:
            labels = self.infer_labels(x)
        with self.evaluating():
            mu, logvar = self._stats(x.to(self.device), labels.to(self.device))
            return mu.float().cpu(), logvar.float().cpu()

    def reconstruction_nll(self, x: torch.Tensor, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """−log p(x|z, y) per image (N,) as the training loss measures it (bce or mse), on CPU; without labels,
        each image's best class (as `encode`)."""
        if labels is None:
            labels = self.infer_labels(x)
        with self.evaluating():
            logits = self._logits(z.to(self.device), labels.to(self.device)).float()
            return reconstruction_loss(logits, x.to(self.device), self.settings.reconstruction).cpu()

    def sample(self, n: int, *, seed: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n images; by default one class per grid row and the same z down each column."""
        if labels is not None:
            return self.decode(self.prior_sample(n, seed=seed), labels)
        width = grid_width(n)
        z = self.prior_sample(width, seed=seed)[torch.arange(n) % width]
        return self.decode(z, grid_row_labels(n, self.num_classes))

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Input and reconstruction (with the true label) side by side."""
        x, labels = batch[0][:32].cpu(), batch[1][:32].cpu()
        return {"reconstruction": interleave(x, self.decode(self.encode(x, labels), labels))}
