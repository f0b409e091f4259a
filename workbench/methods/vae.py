"""Convolutional VAE (Kingma & Welling 2014) with β weighting of the KL term (Higgins et al. 2017).

  q(z|x) = N(μ(x), diag σ²(x)),  z = μ + σ ⊙ ε,  ε ~ N(0, I)      (reparameterisation)
  KL(q ‖ N(0, I)) = ½ Σ (μ² + σ² − log σ² − 1)                      (per image, summed over dimensions)
  loss = reconstruction + β · KL                                    (per image, averaged over the batch)
Reconstruction is a Bernoulli log-likelihood on pixels in [0, 1] (bce) or a unit-variance Gaussian (mse).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from workbench.methods.base import Batch, MethodBase, gradient_norm
from workbench.methods.registry import register_method
from workbench.nets.conv_vae import ConvDecoder, ConvEncoder


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per image, summed over latent dimensions: shape (N,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def reconstruction_loss(logits: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """Negative log-likelihood per image (N,); `target` in [-1, 1]."""
    if kind == "bce":
        per_pixel = F.binary_cross_entropy_with_logits(logits, (target + 1) / 2, reduction="none")
    elif kind == "mse":
        per_pixel = 0.5 * (torch.tanh(logits) - target).pow(2)
    else:
        raise ValueError(f"unknown reconstruction loss {kind!r}")
    return per_pixel.flatten(1).sum(dim=1)


@register_method("vae")
class VAE(MethodBase):
    loss_names = ("loss", "reconstruction", "kl")
    stateful = ("encoder", "to_stats", "decoder", "opt", "scaler")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.latent_dim = s.latent_dim
        self.encoder = ConvEncoder(data_info.channels, data_info.image_size, s.channels).to(device)
        self.to_stats = nn.Linear(self.encoder.out_features, 2 * s.latent_dim).to(device)
        self.decoder = ConvDecoder(s.latent_dim, data_info.channels, data_info.image_size, s.channels).to(device)
        self.opt = torch.optim.Adam(self.parameters(), lr=s.lr)
        self.scaler = self.grad_scaler()

    def parameters(self) -> list[nn.Parameter]:
        return [*self.encoder.parameters(), *self.to_stats.parameters(), *self.decoder.parameters()]

    def _stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.encoder(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def _image(self, logits: torch.Tensor) -> torch.Tensor:
        return (torch.sigmoid(logits) * 2 - 1) if self.settings.reconstruction == "bce" else torch.tanh(logits)

    def train_step(self, batch: Batch) -> dict[str, float]:
        x = batch[0].to(self.device, non_blocking=True)
        self.opt.zero_grad(set_to_none=True)
        with self.autocast():
            mu, logvar = self._stats(x)
            z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=self.noise, device=self.device)
            logits = self.decoder(z)
        recon = reconstruction_loss(logits.float(), x, self.settings.reconstruction).mean()
        kl = gaussian_kl(mu.float(), logvar.float()).mean()
        loss = recon + self.settings.beta * kl
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.opt)
        grad = gradient_norm(self.encoder) + gradient_norm(self.decoder)
        self.scaler.step(self.opt)
        self.scaler.update()
        return {"loss": loss.item(), "reconstruction": recon.item(), "kl": kl.item(), "grad_norm": grad}

    def _eval(self) -> list[bool]:
        modules = (self.encoder, self.to_stats, self.decoder)
        was = [m.training for m in modules]
        for m in modules:
            m.eval()
        return was

    def _restore(self, was: list[bool]) -> None:
        for m, w in zip((self.encoder, self.to_stats, self.decoder), was, strict=True):
            m.train(w)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior means μ(x) for images in [-1, 1]."""
        was = self._eval()
        try:
            return self._stats(x.to(self.device))[0].float().cpu()
        finally:
            self._restore(was)

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        was = self._eval()
        try:
            return self._image(self.decoder(z.to(self.device))).float().cpu()
        finally:
            self._restore(was)

    # Explorer hooks (workbench.latent): the decoder network, a differentiable decode, the posterior and the
    # likelihood the model was trained with. They leave network modes alone: the caller sets eval mode.
    def decoder_network(self) -> nn.Module:
        """The network that maps a code to image logits."""
        return self.decoder

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images in [-1, 1] for codes z with the autograd graph kept (GAN inversion optimises z through it)."""
        return self._image(self.decoder(z.to(self.device))).float()

    @torch.no_grad()
    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x) for images in [-1, 1], on CPU."""
        was = self._eval()
        try:
            mu, logvar = self._stats(x.to(self.device))
            return mu.float().cpu(), logvar.float().cpu()
        finally:
            self._restore(was)

    @torch.no_grad()
    def reconstruction_nll(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """−log p(x|z) per image (N,) as the training loss measures it (bce or mse), on CPU."""
        was = self._eval()
        try:
            logits = self.decoder(z.to(self.device)).float()
            return reconstruction_loss(logits, x.to(self.device), self.settings.reconstruction).cpu()
        finally:
            self._restore(was)

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        return self.seeded_normal(n, self.latent_dim, seed)

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        return self.decode(self.prior_sample(n, seed=seed))

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Input and reconstruction side by side: rows of (input, reconstruction) pairs."""
        x = batch[0][:32].cpu()
        rec = self.decode(self.encode(x))
        pairs = torch.stack([x, rec], dim=1).flatten(0, 1)  # x0, r0, x1, r1, ...
        return {"reconstruction": pairs}
