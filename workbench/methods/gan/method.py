"""GAN with a selectable adversarial loss on the DCGAN architecture.

Losses (formulas in workbench/methods/adversarial_losses.py): minimax and non-saturating (Goodfellow et al. 2014),
WGAN with weight clipping (Arjovsky et al. 2017), WGAN-GP (Gulrajani et al. 2017), least squares (Mao et al.
2017), hinge. One training step is n_critic discriminator/critic updates followed by one generator update:

  repeat n_critic times:   z ~ N(0, I);  minimise L_D(D(x), D(G(z)))   [+ λ·GP for wgan_gp]
                           [wgan: clip every critic weight to [−c, c]]
  then:                    minimise L_G(D(G(z))) with the last critic iteration's z

Every critic iteration reuses the step's real batch with fresh noise (the papers draw a fresh real batch
each time; the training loop hands a method one batch per step). With optimizer = paper, each loss trains with
its paper's optimizer (RMSprop 5e-5 for wgan, Adam(1e-4, β = (0, 0.9)) for wgan_gp, Adam(2e-4, β = (0.5,
0.999)) otherwise) and n_critic = 0 means the paper's 5 for the Wasserstein losses, 1 otherwise. WGAN-GP's
critic has no batch norm (layer norm by default, or none): the penalty is per sample.

Scalars per step: loss_d (including the penalty), loss_g, grad_norm_d, grad_norm_g, and D's outputs named for
what they are (see `adversarial_losses.output_diagnostics`): d_real/d_fake probabilities (minimax, non-saturating),
d_real/d_fake raw LSGAN outputs, critic_real/critic_fake raw scores (wgan, wgan_gp, hinge); the Wasserstein
losses add `wasserstein_estimate` = E[f(x)] − E[f(G(z))] and wgan_gp adds `gradient_penalty`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from workbench.methods.adversarial_losses import (
    clip_weights_,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    step_scalars,
)
from workbench.methods.base import (
    ADVERSARIAL_STATE,
    Batch,
    MethodBase,
    in_eval,
    optimizer_step_tensor,
    require_images,
    set_requires_grad,
)
from workbench.methods.gan import ResolvedAdversarial
from workbench.methods.registry import register_method
from workbench.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from workbench.nets.dcgan_variants import with_critic_norm


@register_method("gan")
class GAN(MethodBase):
    loss_names = ("loss_d", "loss_g")
    stateful = ADVERSARIAL_STATE

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        require_images(data_info, self.method_name)
        s = self.settings
        self.plan = self.training_plan()
        self.loss = self.adversarial_loss()
        self.latent_dim = s.latent_dim
        self.G, self.D = self.build_networks(data_info)
        self.G.to(device)
        self.D.to(device)
        plan = self.plan
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), plan.lr_g, plan.lr_d,
                                    (plan.beta1, plan.beta2), rmsprop=plan.optimizer == "rmsprop")

    # --- hooks the variants override (dcgan, conditional_gan) ---------------------------------------------------
    def training_plan(self) -> ResolvedAdversarial:
        """Optimizer, learning rates, critic steps and D's normalisation, after `paper` / `auto` / 0 are resolved."""
        return self.settings.resolved()

    def adversarial_loss(self) -> str:
        """The loss's name in workbench.methods.adversarial_losses."""
        return self.settings.loss

    def build_networks(self, info: Any) -> tuple[nn.Module, nn.Module]:
        s = self.settings
        G = DCGANGenerator(s.latent_dim, info.channels, info.image_size, s.g_channels)
        D = with_critic_norm(DCGANDiscriminator(info.channels, info.image_size, s.d_channels), self.plan.d_norm)
        return G, D

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.G(z)

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.D(x)

    def training_labels(self, labels: torch.Tensor) -> torch.Tensor | None:
        return None

    # --- training ------------------------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, float]:
        real = self.on_device(batch[:1])[0]
        labels = self.training_labels(batch[1])
        n = real.shape[0]
        penalty = None
        for i in range(self.plan.n_critic):
            last = i == self.plan.n_critic - 1
            z = self.randn(n, self.latent_dim)
            self.opt_d.zero_grad(set_to_none=True)
            with self.autocast():
                if last:  # keep this one's graph: the generator update below reuses it
                    fake = self.generate(z, labels)
                else:
                    with torch.no_grad():
                        fake = self.generate(z, labels)
                out_real = self.critic(real, labels).float()
                out_fake = self.critic(fake.detach(), labels).float()
                loss_d = discriminator_loss(self.loss, out_real, out_fake)
            if self.loss == "wgan_gp":
                eps = torch.rand(n, 1, 1, 1, generator=self.noise, device=self.device)
                with torch.autocast(device_type=self.device.type, enabled=False):  # double backward in float32
                    penalty = gradient_penalty(
                        lambda x: self.critic(x, labels).float(), real.float(), fake.detach().float(), eps
                    )
                loss_d = loss_d + self.settings.gp_weight * penalty
            grad_d = optimizer_step_tensor(loss_d, self.opt_d, self.scaler_d, self.D)
            if self.loss == "wgan":
                clip_weights_(self.D, self.settings.clip)

        self.opt_g.zero_grad(set_to_none=True)
        # D frozen for G's loss: D's weight gradients from it would only be thrown away (the next D update starts
        # from fresh ones), and computing them is a fifth of this backward pass for a 64×64 DCGAN.
        set_requires_grad(self.D, False)
        try:
            with self.autocast():
                loss_g = generator_loss(self.loss, self.critic(fake, labels).float())
            grad_g = optimizer_step_tensor(loss_g, self.opt_g, self.scaler_g, self.G)
        finally:
            set_requires_grad(self.D, True)

        losses = {"loss_d": loss_d, "loss_g": loss_g}
        return step_scalars(self.loss, losses, out_real, out_fake, grad_d, grad_g, penalty)

    # --- latent capabilities -------------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        with in_eval(self.G):
            return self.generate(z.to(self.device), None).float().cpu()

    def decoder_network(self) -> nn.Module:
        """The generator (explorer hook)."""
        return self.G

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G(z[, y]) with the autograd graph kept (explorer hook for GAN inversion; modes are the caller's)."""
        if labels is not None:
            labels = labels.to(self.device)
        return self.generate(z.to(self.device), labels).float()

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"real": batch[0][:16].cpu()}
