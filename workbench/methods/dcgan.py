"""DCGAN with a selectable generator loss (Goodfellow et al. 2014; Radford et al. 2016).

D outputs a logit l, D(x) = σ(l). With softplus(t) = log(1 + eᵗ):
  D loss        = −log D(x) − log(1 − D(G(z)))      = softplus(−l_real) + softplus(l_fake)
  G minimax     =  log(1 − D(G(z)))                  = −softplus(l_fake)   (saturates when D wins)
  G non-sat.    = −log D(G(z))                       =  softplus(−l_fake)  (strong gradients early on)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from workbench.methods.base import Batch, MethodBase, gradient_norm
from workbench.methods.registry import register_method
from workbench.nets.dcgan import DCGANDiscriminator, DCGANGenerator


def discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()


def generator_loss(logits_fake: torch.Tensor, kind: str) -> torch.Tensor:
    if kind == "minimax":
        return -F.softplus(logits_fake).mean()
    if kind == "non_saturating":
        return F.softplus(-logits_fake).mean()
    raise ValueError(f"unknown generator loss {kind!r}")


@register_method("dcgan")
class DCGAN(MethodBase):
    loss_names = ("loss_d", "loss_g")
    stateful = ("G", "D", "opt_g", "opt_d", "scaler_g", "scaler_d")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.latent_dim = s.latent_dim
        self.G = DCGANGenerator(s.latent_dim, data_info.channels, data_info.image_size, s.g_channels).to(device)
        self.D = DCGANDiscriminator(data_info.channels, data_info.image_size, s.d_channels).to(device)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=s.lr_g, betas=(s.beta1, s.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=s.lr_d, betas=(s.beta1, s.beta2))
        self.scaler_g = self.grad_scaler()
        self.scaler_d = self.grad_scaler()

    def train_step(self, batch: Batch) -> dict[str, float]:
        real = batch[0].to(self.device, non_blocking=True)
        z = self.randn(real.shape[0], self.latent_dim)

        # D: push D(x) up and D(G(z)) down.
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            fake = self.G(z)
            logits_real = self.D(real)
            logits_fake = self.D(fake.detach())
            loss_d = discriminator_loss(logits_real.float(), logits_fake.float())
        self.scaler_d.scale(loss_d).backward()
        self.scaler_d.unscale_(self.opt_d)
        grad_d = gradient_norm(self.D)
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        # G: fool the updated D.
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            logits_gen = self.D(fake)
            loss_g = generator_loss(logits_gen.float(), self.settings.g_loss)
        self.scaler_g.scale(loss_g).backward()
        self.scaler_g.unscale_(self.opt_g)
        grad_g = gradient_norm(self.G)
        self.scaler_g.step(self.opt_g)
        self.scaler_g.update()

        return {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": float(torch.sigmoid(logits_real.detach().float()).mean()),
            "d_fake": float(torch.sigmoid(logits_fake.detach().float()).mean()),
            "grad_norm_d": grad_d,
            "grad_norm_g": grad_g,
        }

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        was_training = self.G.training
        self.G.eval()
        try:
            return self.G(z.to(self.device)).float().cpu()
        finally:
            self.G.train(was_training)

    def decoder_network(self) -> torch.nn.Module:
        """The generator (explorer hook)."""
        return self.G

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G(z) with the autograd graph kept (explorer hook for GAN inversion; modes are the caller's)."""
        return self.G(z.to(self.device)).float()

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        return self.seeded_normal(n, self.latent_dim, seed)

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        return self.decode(self.prior_sample(n, seed=seed))

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"real": batch[0][:16].cpu()}
