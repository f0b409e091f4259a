"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation in both directions.

Networks, named as in the reference so that the recorded scalars read the same:
  G_AB  (the paper's G, the reference's netG_A): domain A → domain B, a ResNet generator;
  G_BA  (the paper's F, the reference's netG_B): domain B → domain A;
  D_A   (netD_A) judges domain-B images: real b against G_AB(a) — it is G_AB's adversary;
  D_B   (netD_B) judges domain-A images: real a against G_BA(b) — it is G_BA's adversary.
One step, generators first as the reference (LSGAN losses, ‖·‖₁ = mean absolute error):
  G:  (D_A(G_AB(a)) − 1)² + (D_B(G_BA(b)) − 1)²                              loss_g_gan_a, loss_g_gan_b
      + λ_cycle·‖G_BA(G_AB(a)) − a‖₁ + λ_cycle·‖G_AB(G_BA(b)) − b‖₁           loss_cycle_a, loss_cycle_b
      + λ_idt·λ_cycle·‖G_AB(b) − b‖₁ + λ_idt·λ_cycle·‖G_BA(a) − a‖₁           loss_idt_a, loss_idt_b (λ_idt > 0)
  D_A: ½·[(D_A(b) − 1)² + D_A(pool_B(G_AB(a)))²],  D_B: ½·[(D_B(a) − 1)² + D_B(pool_A(G_BA(b)))²]
