"""toy_gan trains a few steps with each loss through the real loop (point samples, no image grid), its scatter
carries D's surface over the data extent, coverage scalars appear, and image datasets are refused by name."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.methods.toy_gan import TOY_GAN_LOSSES, ToyGANSettings
from workbench.runs.events import SampleEvent, ScatterEvent, StepEvent
from workbench.training import checkpoints
from workbench.training.loop import train
from workbench.training.session import TrainingSession

TINY = {"latent_dim": 2, "hidden": 16, "layers": 2}


def session(loss: str = "non_saturating", *, data: str = "gaussians2d-ring", steps: int = 3) -> TrainingSession:
    cfg = RunConfig(
        method=ToyGANSettings(loss=loss, **TINY),
        data=DataConfig(name=data, batch_size=16),
        train=TrainConfig(steps=steps, sample_every=2, checkpoint_every=10_000, sample_count=8),
    )
    return TrainingSession(cfg)


def params(module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


@pytest.mark.parametrize("loss", TOY_GAN_LOSSES)
def test_trains_through_the_loop_with_point_samples(loss):
    s = session(loss)
    g0, d0 = params(s.method.G), params(s.method.D)
    events = list(train(s))
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert len(steps) == 3
    for event in steps:
        assert all(math.isfinite(v) for v in event.scalars.values()), event.scalars
    assert any(not torch.equal(a, b) for a, b in zip(g0, params(s.method.G), strict=True)), "G unchanged"
    assert any(not torch.equal(a, b) for a, b in zip(d0, params(s.method.D), strict=True)), "D unchanged"
    first = steps[0].scalars
    assert {"loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "modes_covered", "high_quality_fraction"} <= set(first)
    assert 0 <= first["modes_covered"] <= 8 and 0 <= first["high_quality_fraction"] <= 1
    if loss == "wgan_gp":
        assert {"critic_real", "critic_fake", "wasserstein_estimate", "gradient_penalty"} <= set(first)
        assert "d_real" not in first  # a critic score is not a probability
    else:
        assert 0 <= first["d_real"] <= 1 and 0 <= first["d_fake"] <= 1
    assert "modes_covered" not in steps[1].scalars  # every COVERAGE_EVERY steps only
    # no image grid for points; the scatter at steps 0, 2 and 3 instead
    assert not [e for e in events if isinstance(e, SampleEvent)]
    scatters = [e for e in events if isinstance(e, ScatterEvent)]
    assert [e.step for e in scatters] == [0, 2, 3]
    checkpoints.flatten_state(s.method.state_dict())


def test_sample_and_scatter_shapes():
    s = session("wgan_gp", data="gaussians2d-grid")
    points = s.method.sample(10, seed=1)
    assert points.shape == (10, 2) and torch.equal(points, s.method.sample(10, seed=1))
    assert s.method.visuals(s.visual_batch) == {}
    view = s.method.scatter(s.visual_batch)["points"]
    assert view["real"].shape[1] == 2 and view["generated"].shape[1] == 2
    surface = view["__surface__"]
    assert surface.shape == (64, 64) and np.isfinite(surface).all()
    assert surface.min() == pytest.approx(0.0) and surface.max() == pytest.approx(1.0)  # min-max normalised critic
    x0, x1, y0, y1 = view["__extent__"]
    assert x0 < -4 and x1 > 4 and y0 < -4 and y1 > 4  # every grid mode inside the view
    assert (view["real"].min(0) > [x0, y0]).all() and (view["real"].max(0) < [x1, y1]).all()


def test_probability_surface_orientation():
    """Row i of the surface is y_i going up, column j is x_j: D's value at a known point lands in its pixel."""
    s = session("non_saturating")
    method = s.method
    with torch.no_grad():  # make D(x, y) = σ(y) exactly: the surface must grow along rows, not columns
        for p in method.D.parameters():
            p.zero_()
        linears = [m for m in method.D.modules() if isinstance(m, torch.nn.Linear)]
        linears[0].weight[0, 1] = 1.0  # unit 0 carries y through every layer (LeakyReLU keeps it increasing)
        for layer in linears[1:]:
            layer.weight[0, 0] = 1.0
    surface = method.surface((-1.0, 1.0, -1.0, 1.0), size=8)
    assert (np.diff(surface, axis=0) > 0).all() and np.allclose(np.diff(surface, axis=1), 0)


def test_image_dataset_is_refused_naming_the_field():
    cfg = RunConfig(method=ToyGANSettings(**TINY), data=DataConfig(name="digits", image_size=8, batch_size=8))
    with pytest.raises(ConfigError, match=r"data\.name.*toy_gan.*'digits'"):
        TrainingSession(cfg)


def test_settings_validation_names_field():
    with pytest.raises(ConfigError, match="method.latent_dim"):
        ToyGANSettings(latent_dim=9)
    with pytest.raises(ConfigError, match="method.loss"):
        ToyGANSettings(loss="hinge")
    assert ToyGANSettings(loss="wgan_gp").critic_steps() == 5 and ToyGANSettings().critic_steps() == 1


def test_checkpoint_resumes_bit_for_bit(tmp_path):
    a = session("wgan_gp", steps=2)
    list(train(a))
    a.save(tmp_path)
    b = session("wgan_gp", steps=2)
    assert b.restore_latest(tmp_path) == 2 and b.method.iterations == 2
    batch = a.stream.next()
    assert b.stream.next()[0].equal(batch[0])
    assert a.method.train_step(batch) == b.method.train_step(batch)
    assert torch.equal(a.method.sample(5, seed=3), b.method.sample(5, seed=3))
