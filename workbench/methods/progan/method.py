"""Progressive GAN (Karras et al. 2018): grow G and D from 4×4 to the image size with smooth fade-in.

Schedule (a pure function of the method's step counter, `progressive_phase`): `stable_steps` at 4×4, then for
each next resolution `fade_steps` during which α = t / fade_steps ramps from 0 towards 1, then `stable_steps`
at α = 1; after the last resolution's fade the run stays there. During a fade the new block's output is
blended with the (nearest-)upsampled output of the previous resolution in G, the (average-)downsampled input
goes through the previous fromRGB in D, and the real images are blended the same way (workbench/nets/
progressive.py), so D never sees a sharper real than fake.

Loss: WGAN-GP as in the paper, with the drift term that keeps the critic's outputs near zero,
  L_D = E[D(G(z))] − E[D(x)] + λ·E[(‖∇D(x̂)‖₂ − 1)²] + ε_drift·E[D(x)²],   L_G = −E[D(G(z))],
Adam(lr 1e-3, β = (0, 0.99)), n_critic = 1, pixel norm, minibatch standard deviation, equalized learning rate.
As in the paper's implementation (reset_opt_for_new_lod) Adam's moments are reset when a resolution starts
fading in and when its fade ends (`reset_optimizer`). Samples come from an exponential moving average of G's
weights (`ema_decay`, warmed up at each new resolution), as the paper's figures do. Not implemented: the
paper's per-resolution batch sizes. With n_critic = 1 and these small networks the reported
`wasserstein_estimate` is often negative (G moves its samples past the reals between critic updates); on 8×8
digits n_critic = 5 kept it positive (about 2) at several times the cost per step.

Scalars per step include `resolution` and `alpha` (those the step trained at), `wasserstein_estimate`,
`gradient_penalty`, `critic_real`, `critic_fake`. `sample`/`decode` return images at the current resolution
and α, upsampled (nearest) to the final image size so grids stay comparable over the run.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F

from workbench.methods.adversarial_losses import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    step_scalars,
)
from workbench.methods.base import ADVERSARIAL_STATE, Batch, MethodBase, optimizer_step, require_images
from workbench.methods.registry import register_method
from workbench.nets.progressive import ProgressiveDiscriminator, ProgressiveGenerator, levels_for, real_at_level

LOSS = "wgan_gp"  # of workbench.methods.adversarial_losses, with the drift term added to the critic's loss


def progressive_phase(step: int, levels: int, fade_steps: int, stable_steps: int) -> tuple[int, float]:
    """(level, α) for training step `step` (0-based): level 0 = 4×4, resolution = 4·2^level."""
    if step < stable_steps or levels == 1:
        return 0, 1.0
    t = step - stable_steps
    level, within = divmod(t, fade_steps + stable_steps)
    level += 1
    if level >= levels:
        return levels - 1, 1.0
    return level, (within / fade_steps if within < fade_steps else 1.0)


@register_method("progan")
class ProGAN(MethodBase):
    loss_names = ("loss_d", "loss_g")
    stateful = ADVERSARIAL_STATE

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        require_images(data_info, "progan")
        s = self.settings
        self.latent_dim = s.latent_dim
        self.image_size = data_info.image_size
        self.levels = levels_for(data_info.image_size)
        self.G = ProgressiveGenerator(
            s.latent_dim, data_info.channels, data_info.image_size, s.channels,
            use_pixel_norm=s.pixel_norm, equalized=s.equalized_lr,
        ).to(device)
        self.D = ProgressiveDiscriminator(
            data_info.channels, data_info.image_size, s.channels,
            use_stddev=s.minibatch_stddev, stddev_group=s.stddev_group, equalized=s.equalized_lr,
        ).to(device)
        # The sampling copy of G: an exponential moving average of its weights (None: sample from G itself).
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if s.ema_decay > 0 else None
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr, s.lr, (s.beta1, s.beta2))
        self.progress = 0  # training steps taken: the schedule position

    def phase(self, step: int | None = None) -> tuple[int, float]:
        """(level, α) at `step` (default: the next step to train)."""
        s = self.settings
        return progressive_phase(self.progress if step is None else step, self.levels, s.fade_steps, s.stable_steps)

    def _stage(self, step: int) -> tuple[int, bool]:
        level, alpha = self.phase(step)
        return level, alpha < 1.0

    def train_step(self, batch: Batch) -> dict[str, float]:
        s = self.settings
        level, alpha = self.phase()
        if s.reset_optimizer and self.progress > 0 and self._stage(self.progress) != self._stage(self.progress - 1):
            self.opt_g.state.clear()
            self.opt_d.state.clear()
        real = real_at_level(self.on_device(batch[:1])[0], level, alpha)
        n = real.shape[0]

        for i in range(s.n_critic):
            last = i == s.n_critic - 1
            z = self.randn(n, self.latent_dim)
            self.opt_d.zero_grad(set_to_none=True)
            with self.autocast():
                if last:  # the generator update reuses this graph
                    fake = self.G(z, level, alpha)
                else:
                    with torch.no_grad():
                        fake = self.G(z, level, alpha)
                out_real = self.D(real, level, alpha).float()
                out_fake = self.D(fake.detach(), level, alpha).float()
            eps = torch.rand(n, 1, 1, 1, generator=self.noise, device=self.device)
            with torch.autocast(device_type=self.device.type, enabled=False):  # double backward in float32
                penalty = gradient_penalty(
                    lambda x: self.D(x, level, alpha).float(), real.float(), fake.detach().float(), eps
                )
            loss_d = (discriminator_loss(LOSS, out_real, out_fake) + s.gp_weight * penalty
                      + s.drift * out_real.pow(2).mean())
            grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)

        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            loss_g = generator_loss(LOSS, self.D(fake, level, alpha).float())
        grad_g = optimizer_step(loss_g, self.opt_g, self.scaler_g, self.G)
        if self.G_ema is not None:
            self._update_ema(level)
        self.progress += 1

        scalars = step_scalars(LOSS, {"loss_d": loss_d, "loss_g": loss_g}, out_real, out_fake, grad_d, grad_g, penalty)
        return {**scalars, "resolution": float(4 * 2**level), "alpha": float(alpha)}

    def _update_ema(self, level: int) -> None:
        """G_ema ← β·G_ema + (1 − β)·G with β = min(ema_decay, (1 + t) / (10 + t)), t = steps since `level` began
        (TensorFlow's ExponentialMovingAverage warm-up): the average follows quickly while a block is new instead
        of lagging behind on its initial weights."""
        s = self.settings
        start = 0 if level == 0 else s.stable_steps + (level - 1) * (s.fade_steps + s.stable_steps)
        t = self.progress - start
        beta = min(s.ema_decay, (1 + t) / (10 + t))
        with torch.no_grad():
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
                p_ema.lerp_(p, 1.0 - beta)

    # --- latent capabilities -------------------------------------------------------------------------------------
    def _full_size(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] == self.image_size:
            return images
        return F.interpolate(images, size=(self.image_size, self.image_size), mode="nearest")

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images at the current resolution and α, upsampled (nearest) to the final size, in [-1, 1], from the
        weight average of G when `ema_decay` > 0."""
        level, alpha = self.phase(max(self.progress - 1, 0))  # what the last step trained
        G = self.G_ema if self.G_ema is not None else self.G
        images = G(z.to(self.device), level, alpha).float()
        return self._full_size(images).clamp(-1, 1).cpu()

    def decoder_network(self) -> torch.nn.Module:
        """The generator `decode` uses: the weight average when `ema_decay` > 0 (explorer hook)."""
        return self.G_ema if self.G_ema is not None else self.G

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """`decode` with the autograd graph kept (explorer hook for GAN inversion; modes are the caller's)."""
        level, alpha = self.phase(max(self.progress - 1, 0))
        images = self.decoder_network()(z.to(self.device), level, alpha).float()
        return self._full_size(images).clamp(-1, 1)

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The real images as D sees them now (current resolution, blended during a fade), at full size."""
        level, alpha = self.phase(max(self.progress - 1, 0))
        return {"real_at_resolution": self._full_size(real_at_level(batch[0][:16].float(), level, alpha)).cpu()}

    # --- checkpoints -----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        level, alpha = self.phase()
        return {
            **super().state_dict(),
            "G_ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            # The schedule position; level and α of the next step are derived from it (kept for readers).
            "phase": {"progress": self.progress, "next_level": level, "next_alpha": alpha},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state["G_ema"] if state.get("G_ema") else state["G"])
        self.progress = int(state["phase"]["progress"])
