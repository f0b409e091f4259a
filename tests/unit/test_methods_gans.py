"""The GAN family (gan with every loss, conditional_gan, infogan, progan) trains through the real loop on tiny
settings: parameters change, scalars are finite, samples and visuals have the right shapes, constraints hold,
progan's schedule progresses and resumes bit for bit, and invalid settings name their field."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods.capabilities import Conditional, LatentModel
from workbench.methods.conditional_gan import ConditionalGANSettings
from workbench.methods.fields import ADVERSARIAL_LOSSES as GAN_LOSSES
from workbench.methods.gan import GANSettings
from workbench.methods.infogan import InfoGANSettings
from workbench.methods.progan import ProGANSettings
from workbench.methods.registry import build_method, load_run_config_toml, method_spec
from workbench.runs.events import StepEvent
from workbench.training import checkpoints
from workbench.training.loop import train
from workbench.training.session import TrainingSession

TINY = {"latent_dim": 8, "g_channels": 8, "d_channels": 8}


def config(settings, *, steps: int = 2, image_size: int = 8, seed: int = 0) -> RunConfig:
    return RunConfig(
        method=settings,
        data=DataConfig(name="digits", image_size=image_size, channels=1, batch_size=8),
        train=TrainConfig(steps=steps, seed=seed, sample_every=10_000, checkpoint_every=10_000, sample_count=4),
    )


def params(*modules) -> list[torch.Tensor]:
    return [p.detach().clone() for m in modules for p in m.parameters()]


def run(session: TrainingSession, **kwargs) -> list[StepEvent]:
    return [e for e in train(session, **kwargs) if isinstance(e, StepEvent)]


def assert_trains(session: TrainingSession) -> list[StepEvent]:
    method = session.method
    before = params(method.G, method.D)
    steps = run(session)
    after = params(method.G, method.D)
    assert len(steps) == session.config.train.steps
    for event in steps:
        assert all(math.isfinite(v) for v in event.scalars.values()), event.scalars
    g_count = sum(1 for _ in method.G.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before[:g_count], after[:g_count], strict=True)), "G unchanged"
    assert any(not torch.equal(a, b) for a, b in zip(before[g_count:], after[g_count:], strict=True)), "D unchanged"
    checkpoints.flatten_state(method.state_dict())  # everything in the state can go into a checkpoint
    return steps


@pytest.mark.parametrize("loss", GAN_LOSSES)
def test_gan_trains_with_every_loss(loss):
    session = TrainingSession(config(GANSettings(loss=loss, **TINY)))
    steps = assert_trains(session)
    scalars = steps[-1].scalars
    assert {"loss_d", "loss_g", "grad_norm_d", "grad_norm_g"} <= set(scalars)
    if loss in ("wgan", "wgan_gp"):
        assert {"wasserstein_estimate", "critic_real", "critic_fake"} <= set(scalars)
        assert "d_real" not in scalars
    elif loss == "hinge":
        assert {"critic_real", "critic_fake"} <= set(scalars)
    else:
        assert {"d_real", "d_fake"} <= set(scalars)
    if loss == "wgan_gp":
        assert scalars["gradient_penalty"] >= 0
    method = session.method
    assert method.sample(6, seed=1).shape == (6, 1, 8, 8)
    assert torch.equal(method.sample(3, seed=1), method.sample(3, seed=1))
    assert method.decode(method.prior_sample(2, seed=0)).shape == (2, 1, 8, 8)
    assert method.visuals(session.visual_batch)["real"].shape[1:] == (1, 8, 8)


def test_wgan_uses_the_paper_recipe_and_clips_the_critic():
    settings = GANSettings(loss="wgan", clip=0.02, **TINY)
    session = TrainingSession(config(settings))
    method = session.method
    assert isinstance(method.opt_d, torch.optim.RMSprop) and method.opt_d.param_groups[0]["lr"] == 5e-5
    assert method.plan.n_critic == 5
    run(session)
    assert max(p.abs().max().item() for p in method.D.parameters()) <= 0.02


def test_wgan_gp_uses_adam_0_09_and_a_critic_without_batch_norm():
    method = TrainingSession(config(GANSettings(loss="wgan_gp", **TINY), image_size=16)).method
    assert isinstance(method.opt_d, torch.optim.Adam)
    assert method.opt_d.param_groups[0]["betas"] == (0.0, 0.9) and method.opt_d.param_groups[0]["lr"] == 1e-4
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in method.D.modules())
    assert any(isinstance(m, torch.nn.GroupNorm) for m in method.D.modules())


def test_explicit_optimizer_settings_are_used():
    settings = GANSettings(loss="wgan", optimizer="adam", lr_g=1e-3, lr_d=3e-4, n_critic=2, **TINY)
    plan = settings.resolved()
    assert (plan.optimizer, plan.lr_g, plan.lr_d, plan.n_critic, plan.d_norm) == ("adam", 1e-3, 3e-4, 2, "batch")


def test_conditional_gan_trains_and_lays_out_classes_in_rows():
    session = TrainingSession(config(ConditionalGANSettings(loss="hinge", **TINY)))
    assert_trains(session)
    method = session.method
    assert method.classes == tuple(str(d) for d in range(10))
    assert method.sample(16, seed=3).shape == (16, 1, 8, 8)
    assert method.sample(3, seed=3, labels=torch.tensor([5, 5, 9])).shape == (3, 1, 8, 8)
    visual = method.visuals(session.visual_batch)["by_class"]
    assert visual.shape == (10 * 8, 1, 8, 8)
    z = method.prior_sample(1, seed=0).repeat(2, 1)
    two_classes = method.decode(z, torch.tensor([0, 7]))
    assert not torch.equal(two_classes[0], two_classes[1])  # the label changes the image


def test_conditional_gan_sample_rows_follow_the_grid():
    from workbench.methods.base import grid_row_labels

    assert grid_row_labels(16, 10).tolist() == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    assert grid_row_labels(64, 10).tolist()[56:] == [7] * 8


def test_conditional_gan_needs_labels():
    settings = ConditionalGANSettings(**TINY)
    info = DataInfo(name="flat-folder", size=10, channels=1, image_size=8, class_names=())
    with pytest.raises(ConfigError, match="labelled"):
        build_method(config(settings), info, torch.device("cpu"))


def test_infogan_trains_and_reports_the_mutual_information_term():
    settings = InfoGANSettings(latent_dim=6, categories=4, continuous=2, g_channels=8, d_channels=8)
    session = TrainingSession(config(settings))
    scalars = assert_trains(session)[-1].scalars
    assert {"info_loss", "mi_bound_categorical", "mi_bound_continuous", "code_accuracy"} <= set(scalars)
    assert scalars["mi_bound_categorical"] <= math.log(4) + 1e-6
    method = session.method
    assert method.latent_dim == 6 + 4 + 2
    code = method.prior_sample(5, seed=0)
    assert code.shape == (5, 12) and torch.equal(code[:, 6:10].sum(1), torch.ones(5))
    assert method.sample(9, seed=0).shape == (9, 1, 8, 8)
    visuals = method.visuals(session.visual_batch)
    assert set(visuals) == {"categorical_x_c1", "categorical_x_c2"}
    assert all(v.shape == (4 * 8, 1, 8, 8) for v in visuals.values())


def test_infogan_without_continuous_codes_shows_categories():
    settings = InfoGANSettings(latent_dim=6, categories=3, continuous=0, g_channels=8, d_channels=8)
    session = TrainingSession(config(settings, steps=1))
    scalars = run(session)[-1].scalars
    assert "mi_bound_continuous" not in scalars
    assert session.method.visuals(session.visual_batch)["categorical"].shape == (3 * 8, 1, 8, 8)


PROGAN = {"latent_dim": 8, "channels": 8, "fade_steps": 4, "stable_steps": 2}


def test_progan_grows_with_smooth_fade_in():
    session = TrainingSession(config(ProGANSettings(**PROGAN), steps=12, image_size=16))
    steps = assert_trains(session)
    phases = [(e.scalars["resolution"], e.scalars["alpha"]) for e in steps]
    assert phases == [
        (4, 1.0), (4, 1.0),
        (8, 0.0), (8, 0.25), (8, 0.5), (8, 0.75), (8, 1.0), (8, 1.0),
        (16, 0.0), (16, 0.25), (16, 0.5), (16, 0.75),
    ]
    method = session.method
    ema, live = method.G_ema.dense.weight, method.G.dense.weight
    assert not torch.equal(ema, live) and not ema.requires_grad  # a lagging average of G, not trained itself
    assert method.sample(4, seed=0).shape == (4, 1, 16, 16)  # upsampled to the final size
    assert method.visuals(session.visual_batch)["real_at_resolution"].shape == (16, 1, 16, 16)
    assert method.state_dict()["phase"] == {"progress": 12, "next_level": 2, "next_alpha": 1.0}


def test_progan_early_samples_are_upsampled_low_resolution_images():
    session = TrainingSession(config(ProGANSettings(**PROGAN), steps=1, image_size=16))
    run(session)
    images = session.method.sample(2, seed=0)
    assert torch.equal(images, images[..., ::4, ::4].repeat_interleave(4, -1).repeat_interleave(4, -2))


def resume_matches_straight_run(settings, tmp_path, *, total: int, split: int, image_size: int = 8):
    """Train `total` steps straight, and `split` steps + checkpoint + restore + the rest: identical results."""
    straight = TrainingSession(config(settings, steps=total, image_size=image_size))
    expected = run(straight)
    first = TrainingSession(config(settings, steps=split, image_size=image_size))
    run(first, checkpoint_dir=tmp_path)
    resumed = TrainingSession(config(settings, steps=total, image_size=image_size))
    assert resumed.restore_latest(tmp_path) == split
    before_rest = resumed.method.phase() if hasattr(resumed.method, "phase") else None
    rest = run(resumed)
    assert [e.scalars for e in rest] == [e.scalars for e in expected[split:]]
    a, b = straight.method.state_dict(), resumed.method.state_dict()
    for key in ("G", "D", "G_ema"):
        if a.get(key) is not None:
            assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key
    return before_rest


def test_progan_resume_mid_fade_is_bit_identical(tmp_path):
    phase = resume_matches_straight_run(ProGANSettings(**PROGAN), tmp_path, total=7, split=4, image_size=16)
    assert phase == (1, 0.5)  # resumed in the middle of the 8×8 fade-in


@pytest.mark.parametrize(
    "settings",
    [
        GANSettings(loss="wgan_gp", n_critic=2, **TINY),  # noise RNG draws z and the penalty's ε
        ConditionalGANSettings(loss="least_squares", **TINY),
        InfoGANSettings(latent_dim=6, categories=3, continuous=1, g_channels=8, d_channels=8),
    ],
    ids=["gan-wgan_gp", "conditional_gan", "infogan"],
)
def test_resume_is_bit_identical(settings, tmp_path):
    resume_matches_straight_run(settings, tmp_path, total=4, split=2)


def test_progan_fade_starts_where_the_previous_resolution_left_off():
    """At α = 0 the grown G outputs the previous level's image upsampled, and the grown D scores an image as the
    previous level scored its downsampled version: growing causes no jump."""
    import torch.nn.functional as F

    from workbench.nets.progressive import ProgressiveDiscriminator, ProgressiveGenerator, real_at_level

    torch.manual_seed(0)
    G, D = ProgressiveGenerator(8, 1, 16, 8), ProgressiveDiscriminator(1, 16, 8)
    z, x = torch.randn(4, 8), torch.randn(4, 1, 8, 8)
    assert torch.allclose(G(z, 1, 0.0), F.interpolate(G(z, 0), scale_factor=2, mode="nearest"))
    assert torch.allclose(D(x, 1, 0.0), D(F.avg_pool2d(x, 2), 0))
    assert not torch.allclose(G(z, 1, 0.5), G(z, 1, 0.0))
    big = torch.randn(2, 1, 16, 16)
    assert torch.allclose(real_at_level(big, 1, 1.0), F.avg_pool2d(big, 2))
    assert torch.allclose(real_at_level(big, 1, 0.0), F.interpolate(F.avg_pool2d(big, 4), scale_factor=2))


def test_progan_parts():
    from workbench.methods.progan.method import progressive_phase
    from workbench.nets.progressive import minibatch_stddev, pixel_norm

    assert progressive_phase(0, 1, 3, 3) == (0, 1.0)
    assert progressive_phase(10_000, 3, 3, 3) == (2, 1.0)
    x = torch.randn(8, 3, 2, 2)
    assert torch.allclose(pixel_norm(x).pow(2).mean(1), torch.ones(8, 2, 2), atol=1e-5)
    y = minibatch_stddev(x, 4)
    assert y.shape == (8, 4, 2, 2) and torch.equal(y[:, :3], x)
    group0 = x[[0, 2, 4, 6]]  # sample i is in group i mod (N / g)
    assert y[0, 3, 0, 0].item() == pytest.approx(group0.std(0, unbiased=False).mean().item(), rel=1e-4)
    assert torch.equal(y[0, 3], y[2, 3]) and minibatch_stddev(torch.randn(6, 2, 1, 1), 4).shape == (6, 3, 1, 1)


def test_specs_declare_capabilities():
    assert method_spec("gan").capabilities == (LatentModel,)
    assert method_spec("conditional_gan").capabilities == (LatentModel, Conditional)
    assert method_spec("infogan").capabilities == (LatentModel,)
    assert method_spec("progan").capabilities == (LatentModel,)
    for cls in (GANSettings, ConditionalGANSettings, InfoGANSettings, ProGANSettings):
        for f in dataclasses.fields(cls):
            meta = f.metadata
            assert meta["help"], f.name
            assert meta["choices"] or f.type == "bool" or meta["min"] is not None, f.name


@pytest.mark.parametrize(
    "settings",
    [GANSettings(loss="wgan", n_critic=3), ConditionalGANSettings(), InfoGANSettings(), ProGANSettings(drift=0.0)],
)
def test_settings_round_trip_through_toml(settings):
    cfg = config(settings)
    assert load_run_config_toml(cfg.to_toml()) == cfg


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: GANSettings(loss="wgan_gp", d_norm="batch"), "d_norm"),
        (lambda: GANSettings(loss="wgan_gp", gp_weight=0.0), "gp_weight"),
        (lambda: GANSettings(lr_g=1e-3), "lr_g"),  # optimizer = paper ignores it: refuse instead
        (lambda: GANSettings(loss="wasserstein"), "loss"),
        (lambda: GANSettings(clip=0.0), "clip"),
        (lambda: ConditionalGANSettings(n_critic=-1), "n_critic"),
        (lambda: InfoGANSettings(categories=1), "categories"),
        (lambda: InfoGANSettings(categories=0, continuous=0), "categories"),
        (lambda: InfoGANSettings(loss="wgan"), "loss"),
        (lambda: ProGANSettings(fade_steps=0), "fade_steps"),
        (lambda: ProGANSettings(gp_weight=0.0, drift=0.0), "gp_weight"),
    ],
)
def test_invalid_settings_name_the_field(make, field):
    with pytest.raises(ConfigError, match=f"method.{field}"):
        make()
