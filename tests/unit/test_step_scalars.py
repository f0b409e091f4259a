"""How a training step measures and reports itself: the gradient norm over all parameters, the step's scalars read
from the device at once, a GAN's generator update that leaves D's gradients alone, and the allocator setting the
training loop makes (workbench/methods/base.py, adversarial_losses.py, gan/method.py, training/allocator.py)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods import adversarial_losses as L
from workbench.methods.base import gradient_norm, gradient_norm_tensor, optimizer_step, read_scalars
from workbench.methods.dcgan import DCGANSettings
from workbench.training.allocator import keep_freed_memory
from workbench.training.session import TrainingSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def small_network() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))


def test_gradient_norm_is_the_l2_norm_over_every_parameter_gradient():
    net = small_network()
    net(torch.randn(5, 3)).square().sum().backward()
    by_hand = math.sqrt(sum(float(p.grad.double().square().sum()) for p in net.parameters()))
    assert gradient_norm(net) == pytest.approx(by_hand, rel=1e-6)
    assert gradient_norm_tensor(net).shape == () and gradient_norm_tensor(net).dtype == torch.float32


def test_gradient_norm_skips_parameters_without_gradients_and_is_0_without_any():
    net = small_network()
    assert gradient_norm(net) == 0.0
    net[2].weight.grad = torch.full_like(net[2].weight, 0.5)  # 8 entries of 0.25
    assert gradient_norm(net) == pytest.approx(math.sqrt(8 * 0.25))


def test_optimizer_step_returns_the_norm_before_the_step_as_a_float():
    net = small_network()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = net(torch.randn(5, 3)).square().sum()
    norm = optimizer_step(loss, opt, torch.amp.GradScaler("cpu", enabled=False), net)
    assert isinstance(norm, float) and norm == pytest.approx(gradient_norm(net))


def test_read_scalars_keeps_the_order_and_the_exact_values():
    values = {"a": torch.tensor(1.25), "b": 3, "c": torch.tensor([0.1], dtype=torch.float64), "d": 0.5,
              "e": torch.tensor(2.0, dtype=torch.bfloat16)}
    read = read_scalars(values)
    assert list(read) == ["a", "b", "c", "d", "e"]
    assert read == {"a": 1.25, "b": 3.0, "c": torch.tensor(0.1).item(), "d": 0.5, "e": 2.0}
    assert all(type(v) is float for v in read.values())
    assert read_scalars({"x": 1}) == {"x": 1.0}


@pytest.mark.parametrize("kind", ["non_saturating", "least_squares", "wgan", "wgan_gp", "hinge"])
def test_step_scalars_equal_reading_each_value_on_its_own(kind):
    torch.manual_seed(1)
    real, fake = torch.randn(6), torch.randn(6)
    losses = {"loss_d": real.mean() - fake.mean(), "loss_g": -fake.mean()}
    penalty = torch.tensor(0.75) if kind == "wgan_gp" else None
    scalars = L.step_scalars(kind, losses, real, fake, torch.tensor(2.5), 4.0, penalty)
    one_by_one = {name: value.item() for name, value in losses.items()}
    one_by_one.update(L.output_diagnostics(kind, real, fake), grad_norm_d=2.5, grad_norm_g=4.0)
    if penalty is not None:
        one_by_one["gradient_penalty"] = 0.75
    assert scalars == one_by_one and list(scalars) == list(one_by_one)


def tiny_dcgan() -> TrainingSession:
    config = RunConfig(DCGANSettings(latent_dim=4, g_channels=8, d_channels=8),
                       DataConfig(name="digits", image_size=8, batch_size=8), TrainConfig(steps=3, seed=0))
    return TrainingSession(config)


def test_the_generator_update_computes_no_discriminator_gradients_and_leaves_d_trainable():
    session = tiny_dcgan()
    method = session.method
    accumulated = []
    for p in method.D.parameters():
        p.register_post_accumulate_grad_hook(lambda param: accumulated.append(param))
    d_count = len(list(method.D.parameters()))
    for step in range(2):
        scalars = method.train_step(session.next_batch())
        assert len(accumulated) == d_count * (step + 1), "D's gradients come from D's own update only"
        assert all(p.requires_grad for p in method.D.parameters())
        assert all(math.isfinite(v) for v in scalars.values())


def test_keep_freed_memory_is_safe_to_call_again():
    first = keep_freed_memory()
    assert isinstance(first, bool) and keep_freed_memory() == first
