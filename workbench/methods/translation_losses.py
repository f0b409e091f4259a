"""Losses of the image-to-image translation methods (pix2pix, CycleGAN), as in pytorch-CycleGAN-and-pix2pix.

D's output is a map of patch logits (PatchGAN); every loss is a mean over the batch and the whole map.
Notation: l = one patch's raw output, σ = sigmoid, target t = 1 for "real" and 0 for "fake".
  vanilla (pix2pix paper):  BCE(σ(l), t) = softplus(−l) if t = 1, softplus(l) if t = 0
  lsgan   (CycleGAN paper): (l − t)²
  D:      ½·[loss(D(real), 1) + loss(D(fake), 0)]   (halved so D learns at half G's pace, as the reference)
  G adv.: loss(D(G(x)), 1)                           (the non-saturating form for vanilla)
  L1 (pix2pix):        λ·‖y − G(x)‖₁
  cycle (CycleGAN):    λ_cycle·‖F(G(a)) − a‖₁, and λ_cycle·‖G(F(b)) − b‖₁
  identity (CycleGAN): λ_identity·λ_cycle·‖G(b) − b‖₁, and the same for F(a) against a
Note ‖·‖₁ here is the mean absolute error per pixel (the reference's nn.L1Loss), not a sum.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

TRANSLATION_GAN_LOSSES = ("vanilla", "lsgan")


def gan_loss(kind: str, out: torch.Tensor, target_is_real: bool) -> torch.Tensor:
    """The adversarial loss of D's raw outputs `out` against the label 1 (real) or 0 (fake)."""
    target = torch.full_like(out, 1.0 if target_is_real else 0.0)
    if kind == "vanilla":
        return F.binary_cross_entropy_with_logits(out, target)
    if kind == "lsgan":
        return F.mse_loss(out, target)
    raise ValueError(f"unknown adversarial loss {kind!r}; valid: {', '.join(TRANSLATION_GAN_LOSSES)}")


def discriminator_loss(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """½·[loss(D(real), 1) + loss(D(fake), 0)]."""
    return 0.5 * (gan_loss(kind, out_real, True) + gan_loss(kind, out_fake, False))


def generator_adversarial_loss(kind: str, out_fake: torch.Tensor) -> torch.Tensor:
    """loss(D(G(x)), 1): G wants its outputs called real."""
    return gan_loss(kind, out_fake, True)


def l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference per pixel."""
    return (output - target).abs().mean()


def cycle_loss(reconstruction: torch.Tensor, original: torch.Tensor, lambda_cycle: float) -> torch.Tensor:
    """λ_cycle·‖F(G(a)) − a‖₁: translating there and back should give the original image."""
    return lambda_cycle * l1(reconstruction, original)


def identity_loss(mapped: torch.Tensor, original: torch.Tensor, lambda_identity: float,
                  lambda_cycle: float) -> torch.Tensor:
    """λ_identity·λ_cycle·‖G(b) − b‖₁: an image already in G's target domain should pass unchanged."""
    return lambda_identity * lambda_cycle * l1(mapped, original)


def output_diagnostics(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> dict[str, float]:
    """D's mean verdict on real and generated pairs: σ(logit) for vanilla (a probability), the raw output for
    lsgan (which it regresses to 1 for real and 0 for fake)."""
    real, fake = out_real.detach().float(), out_fake.detach().float()
    if kind == "vanilla":
        real, fake = torch.sigmoid(real), torch.sigmoid(fake)
    return {"d_real": float(real.mean()), "d_fake": float(fake.mean())}


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    """Freeze a discriminator while its generator's loss is minimised: D's gradients from that loss would only
    be computed to be thrown away (the reference does the same)."""
    for p in module.parameters():
        p.requires_grad_(flag)
