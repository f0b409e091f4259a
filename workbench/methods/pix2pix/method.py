"""Pix2Pix (Isola et al. 2017): paired image-to-image translation with a conditional GAN.

G is a U-Net that maps an input x (domain A, e.g. edges) to y (domain B, e.g. photos). D is a PatchGAN that
sees the pair (x, image) stacked along channels and scores each patch for "is this a real pair?", so it judges
whether the output fits this input, not only whether it looks like domain B. One step, as the reference (the
losses against a label of `workbench.methods.adversarial_losses`; ‖·‖₁ = mean absolute error per pixel):
  D: ½·[loss(D(x, y), real) + loss(D(x, G(x)), fake)]       (G(x) detached)
  G: loss(D(x, G(x)), real) + λ·‖y − G(x)‖₁                  (L1 gets the low frequencies right, D the texture)
The only noise is dropout in G's decoder, drawn from the method's saved generator.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.methods.adversarial_losses import generator_label_loss, halved_discriminator_loss, step_scalars
from workbench.methods.base import (
    ADVERSARIAL_STATE,
    Batch,
    ImageToImageMethod,
    in_eval,
    optimizer_step,
    set_requires_grad,
)
from workbench.methods.registry import register_method
from workbench.nets.patchgan import PatchGANDiscriminator, check_patchgan_fits
from workbench.nets.unet import UNetGenerator

VISUAL_EXAMPLES = 8


@register_method("pix2pix")
class Pix2Pix(ImageToImageMethod):
    loss_names = ("loss_d", "loss_g", "loss_g_gan", "loss_g_l1")
    stateful = ADVERSARIAL_STATE
    directions: tuple[str, ...] = ("AtoB",)

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        check_patchgan_fits(s.d_layers, data_info.image_size)
        c = data_info.channels
        self.G = UNetGenerator(c, c, data_info.image_size, s.g_channels, norm=s.norm, dropout=s.dropout).to(device)
        self.G.use_noise(self.noise)
        self.D = PatchGANDiscriminator(2 * c, s.d_channels, s.d_layers, norm=s.norm).to(device)  # sees (x, y)
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr, s.lr, (s.beta1, 0.999))
        self.size_multiple = self.G.size_multiple

    def train_step(self, batch: Batch) -> dict[str, float]:
        x, y = self.on_device(batch)
        kind = self.settings.gan_loss

        # D: real pairs (x, y) against fake pairs (x, G(x)).
        set_requires_grad(self.D, True)
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            fake = self.G(x)
            out_fake = self.D(torch.cat([x, fake.detach()], dim=1)).float()
            out_real = self.D(torch.cat([x, y], dim=1)).float()
            loss_d = halved_discriminator_loss(kind, out_real, out_fake)
        grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)

        # G: make the updated D call (x, G(x)) real, and stay close to y.
        set_requires_grad(self.D, False)
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            out_gen = self.D(torch.cat([x, fake], dim=1)).float()
            loss_g_gan = generator_label_loss(kind, out_gen)
            loss_g_l1 = self.settings.lambda_l1 * (fake.float() - y).abs().mean()
            loss_g = loss_g_gan + loss_g_l1
        grad_g = optimizer_step(loss_g, self.opt_g, self.scaler_g, self.G)
        set_requires_grad(self.D, True)

        losses = {"loss_d": loss_d, "loss_g": loss_g, "loss_g_gan": loss_g_gan, "loss_g_l1": loss_g_l1}
        return step_scalars(kind, losses, out_real, out_fake, grad_d, grad_g)

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """G(x) in eval mode (no dropout, batch norm's running statistics), on CPU."""
        if direction not in self.directions:
            raise ValueError(f"pix2pix translates in one direction only ('AtoB'), got {direction!r}")
        with in_eval(self.G):
            return self.G(x.to(self.device)).float().cpu()

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One row per example: input x, output G(x), target y."""
        x, y = batch[0][:VISUAL_EXAMPLES].cpu(), batch[1][:VISUAL_EXAMPLES].cpu()
        out = self.translate(x)
        return {"translation": torch.stack([x, out, y], dim=1).flatten(0, 1)}
