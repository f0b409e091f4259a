"""Adversarial losses, each a small function of the discriminator's (or critic's) raw outputs.

Notation: l = D's raw output for one image (a logit for the probabilistic losses, a score for the others),
D(x) = σ(l) where D is a probability, softplus(t) = log(1 + eᵗ), x̃ = G(z). All losses are batch means and
are *minimised* by the network they belong to.

Original GAN (Goodfellow et al. 2014):
  D:              −log D(x) − log(1 − D(x̃))        = softplus(−l_real) + softplus(l_fake)
  G minimax:       log(1 − D(x̃))                   = −softplus(l_fake)      (flat when D rejects x̃)
  G non-sat.:     −log D(x̃)                         =  softplus(−l_fake)     (same fixed point, strong gradients)
WGAN (Arjovsky et al. 2017), critic f, weights clipped to [−c, c] after every critic update:
  critic:          E[f(x̃)] − E[f(x)]                (minimising it maximises the EM estimate below)
  G:              −E[f(x̃)]
  EM estimate:     E[f(x)] − E[f(x̃)]                (≈ W₁(P_r, P_g) up to the Lipschitz constant)
WGAN-GP (Gulrajani et al. 2017): the WGAN losses plus λ·E[(‖∇_x̂ f(x̂)‖₂ − 1)²] in the critic's loss,
  x̂ = ε·x + (1 − ε)·x̃,  ε ~ U[0, 1] per sample.
LSGAN (Mao et al. 2017), a–b–c coding with a = 0 (fake), b = 1 (real), c = 1 (what G wants D to say):
  D:               ½·E[(D(x) − b)²] + ½·E[(D(x̃) − a)²]
  G:               ½·E[(D(x̃) − c)²]
Hinge (Lim & Ye 2017; Miyato et al. 2018):
  D:               E[max(0, 1 − D(x))] + E[max(0, 1 + D(x̃))]
  G:              −E[D(x̃)]
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from workbench.methods.settings_gans import GAN_LOSSES, WASSERSTEIN_LOSSES

PROBABILISTIC_LOSSES = ("minimax", "non_saturating")  # D's output is a logit of a probability


# --- original GAN -------------------------------------------------------------------------------------------
def d_loss_bce(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """−log D(x) − log(1 − D(G(z))), D = σ(logit)."""
    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()


def g_loss_minimax(logits_fake: torch.Tensor) -> torch.Tensor:
    """log(1 − D(G(z))): the generator's side of the original minimax game."""
    return -F.softplus(logits_fake).mean()


def g_loss_non_saturating(logits_fake: torch.Tensor) -> torch.Tensor:
    """−log D(G(z)): the same fixed point as minimax, with strong gradients while D wins."""
    return F.softplus(-logits_fake).mean()


# --- Wasserstein ----------------------------------------------------------------------------------------------
def d_loss_wasserstein(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """E[f(G(z))] − E[f(x)]."""
    return critic_fake.mean() - critic_real.mean()


def g_loss_wasserstein(critic_fake: torch.Tensor) -> torch.Tensor:
    """−E[f(G(z))]."""
    return -critic_fake.mean()


def wasserstein_estimate(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """The critic's estimate of the Earth-mover distance, E[f(x)] − E[f(G(z))]."""
    return critic_real.mean() - critic_fake.mean()


def clip_weights_(module: nn.Module, c: float) -> None:
    """WGAN's Lipschitz constraint: clamp every parameter of `module` to [−c, c], in place."""
    with torch.no_grad():
        for p in module.parameters():
            p.clamp_(-c, c)


def interpolate(real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x̂ = ε·x + (1 − ε)·x̃, with ε broadcast per sample (shape N×1×…×1)."""
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    eps: torch.Tensor,
) -> torch.Tensor:
    """E[(‖∇_x̂ f(x̂)‖₂ − 1)²] at x̂ = ε·x + (1 − ε)·x̃, differentiable w.r.t. the critic's parameters."""
    x_hat = interpolate(real.detach(), fake.detach(), eps).requires_grad_(True)
    out = critic(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    return (norms - 1).pow(2).mean()


# --- least squares --------------------------------------------------------------------------------------------
def d_loss_least_squares(
    out_real: torch.Tensor, out_fake: torch.Tensor, a: float = 0.0, b: float = 1.0
) -> torch.Tensor:
    """½·E[(D(x) − b)²] + ½·E[(D(G(z)) − a)²]."""
    return 0.5 * (out_real - b).pow(2).mean() + 0.5 * (out_fake - a).pow(2).mean()


def g_loss_least_squares(out_fake: torch.Tensor, c: float = 1.0) -> torch.Tensor:
    """½·E[(D(G(z)) − c)²]."""
    return 0.5 * (out_fake - c).pow(2).mean()


# --- hinge ------------------------------------------------------------------------------------------------------
def d_loss_hinge(out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1 - out_real).mean() + F.relu(1 + out_fake).mean()


def g_loss_hinge(out_fake: torch.Tensor) -> torch.Tensor:
    """−E[D(G(z))]."""
    return -out_fake.mean()


# --- by name ------------------------------------------------------------------------------------------------------
_D_LOSSES = {
    "minimax": d_loss_bce,
    "non_saturating": d_loss_bce,
    "wgan": d_loss_wasserstein,
    "wgan_gp": d_loss_wasserstein,
    "least_squares": d_loss_least_squares,
    "hinge": d_loss_hinge,
}
_G_LOSSES = {
    "minimax": g_loss_minimax,
    "non_saturating": g_loss_non_saturating,
    "wgan": g_loss_wasserstein,
    "wgan_gp": g_loss_wasserstein,
    "least_squares": g_loss_least_squares,
    "hinge": g_loss_hinge,
}
assert set(_D_LOSSES) == set(_G_LOSSES) == set(GAN_LOSSES)


def _check(kind: str) -> None:
    if kind not in _D_LOSSES:
        raise ValueError(f"unknown adversarial loss {kind!r}; valid: {', '.join(GAN_LOSSES)}")


def discriminator_loss(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """D's (or the critic's) loss for `kind`, without WGAN-GP's penalty (add `gradient_penalty` for that)."""
    _check(kind)
    return _D_LOSSES[kind](out_real, out_fake)


def generator_loss(kind: str, out_fake: torch.Tensor) -> torch.Tensor:
    _check(kind)
    return _G_LOSSES[kind](out_fake)


def output_diagnostics(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> dict[str, float]:
    """D's outputs on real and generated images, named for what they are.

    - minimax / non_saturating: `d_real`, `d_fake` = mean σ(logit), probabilities in [0, 1];
    - least_squares: `d_real`, `d_fake` = mean raw D output, which LSGAN regresses to 1 (real) and 0 (fake);
    - wgan / wgan_gp / hinge: `critic_real`, `critic_fake` = mean raw critic scores (unbounded), and for the
      Wasserstein losses `wasserstein_estimate` = E[f(x)] − E[f(G(z))].
    """
    _check(kind)
    real, fake = out_real.detach().float(), out_fake.detach().float()
    if kind in PROBABILISTIC_LOSSES:
        return {"d_real": float(torch.sigmoid(real).mean()), "d_fake": float(torch.sigmoid(fake).mean())}
    if kind == "least_squares":
        return {"d_real": float(real.mean()), "d_fake": float(fake.mean())}
    scalars = {"critic_real": float(real.mean()), "critic_fake": float(fake.mean())}
    if kind in WASSERSTEIN_LOSSES:
        scalars["wasserstein_estimate"] = float(wasserstein_estimate(real, fake))
    return scalars
