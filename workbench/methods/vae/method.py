"""Convolutional VAE (Kingma & Welling 2014) with β weighting of the KL term (Higgins et al. 2017).

  q(z|x) = N(μ(x), diag σ²(x)),  z = μ + σ ⊙ ε,  ε ~ N(0, I)      (reparameterisation)
  KL(q ‖ N(0, I)) = ½ Σ (μ² + σ² − log σ² − 1)                      (per image, summed over dimensions)
  loss = reconstruction + β · KL                                    (per image, averaged over the batch)
Reconstruction is a Bernoulli log-likelihood on pixels in [0, 1] (bce) or a unit-variance Gaussian (mse).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from workbench.methods.autoencoder_common import (
    GaussianViews,
    gaussian_kl,
    reconstruction_loss,
    reconstruction_visuals,
)
from workbench.methods.base import Batch, MethodBase, gradient_norm
from workbench.methods.registry import register_method
from workbench.nets.conv_vae import ConvDecoder, ConvEncoder


@register_method("vae")
class VAE(GaussianViews, MethodBase):
    """encode, decode, the posterior and the likelihood: GaussianViews."""

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

    def gaussian(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.encoder(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def train_step(self, batch: Batch) -> dict[str, float]:
        x = self.on_device(batch[:1])[0]
        self.opt.zero_grad(set_to_none=True)
        with self.autocast():
            mu, logvar = self.gaussian(x)
            z = mu + torch.exp(0.5 * logvar) * self.randn(*mu.shape)
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

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        return reconstruction_visuals(self, batch)
