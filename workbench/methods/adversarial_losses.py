"""The one table of adversarial losses: for each name of the vocabulary (`workbench.methods.fields`), D's (or the
critic's) loss and G's loss as small functions of D's raw outputs. Every adversarial method takes its losses
from here.

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
Against a label (the reference code of pix2pix and CycleGAN, for the losses that have a target, t = 1 for real
and 0 for fake): BCE(σ(l), t) for minimax / non-saturating, (l − t)² for least squares; there
  D:               ½·[loss(D(real), 1) + loss(D(fake), 0)]     (halved so D learns at half G's pace)
  G:               loss(D(G(x)), 1)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from workbench.methods.base import read_scalars
from workbench.methods.fields import ADVERSARIAL_LOSSES, PROBABILISTIC_LOSSES, WASSERSTEIN_LOSSES


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


# --- against a label ----------------------------------------------------------------------------------------------
def bce_against(out: torch.Tensor, real: bool) -> torch.Tensor:
    """BCE(σ(l), t), t = 1 for real and 0 for fake: softplus(−l) or softplus(l)."""
    return F.binary_cross_entropy_with_logits(out, torch.full_like(out, 1.0 if real else 0.0))


def squared_error_against(out: torch.Tensor, real: bool) -> torch.Tensor:
    """(l − t)², t = 1 for real and 0 for fake."""
    return F.mse_loss(out, torch.full_like(out, 1.0 if real else 0.0))


# --- by name ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdversarialLoss:
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (D's outputs on real, on generated)
    g_loss: Callable[[torch.Tensor], torch.Tensor]  # (D's outputs on generated)
    against: Callable[[torch.Tensor, bool], torch.Tensor] | None  # outputs against the label real (True) / fake


LOSSES: dict[str, AdversarialLoss] = {
    "minimax": AdversarialLoss(d_loss_bce, g_loss_minimax, bce_against),
    "non_saturating": AdversarialLoss(d_loss_bce, g_loss_non_saturating, bce_against),
    "wgan": AdversarialLoss(d_loss_wasserstein, g_loss_wasserstein, None),
    "wgan_gp": AdversarialLoss(d_loss_wasserstein, g_loss_wasserstein, None),
    "least_squares": AdversarialLoss(d_loss_least_squares, g_loss_least_squares, squared_error_against),
    "hinge": AdversarialLoss(d_loss_hinge, g_loss_hinge, None),
}
assert tuple(LOSSES) == ADVERSARIAL_LOSSES


def loss_named(kind: str) -> AdversarialLoss:
    if kind not in LOSSES:
        raise ValueError(f"unknown adversarial loss {kind!r}; valid: {', '.join(ADVERSARIAL_LOSSES)}")
    return LOSSES[kind]


def discriminator_loss(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """D's (or the critic's) loss for `kind`, without WGAN-GP's penalty (add `gradient_penalty` for that)."""
    return loss_named(kind).d_loss(out_real, out_fake)


def generator_loss(kind: str, out_fake: torch.Tensor) -> torch.Tensor:
    return loss_named(kind).g_loss(out_fake)


def _against(kind: str) -> Callable[[torch.Tensor, bool], torch.Tensor]:
    against = loss_named(kind).against
    if against is None:
        raise ValueError(f"adversarial loss {kind!r} has no per-label form; use minimax, non_saturating or "
                         "least_squares")
    return against


def halved_discriminator_loss(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """½·[loss(D(real), real) + loss(D(fake), fake)], as the reference code of pix2pix and CycleGAN."""
    against = _against(kind)
    return 0.5 * (against(out_real, True) + against(out_fake, False))


def generator_label_loss(kind: str, out_fake: torch.Tensor) -> torch.Tensor:
    """loss(D(G(x)), real): G wants its outputs called real (the non-saturating form)."""
    return _against(kind)(out_fake, True)


def output_diagnostic_tensors(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> dict[str, torch.Tensor]:
    """`output_diagnostics` as 0-dim tensors on D's device, not read (`workbench.methods.base.read_scalars`)."""
    loss_named(kind)
    real, fake = out_real.detach().float(), out_fake.detach().float()
    if kind in PROBABILISTIC_LOSSES:
        return {"d_real": torch.sigmoid(real).mean(), "d_fake": torch.sigmoid(fake).mean()}
    if kind == "least_squares":
        return {"d_real": real.mean(), "d_fake": fake.mean()}
    scalars = {"critic_real": real.mean(), "critic_fake": fake.mean()}
    if kind in WASSERSTEIN_LOSSES:
        scalars["wasserstein_estimate"] = wasserstein_estimate(real, fake)
    return scalars


def output_diagnostics(kind: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> dict[str, float]:
    """D's outputs on real and generated images, named for what they are.

    - minimax / non_saturating: `d_real`, `d_fake` = mean σ(logit), probabilities in [0, 1];
    - least_squares: `d_real`, `d_fake` = mean raw D output, which LSGAN regresses to 1 (real) and 0 (fake);
    - wgan / wgan_gp / hinge: `critic_real`, `critic_fake` = mean raw critic scores (unbounded), and for the
      Wasserstein losses `wasserstein_estimate` = E[f(x)] − E[f(G(z))].
    """
    return read_scalars(output_diagnostic_tensors(kind, out_real, out_fake))


def step_scalars(kind: str, losses: dict[str, torch.Tensor], out_real: torch.Tensor, out_fake: torch.Tensor,
                 grad_d: torch.Tensor | float, grad_g: torch.Tensor | float,
                 penalty: torch.Tensor | None = None) -> dict[str, float]:
    """What an adversarial step reports: its losses, D's outputs named for what they are (`output_diagnostics`),
    both gradient norms, and WGAN-GP's `gradient_penalty` when there is one; read from the device at once."""
    scalars: dict[str, torch.Tensor | float] = dict(losses)
    scalars.update(output_diagnostic_tensors(kind, out_real, out_fake), grad_norm_d=grad_d, grad_norm_g=grad_g)
    if penalty is not None:
        scalars["gradient_penalty"] = penalty
    return read_scalars(scalars)