The adversarial losses are `least_squares` against a label (`workbench.methods.adversarial_losses`). The pools
mix past fakes into D's batches; the learning rate of every network is constant until
decay_start·train.steps and then falls linearly to 0 at train.steps (the paper's 100 + 100 epochs).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import torch

from workbench.methods.adversarial_losses import generator_label_loss, halved_discriminator_loss
from workbench.methods.base import Batch, ImageToImageMethod, in_eval, set_requires_grad
from workbench.methods.image_pool import ImagePool
from workbench.methods.registry import register_method
from workbench.nets.patchgan import PatchGANDiscriminator, check_patchgan_fits
from workbench.nets.resnet_generator import ResNetGenerator

GAN_LOSS = "least_squares"
VISUAL_EXAMPLES = 4
POOL_SEED_OFFSETS = (2, 3)  # the pools' generators: seed + 2 (fake A), seed + 3 (fake B)


def l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference per pixel (the reference's nn.L1Loss, not a sum)."""
    return (output - target).abs().mean()


def cycle_loss(reconstruction: torch.Tensor, original: torch.Tensor, lambda_cycle: float) -> torch.Tensor:
    """λ_cycle·‖F(G(a)) − a‖₁: translating there and back should give the original image."""
    return lambda_cycle * l1(reconstruction, original)


def identity_loss(mapped: torch.Tensor, original: torch.Tensor, lambda_identity: float,
                  lambda_cycle: float) -> torch.Tensor:
    """λ_identity·λ_cycle·‖G(b) − b‖₁: an image already in G's target domain should pass unchanged."""
    return lambda_identity * lambda_cycle * l1(mapped, original)


def linear_decay(total_steps: int, decay_start: float) -> Callable[[int], float]:
    """LR factor after `t` completed steps: 1 until decay_start·total_steps, then linearly to 0 at total_steps."""
    start = decay_start * total_steps

    def factor(t: int) -> float:
        if t <= start:
            return 1.0
        return max(0.0, (total_steps - t) / (total_steps - start))

    return factor


@register_method("cyclegan")
class CycleGAN(ImageToImageMethod):
    loss_names = ("loss_d_a", "loss_d_b", "loss_g", "loss_g_gan_a", "loss_g_gan_b", "loss_cycle_a", "loss_cycle_b",
                  "loss_idt_a", "loss_idt_b")
    stateful = ("G_AB", "G_BA", "D_A", "D_B", "opt_g", "opt_d", "sched_g", "sched_d", "pool_fake_A", "pool_fake_B",
                "scaler_g", "scaler_d")
    directions: tuple[str, ...] = ("AtoB", "BtoA")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        check_patchgan_fits(s.d_layers, data_info.image_size)
        c = data_info.channels
        self.G_AB = ResNetGenerator(c, c, s.g_channels, s.residual_blocks, norm=s.norm).to(device)  # A → B
        self.G_BA = ResNetGenerator(c, c, s.g_channels, s.residual_blocks, norm=s.norm).to(device)  # B → A
        self.D_A = PatchGANDiscriminator(c, s.d_channels, s.d_layers, norm=s.norm).to(device)  # judges domain B
        self.D_B = PatchGANDiscriminator(c, s.d_channels, s.d_layers, norm=s.norm).to(device)  # judges domain A
        betas = (s.beta1, 0.999)
        generators = itertools.chain(self.G_AB.parameters(), self.G_BA.parameters())
        self.adversarial_optimizers(generators, itertools.chain(self.D_A.parameters(), self.D_B.parameters()),
                                    s.lr, s.lr, betas)
        decay = linear_decay(config.train.steps, s.decay_start)
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(self.opt_g, decay)
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(self.opt_d, decay)
        seed = config.train.seed
        self.pool_fake_A = ImagePool(s.pool_size, seed + POOL_SEED_OFFSETS[0], device)  # feeds D_B
        self.pool_fake_B = ImagePool(s.pool_size, seed + POOL_SEED_OFFSETS[1], device)  # feeds D_A
        self.size_multiple = self.G_AB.size_multiple

    def train_step(self, batch: Batch) -> dict[str, float]:
        real_a, real_b = self.on_device(batch)
        s = self.settings
        lr = self.opt_g.param_groups[0]["lr"]  # the rate this step's updates use

        # Generators: fool both discriminators, come back to the start, (optionally) leave the target domain alone.
        set_requires_grad(self.D_A, False)
        set_requires_grad(self.D_B, False)
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            fake_b = self.G_AB(real_a)
            rec_a = self.G_BA(fake_b)
            fake_a = self.G_BA(real_b)
            rec_b = self.G_AB(fake_a)
            if s.lambda_identity > 0:
                loss_idt_a = identity_loss(self.G_AB(real_b).float(), real_b, s.lambda_identity, s.lambda_cycle)
                loss_idt_b = identity_loss(self.G_BA(real_a).float(), real_a, s.lambda_identity, s.lambda_cycle)
            else:
                loss_idt_a = loss_idt_b = torch.zeros((), device=self.device)
            loss_g_gan_a = generator_label_loss(GAN_LOSS, self.D_A(fake_b).float())
            loss_g_gan_b = generator_label_loss(GAN_LOSS, self.D_B(fake_a).float())
            loss_cycle_a = cycle_loss(rec_a.float(), real_a, s.lambda_cycle)
            loss_cycle_b = cycle_loss(rec_b.float(), real_b, s.lambda_cycle)
            loss_g = loss_g_gan_a + loss_g_gan_b + loss_cycle_a + loss_cycle_b + loss_idt_a + loss_idt_b
        self.scaler_g.scale(loss_g).backward()
        self.scaler_g.step(self.opt_g)
        self.scaler_g.update()

        # Discriminators: real images of their domain against a pool-mixed batch of fakes.
        set_requires_grad(self.D_A, True)
        set_requires_grad(self.D_B, True)
        self.opt_d.zero_grad(set_to_none=True)
        pooled_b = self.pool_fake_B.query(fake_b)
        pooled_a = self.pool_fake_A.query(fake_a)
        with self.autocast():
            loss_d_a = halved_discriminator_loss(GAN_LOSS, self.D_A(real_b).float(), self.D_A(pooled_b).float())
            loss_d_b = halved_discriminator_loss(GAN_LOSS, self.D_B(real_a).float(), self.D_B(pooled_a).float())
        self.scaler_d.scale(loss_d_a + loss_d_b).backward()
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        self.sched_g.step()
        self.sched_d.step()
        return {
            "loss_d_a": loss_d_a.item(),
            "loss_d_b": loss_d_b.item(),
            "loss_g": loss_g.item(),
            "loss_g_gan_a": loss_g_gan_a.item(),
            "loss_g_gan_b": loss_g_gan_b.item(),
            "loss_cycle_a": loss_cycle_a.item(),
            "loss_cycle_b": loss_cycle_b.item(),
            "loss_idt_a": loss_idt_a.item(),
            "loss_idt_b": loss_idt_b.item(),
            "lr": lr,
        }

    def _generator(self, direction: str) -> tuple[torch.nn.Module, torch.nn.Module]:
        """(the network for `direction`, the one back)."""
        if direction == "AtoB":
            return self.G_AB, self.G_BA
        if direction == "BtoA":
            return self.G_BA, self.G_AB
        raise ValueError(f"direction must be one of {', '.join(self.directions)}, got {direction!r}")

    @torch.no_grad()
    def _eval_run(self, x: torch.Tensor, *nets: torch.nn.Module) -> torch.Tensor:
        """x through `nets` in turn, both generators in eval mode during the call; the result on CPU."""
        with in_eval(self.G_AB, self.G_BA):
            h = x.to(self.device)
            for net in nets:
                h = net(h)
            return h.float().cpu()

    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """G_AB(x) for "AtoB", G_BA(x) for "BtoA"."""
        there, _ = self._generator(direction)
        return self._eval_run(x, there)

    def cycle(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """The round trip: G_BA(G_AB(x)) for "AtoB", G_AB(G_BA(x)) for "BtoA"."""
        there, back = self._generator(direction)
        return self._eval_run(x, there, back)

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """cycle_A rows: real_A, fake_B, rec_A, idt_B = G_BA(real_A); cycle_B rows: real_B, fake_A, rec_B,
        idt_A = G_AB(real_B). The identity images are shown even when the identity loss is off."""
        real_a, real_b = batch[0][:VISUAL_EXAMPLES].cpu(), batch[1][:VISUAL_EXAMPLES].cpu()
        fake_b, fake_a = self.translate(real_a, "AtoB"), self.translate(real_b, "BtoA")
        rec_a, rec_b = self.translate(fake_b, "BtoA"), self.translate(fake_a, "AtoB")
        idt_b, idt_a = self.translate(real_a, "BtoA"), self.translate(real_b, "AtoB")
        return {
            "cycle_A": torch.stack([real_a, fake_b, rec_a, idt_b], dim=1).flatten(0, 1),
            "cycle_B": torch.stack([real_b, fake_a, rec_b, idt_a], dim=1).flatten(0, 1),
        }
