"""Pix2Pix (Isola et al. 2017): paired image-to-image translation with a conditional GAN.

G is a U-Net that maps an input x (domain A, e.g. edges) to y (domain B, e.g. photos). D is a PatchGAN that
sees the pair (x, image) stacked along channels and scores each patch for "is this a real pair?", so it judges
whether the output fits this input, not only whether it looks like domain B. One step, as the reference:
  D: ½·[loss(D(x, y), real) + loss(D(x, G(x)), fake)]       (G(x) detached)
  G: loss(D(x, G(x)), real) + λ·‖y − G(x)‖₁                  (L1 gets the low frequencies right, D the texture)
The only noise is dropout in G's decoder, drawn from the method's saved generator.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.methods.base import Batch, MethodBase, gradient_norm
from workbench.methods.registry import register_method
from workbench.methods.translation_losses import (
    discriminator_loss,
    generator_adversarial_loss,
    l1,
    output_diagnostics,
    set_requires_grad,
)
from workbench.nets.patchgan import PatchGANDiscriminator, check_patchgan_fits
from workbench.nets.unet import UNetGenerator

VISUAL_EXAMPLES = 8


@register_method("pix2pix")
class Pix2Pix(MethodBase):
    loss_names = ("loss_d", "loss_g", "loss_g_gan", "loss_g_l1")
    stateful = ("G", "D", "opt_g", "opt_d", "scaler_g", "scaler_d")
    directions: tuple[str, ...] = ("AtoB",)

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        check_patchgan_fits(s.d_layers, data_info.image_size)
        c = data_info.channels
        self.G = UNetGenerator(c, c, data_info.image_size, s.g_channels, norm=s.norm, dropout=s.dropout).to(device)
        self.G.use_noise(self.noise)
        self.D = PatchGANDiscriminator(2 * c, s.d_channels, s.d_layers, norm=s.norm).to(device)  # sees (x, y)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=s.lr, betas=(s.beta1, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=s.lr, betas=(s.beta1, 0.999))
        self.scaler_g = self.grad_scaler()
        self.scaler_d = self.grad_scaler()
        self.size_multiple = self.G.size_multiple

    def train_step(self, batch: Batch) -> dict[str, float]:
        x = batch[0].to(self.device, non_blocking=True)
        y = batch[1].to(self.device, non_blocking=True)
        kind = self.settings.gan_loss

        # D: real pairs (x, y) against fake pairs (x, G(x)).
        set_requires_grad(self.D, True)
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            fake = self.G(x)
            out_fake = self.D(torch.cat([x, fake.detach()], dim=1)).float()
            out_real = self.D(torch.cat([x, y], dim=1)).float()
            loss_d = discriminator_loss(kind, out_real, out_fake)
        self.scaler_d.scale(loss_d).backward()
        self.scaler_d.unscale_(self.opt_d)
        grad_d = gradient_norm(self.D)
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        # G: make the updated D call (x, G(x)) real, and stay close to y.
        set_requires_grad(self.D, False)
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            out_gen = self.D(torch.cat([x, fake], dim=1)).float()
            loss_g_gan = generator_adversarial_loss(kind, out_gen)
            loss_g_l1 = self.settings.lambda_l1 * l1(fake.float(), y)
            loss_g = loss_g_gan + loss_g_l1
        self.scaler_g.scale(loss_g).backward()
        self.scaler_g.unscale_(self.opt_g)
        grad_g = gradient_norm(self.G)
        self.scaler_g.step(self.opt_g)
        self.scaler_g.update()
        set_requires_grad(self.D, True)

        return {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "loss_g_gan": loss_g_gan.item(),
            "loss_g_l1": loss_g_l1.item(),
            **output_diagnostics(kind, out_real, out_fake),
            "grad_norm_d": grad_d,
            "grad_norm_g": grad_g,
        }

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """G(x) in eval mode (no dropout, batch norm's running statistics), on CPU."""
        if direction not in self.directions:
            raise ValueError(f"pix2pix translates in one direction only ('AtoB'), got {direction!r}")
        was_training = self.G.training
        self.G.eval()
        try:
            return self.G(x.to(self.device)).float().cpu()
        finally:
            self.G.train(was_training)

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One row per example: input x, output G(x), target y."""
        x, y = batch[0][:VISUAL_EXAMPLES].cpu(), batch[1][:VISUAL_EXAMPLES].cpu()
        out = self.translate(x)
        return {"translation": torch.stack([x, out, y], dim=1).flatten(0, 1)}
