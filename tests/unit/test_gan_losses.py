"""Every adversarial loss against hand-computed values on fixed outputs (workbench/methods/adversarial_losses.py)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from workbench.methods import adversarial_losses as L


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


LOGITS_REAL = [0.0, 2.0]
LOGITS_FAKE = [-1.0, 3.0]


def t(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def test_bce_discriminator_loss_is_minus_log_d_real_minus_log_one_minus_d_fake():
    expected = -sum(math.log(_sigmoid(v)) for v in LOGITS_REAL) / 2 - sum(
        math.log(1 - _sigmoid(v)) for v in LOGITS_FAKE
    ) / 2
    # by hand: (0.693147 + 0.126928) / 2 + (0.313262 + 3.048587) / 2 = 0.410038 + 1.680925
    assert expected == pytest.approx(2.090963, abs=1e-6)
    assert L.d_loss_bce(t(LOGITS_REAL), t(LOGITS_FAKE)).item() == pytest.approx(expected, rel=1e-12)


def test_minimax_generator_loss_is_log_one_minus_d_fake():
    expected = sum(math.log(1 - _sigmoid(v)) for v in LOGITS_FAKE) / 2
    assert expected == pytest.approx(-1.680925, abs=1e-6)
    assert L.g_loss_minimax(t(LOGITS_FAKE)).item() == pytest.approx(expected, rel=1e-12)


def test_non_saturating_generator_loss_is_minus_log_d_fake():
    expected = -sum(math.log(_sigmoid(v)) for v in LOGITS_FAKE) / 2
    assert expected == pytest.approx(0.680925, abs=1e-6)
    assert L.g_loss_non_saturating(t(LOGITS_FAKE)).item() == pytest.approx(expected, rel=1e-12)


def test_minimax_saturates_where_non_saturating_does_not():
    """For a confidently rejected fake (logit −10) minimax's gradient vanishes, non-saturating's does not."""
    logit = torch.tensor([-10.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(L.g_loss_minimax(logit), logit)
    logit2 = torch.tensor([-10.0], requires_grad=True)
    (g_ns,) = torch.autograd.grad(L.g_loss_non_saturating(logit2), logit2)
    assert abs(g_mm.item()) < 1e-4 and abs(g_ns.item()) > 0.99


def test_wasserstein_losses_and_estimate():
    real, fake = t([1.0, 3.0]), t([-2.0, 0.0])
    assert L.d_loss_wasserstein(real, fake).item() == pytest.approx(-1.0 - 2.0)  # E[f(x̃)] − E[f(x)]
    assert L.g_loss_wasserstein(fake).item() == pytest.approx(1.0)  # −E[f(x̃)]
    assert L.wasserstein_estimate(real, fake).item() == pytest.approx(3.0)


def test_least_squares_losses():
    real, fake = t([0.5, 1.5]), t([0.0, 1.0])
    # D: ½·mean((0.5−1)², (1.5−1)²) + ½·mean((0−0)², (1−0)²) = ½·0.25 + ½·0.5
    assert L.d_loss_least_squares(real, fake).item() == pytest.approx(0.375)
    # G: ½·mean((0−1)², (1−1)²) = 0.25
    assert L.g_loss_least_squares(fake).item() == pytest.approx(0.25)
    # a–b–c coding is honoured: a = −1, b = 1 → ½·0.25 + ½·mean(1, 4)
    assert L.d_loss_least_squares(real, fake, a=-1.0, b=1.0).item() == pytest.approx(0.125 + 1.25)


def test_hinge_losses():
    real, fake = t([0.5, 2.0]), t([-2.0, 0.5])
    # D: mean(max(0, 0.5), max(0, −1)) + mean(max(0, −1), max(0, 1.5)) = 0.25 + 0.75
    assert L.d_loss_hinge(real, fake).item() == pytest.approx(1.0)
    assert L.g_loss_hinge(fake).item() == pytest.approx(0.75)


def test_gradient_penalty_of_a_linear_critic_is_norm_minus_one_squared():
    critic = nn.Linear(3, 1, bias=False).double()
    with torch.no_grad():
        critic.weight.copy_(t([[3.0, 0.0, 4.0]]))  # ∇f = w everywhere, ‖w‖ = 5
    real, fake = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    eps = torch.rand(4, 1, dtype=torch.float64)
    gp = L.gradient_penalty(lambda x: critic(x).squeeze(1), real, fake, eps)
    assert gp.item() == pytest.approx((5.0 - 1.0) ** 2)
    gp.backward()  # d/dw (‖w‖ − 1)² = 2(‖w‖ − 1)·w/‖w‖ = 1.6·w: the penalty trains the critic
    assert torch.allclose(critic.weight.grad, t([[4.8, 0.0, 6.4]]))


def test_gradient_penalty_on_images_flattens_per_sample():
    weights = torch.full((1, 2, 2), 0.25, dtype=torch.float64)  # ‖W‖ = √(4·0.0625) = 0.5
    real, fake = torch.randn(3, 1, 2, 2, dtype=torch.float64), torch.randn(3, 1, 2, 2, dtype=torch.float64)
    gp = L.gradient_penalty(lambda x: (x * weights).flatten(1).sum(1), real, fake, torch.rand(3, 1, 1, 1).double())
    assert gp.item() == pytest.approx((0.5 - 1.0) ** 2)


def test_gradient_penalty_is_taken_at_the_interpolate_weighted_towards_real_by_eps():
    def critic(x):  # f(x) = ½‖x‖², ∇f(x̂) = x̂
        return 0.5 * x.pow(2).sum(1)

    real, fake = t([[2.0, 0.0]]), t([[0.0, 0.0]])
    assert L.gradient_penalty(critic, real, fake, t([[0.25]])).item() == pytest.approx(0.25)  # x̂ = (0.5, 0)
    assert L.gradient_penalty(critic, real, fake, t([[1.0]])).item() == pytest.approx(1.0)  # x̂ = (2, 0)
    assert L.gradient_penalty(critic, real, fake, t([[0.5]])).item() == pytest.approx(0.0)  # ‖x̂‖ = 1


def test_clip_weights_keeps_every_parameter_in_range():
    net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    L.clip_weights_(net, 0.01)
    assert all(p.abs().max().item() <= 0.01 for p in net.parameters())


@pytest.mark.parametrize(
    ("kind", "d_fn", "g_fn"),
    [
        ("minimax", L.d_loss_bce, L.g_loss_minimax),
        ("non_saturating", L.d_loss_bce, L.g_loss_non_saturating),
        ("wgan", L.d_loss_wasserstein, L.g_loss_wasserstein),
        ("wgan_gp", L.d_loss_wasserstein, L.g_loss_wasserstein),
        ("least_squares", L.d_loss_least_squares, L.g_loss_least_squares),
        ("hinge", L.d_loss_hinge, L.g_loss_hinge),
    ],
)
def test_losses_by_name(kind, d_fn, g_fn):
    real, fake = t(LOGITS_REAL), t(LOGITS_FAKE)
    assert L.discriminator_loss(kind, real, fake).item() == d_fn(real, fake).item()
    assert L.generator_loss(kind, fake).item() == g_fn(fake).item()


def test_unknown_loss_names_the_valid_ones():
    with pytest.raises(ValueError, match="wgan_gp"):
        L.generator_loss("wasserstein", t([0.0]))


def test_output_diagnostics_are_named_for_what_they_are():
    real, fake = t(LOGITS_REAL), t(LOGITS_FAKE)
    probs = L.output_diagnostics("non_saturating", real, fake)
    assert probs["d_real"] == pytest.approx((_sigmoid(0.0) + _sigmoid(2.0)) / 2)
    assert probs["d_fake"] == pytest.approx((_sigmoid(-1.0) + _sigmoid(3.0)) / 2)
    assert L.output_diagnostics("least_squares", real, fake) == pytest.approx({"d_real": 1.0, "d_fake": 1.0})
    wgan = L.output_diagnostics("wgan", real, fake)
    assert wgan == pytest.approx({"critic_real": 1.0, "critic_fake": 1.0, "wasserstein_estimate": 0.0})
    assert set(L.output_diagnostics("hinge", real, fake)) == {"critic_real", "critic_fake"}
