"""The training guards fire on synthetic saturated / vanishing / collapsed logs and stay silent on healthy ones."""

from __future__ import annotations

import numpy as np
import torch

from workbench.training.diversity import diversity_ratio, mean_pairwise_distance
from workbench.training.guards import (
    DiscriminatorSaturationGuard,
    ModeCollapseGuard,
    VanishingGeneratorGradientGuard,
)


def _feed(guard, rows):
    return [(step, msg) for step, scalars in enumerate(rows, 1) if (msg := guard.observe(step, scalars))]


def test_saturation_fires_once_when_sustained():
    rows = [{"d_real": 0.7, "d_fake": 0.3}] * 100 + [{"d_real": 0.99, "d_fake": 0.01}] * 300
    alerts = _feed(DiscriminatorSaturationGuard(window=200), rows)
    assert len(alerts) == 1
    step, message = alerts[0]
    assert 100 + 180 <= step <= 100 + 200
    assert "non-saturating" in message and "learning rate" in message


def test_saturation_silent_when_healthy_or_brief():
    rng = np.random.default_rng(0)
    healthy = [{"d_real": float(rng.uniform(0.5, 0.8)), "d_fake": float(rng.uniform(0.2, 0.5))} for _ in range(1000)]
    assert _feed(DiscriminatorSaturationGuard(window=200), healthy) == []
    brief = healthy[:300] + [{"d_real": 0.99, "d_fake": 0.01}] * 100 + healthy[:300]
    assert _feed(DiscriminatorSaturationGuard(window=200), brief) == []


def test_saturation_rearms_after_recovery():
    bad = [{"d_real": 0.99, "d_fake": 0.01}] * 250
    good = [{"d_real": 0.6, "d_fake": 0.4}] * 250
    assert len(_feed(DiscriminatorSaturationGuard(window=200), bad + good + bad)) == 2


def test_vanishing_generator_gradient():
    rows = [{"grad_norm_g": 5.0}] * 50 + [{"grad_norm_g": 1e-6}] * 300
    alerts = _feed(VanishingGeneratorGradientGuard(window=100), rows)
    assert len(alerts) == 1 and "minimax" in alerts[0][1]
    steady = [{"grad_norm_g": float(v)} for v in np.linspace(5, 1, 500)]
    assert _feed(VanishingGeneratorGradientGuard(window=100), steady) == []


def test_mode_collapse_needs_a_drop_from_a_healthy_peak():
    guard = ModeCollapseGuard()
    untrained_then_good = [0.1, 0.15, 0.4, 0.7, 0.8, 0.85]
    assert _feed(guard, [{"sample_diversity": d} for d in untrained_then_good]) == []
    collapsed = [{"sample_diversity": d} for d in (0.8, 0.1, 0.05, 0.05)]
    alerts = _feed(ModeCollapseGuard(), [{"sample_diversity": d} for d in untrained_then_good] + collapsed)
    assert len(alerts) == 1 and "mode collapse" in alerts[0][1]


def test_diversity_ratio_of_identical_samples_is_zero_and_of_data_is_one():
    torch.manual_seed(0)
    real = torch.rand(32, 1, 8, 8) * 2 - 1
    assert diversity_ratio(real[:1].expand(16, -1, -1, -1), real) == 0.0
    assert abs(diversity_ratio(real, real) - 1.0) < 1e-6
    assert mean_pairwise_distance(real[:1]) == 0.0


def test_loop_records_diversity_and_alerts_on_a_collapsing_generator(workspace):
    """A real run whose generator output is forced constant after a while raises the collapse alert."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings
    from workbench.methods.dcgan.method import DCGAN
    from workbench.runs.events import AlertEvent, MetricEvent
    from workbench.training.loop import train
    from workbench.training.session import TrainingSession

    cfg = RunConfig(DCGANSettings(latent_dim=4, g_channels=8, d_channels=8), DataConfig(image_size=8, batch_size=16),
                    TrainConfig(steps=12, sample_every=2, checkpoint_every=100, sample_count=16))
    session = TrainingSession(cfg)
    real = session.visual_batch[0]
    calls = {"n": 0}

    def sample(n, *, seed):  # diverse like the data at first, then one image repeated
        calls["n"] += 1
        return real[:n] if calls["n"] <= 3 else real[:1].expand(n, -1, -1, -1)

    session.method.sample = sample
    assert isinstance(session.method, DCGAN)
    events = list(train(session))
    diversity = [e.value for e in events if isinstance(e, MetricEvent) and e.name == "sample_diversity"]
    assert diversity[0] > 0.9 and diversity[-1] == 0.0
    kinds = [e.kind for e in events if isinstance(e, AlertEvent)]
    assert kinds == ["mode_collapse"]


def test_classes_dropping_alert():
    from workbench.training.guards import ClassCoverageGuard

    rows = [{"classes_covered": c} for c in (2, 6, 9, 10, 10, 4, 3, 3)]
    alerts = _feed(ClassCoverageGuard(), rows)
    assert len(alerts) == 1 and alerts[0][0] == 7 and "cover 3 classes, down from 10" in alerts[0][1]
    modes = [{"modes_covered": c} for c in (3, 8, 8, 2, 1)]
    alerts = _feed(ClassCoverageGuard("modes_covered"), modes)
    assert len(alerts) == 1 and "cover 1 modes of the data, down from 8" in alerts[0][1]
    steady = [{"classes_covered": c} for c in (1, 3, 7, 9, 10, 9, 10, 8)]
    assert _feed(ClassCoverageGuard(), steady) == []


def test_class_probe_counts_classes_without_touching_the_run_rng(workspace):
    """The probe has the digits classifier trained in another process, then counts classes without touching
    the run's random number generator."""
    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.training.class_coverage import ClassCoverageProbe

    dataset = build_dataset(DataConfig(image_size=8))
    config = DataConfig(image_size=8)
    probe = ClassCoverageProbe.for_dataset(dataset, config, workspace.root)
    images, labels = dataset.get_batch(torch.arange(200))
    assert probe.classes_covered(images) is None  # not cached yet: trained in another process meanwhile
    assert probe.wait_until_ready(timeout=240)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    covered = probe.classes_covered(images)
    assert torch.equal(before, torch.get_rng_state())
    assert covered >= 9  # real digits of all ten classes
    assert probe.classes_covered(images[labels == 3]) <= 2
    points = DataConfig(name="gaussians2d-ring")
    assert ClassCoverageProbe.for_dataset(build_dataset(points), points, workspace.root) is None
