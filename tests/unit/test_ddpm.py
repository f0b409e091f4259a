"""The diffusion method's mathematics on tiny runs: noise schedules, the training loss, deterministic DDIM,
inversion against an exact noise predictor, classifier-free guidance, the trajectory strip and the U-Net's shapes."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from tests.unit.test_method_contract import SPECS, tiny_config
from workbench.methods.capabilities import Conditional
from workbench.methods.ddpm.method import noise_schedule, step_grid
from workbench.nets.diffusion_unet import DiffusionUNet
from workbench.training.session import TrainingSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def session(**settings) -> TrainingSession:
    return TrainingSession(tiny_config(SPECS["ddpm"]).replace("method", **settings))


class GaussianOracle(nn.Module):
    """The exact ε-predictor when every pixel of the data is N(0, s²): E[ε | x_t] = √(1−ᾱ)·x_t / (ᾱ·s² + 1 − ᾱ).
    The DDIM ODE through it is smooth, so its round trip error is the solver's alone."""

    def __init__(self, alpha_bar: torch.Tensor, std: float) -> None:
        super().__init__()
        self.alpha_bar, self.var = alpha_bar, std ** 2

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        a = self.alpha_bar[t].view(-1, 1, 1, 1)
        return (1 - a).sqrt() * x / (a * self.var + 1 - a)


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_the_schedules_fall_from_one_towards_zero(name):
    alpha_bar = noise_schedule(name, 1000)
    assert alpha_bar.shape == (1000,) and float(alpha_bar[0]) > 0.99 and float(alpha_bar[0]) < 1
    assert bool((alpha_bar[1:] < alpha_bar[:-1]).all())
    assert float(alpha_bar[-1]) < 1e-3 and float(alpha_bar[-1]) > 0


def test_the_linear_schedule_is_the_papers():
    alpha_bar = noise_schedule("linear", 1000)
    assert math.isclose(float(alpha_bar[0]), 1 - 1e-4)
    assert math.isclose(float(alpha_bar[-1] / alpha_bar[-2]), 1 - 0.02, rel_tol=1e-9)


def test_the_step_grid_spans_every_level_once():
    assert step_grid(1000, 50)[0] == 0 and step_grid(1000, 50)[-1] == 999 and len(step_grid(1000, 50)) == 50
    assert step_grid(10, 50) == list(range(10)) and step_grid(10, 1) == [9]


def test_the_training_loss_is_finite_and_falls():
    run = session(lr=2e-3)
    losses = [run.method.train_step(run.next_batch()) for _ in range(30)]
    assert all(math.isfinite(v) for scalars in losses for v in scalars.values())
    first, last = (sum(s["loss"] for s in part) / len(part) for part in (losses[:5], losses[-5:]))
    assert last < first


def test_deterministic_ddim_repeats_for_a_seed_and_differs_between_seeds():
    method = session().method
    assert torch.equal(method.sample(4, seed=7), method.sample(4, seed=7))
    assert not torch.equal(method.sample(4, seed=7), method.sample(4, seed=8))
    x_T = method.prior_sample(2, seed=1)
    noisy = method.ddim_sample(x_T, 3, eta=1.0, seed=4)
    assert torch.equal(noisy, method.ddim_sample(x_T, 3, eta=1.0, seed=4))
    assert not torch.equal(noisy, method.ddim_sample(x_T, 3, eta=1.0, seed=5))
    assert not torch.equal(noisy, method.ddim_sample(x_T, 3))


def test_the_ddpm_sampler_walks_every_timestep():
    method = session(sampler="ddpm").method
    samples = method.sample(2, seed=0)
    assert samples.shape == (2, *method.image_shape) and torch.isfinite(samples).all()


def test_inversion_then_sampling_returns_the_images_with_an_exact_noise_predictor():
    """With ε_θ exact for Gaussian data the DDIM ODE is smooth: the round trip's error is the Euler solver's, of
    first order, so 50 steps bring images back closely and 4× the steps cut the error about 4× (measured: mean
    absolute error 0.021 at 50 steps, 0.005 at 200, on images of standard deviation 0.5)."""
    method = session(timesteps=1000).method
    method.ema = GaussianOracle(method.alpha_bar, std=0.5)
    images = 0.5 * torch.randn(3, *method.image_shape, generator=torch.Generator().manual_seed(0))
    errors = {}
    for steps in (50, 200):
        x_T = method.ddim_invert(images, steps)
        assert 0.8 < float(x_T.std()) < 1.2  # inverted to noise-like x_T
        errors[steps] = float((method.ddim_sample(x_T, steps) - images).abs().mean())
    assert errors[50] < 0.04 and errors[200] < errors[50] / 3


def test_guidance_one_is_the_conditional_prediction_and_zero_the_unconditional():
    method = session().method
    assert method.conditional and len(method.classes) == 10
    x = torch.randn(3, *method.image_shape)
    labels = torch.tensor([0, 3, 9])
    with method.evaluating():
        t = torch.full((3,), 5)
        conditional = method.ema(x, t, labels)
        unconditional = method.ema(x, t, torch.full((3,), 10))
        assert torch.allclose(method.predict_noise(x, 5, labels, 1.0), conditional, atol=1e-6)
        assert torch.allclose(method.predict_noise(x, 5, labels, 0.0), unconditional, atol=1e-5)
        guided = method.predict_noise(x, 5, labels, 3.0)
        assert torch.allclose(guided, unconditional + 3.0 * (conditional - unconditional), atol=1e-5)


def test_an_unconditional_run_ignores_labels():
    method = session(conditional="no").method
    assert not method.conditional and not isinstance(method, Conditional)
    x_T = method.prior_sample(2, seed=0)
    assert torch.equal(method.decode(x_T, torch.tensor([1, 2])), method.decode(x_T))


def test_the_trajectory_strip_runs_from_noise_to_the_sample():
    run = session()
    method = run.method
    strip = method.visuals(run.visual_batch)["denoising"]
    assert strip.shape == (32, *method.image_shape)
    x_T = method.prior_sample(2, seed=3)
    path = method.trajectory(x_T, 3, keep=3)
    assert len(path) == 3 and torch.allclose(path[-1], method.ddim_sample(x_T, 3).clamp(-1, 1), atol=1e-5)
    assert len(method.trajectory(x_T, 2, keep=4)) == 4  # fewer stops than columns: stops repeat


@pytest.mark.parametrize(("size", "attention", "classes"), [(8, False, 0), (32, True, 10), (2, False, 3)])
def test_the_unet_predicts_noise_of_the_input_shape(size, attention, classes):
    net = DiffusionUNet(3, size, 8, attention=attention, num_classes=classes)
    x = torch.randn(2, 3, size, size)
    labels = torch.tensor([0, classes]) if classes else None
    assert net(x, torch.tensor([0, 999]), labels).shape == x.shape
