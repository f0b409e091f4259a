"""3D-GAN on tiny voxel grids: network shapes at every grid side, real training steps (parameters change,
scalars finite), the paper's D-accuracy rule, the silhouette encoder, silhouettes of a known box, bit-identical
resume, and a stored run whose sample grid is rendered."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.data.silhouettes import silhouettes
from workbench.methods.gan3d import GAN3DSettings
from workbench.methods.gan3d.method import d_accuracy, should_update_d
from workbench.methods.registry import build_method
from workbench.nets.gan3d import SilhouetteEncoder, VoxelDiscriminator, VoxelGenerator
from workbench.runs.events import SampleEvent, StepEvent
from workbench.training import checkpoints
from workbench.training.loop import sample_events, train
from workbench.training.session import TrainingSession

TINY = {"latent_dim": 8, "g_channels": 4, "d_channels": 4}
INFO = DataInfo(name="t", size=8, channels=1, image_size=16, kind="voxels", class_names=("a", "b"))


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def config(*, steps: int = 2, seed: int = 0, **settings) -> RunConfig:
    return RunConfig(
        method=GAN3DSettings(**{**TINY, **settings}),
        data=DataConfig(name="voxels3d", image_size=16, channels=1, batch_size=4),
        train=TrainConfig(steps=steps, seed=seed, sample_every=10_000, checkpoint_every=10_000, sample_count=4),
    )


def direct(**settings):
    """The method on a stand-in voxel DataInfo, fed random grids (no dataset needed)."""
    torch.manual_seed(0)
    return build_method(config(**settings), INFO, torch.device("cpu"))


def random_batch(n: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, 16, 16, 16, generator=g) > 0.6).float(), torch.zeros(n, dtype=torch.long)


def params(module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def steps_of(session: TrainingSession, **kwargs) -> list[StepEvent]:
    return [e for e in train(session, **kwargs) if isinstance(e, StepEvent)]


@pytest.mark.parametrize("side", [16, 32, 64])
def test_networks_map_z_to_grids_and_grids_to_one_logit(side):
    torch.manual_seed(0)
    G, D = VoxelGenerator(8, side, 4), VoxelDiscriminator(side, 4)
    with torch.no_grad():
        grids = G(torch.randn(2, 8))
        logits = D(grids)
    assert grids.shape == (2, 1, side, side, side)
    assert grids.min() >= 0 and grids.max() <= 1  # sigmoid occupancy
    assert logits.shape == (2,)
    depth = {16: 2, 32: 3, 64: 4}[side]  # stride-2 layers after 4³
    strided = [m for m in G.modules() if isinstance(m, torch.nn.ConvTranspose3d) and m.stride == (2, 2, 2)]
    assert len(strided) == depth and all(m.kernel_size == (4, 4, 4) for m in strided)
    assert sum(isinstance(m, torch.nn.BatchNorm3d) for m in D.modules()) == depth - 1  # not on the input layer
    assert any(isinstance(m, torch.nn.LeakyReLU) and m.negative_slope == 0.2 for m in D.modules())
    E = SilhouetteEncoder(8, side, 4)
    mu, logvar = E(torch.zeros(2, 1, side, side))
    assert mu.shape == logvar.shape == (2, 8)


def test_channel_widths_follow_the_settings():
    G, D = VoxelGenerator(200, 64, 64), VoxelDiscriminator(64, 64)
    g_out = [m.out_channels for m in G.modules() if isinstance(m, torch.nn.ConvTranspose3d)]
    d_out = [m.out_channels for m in D.modules() if isinstance(m, torch.nn.Conv3d)]
    assert g_out == [512, 256, 128, 64, 1]  # the paper's 200 → 512·4³ → … → 1·64³
    assert d_out == [64, 128, 256, 512, 1]


def test_other_grid_sides_are_refused_naming_the_field():
    info = DataInfo(name="t", size=8, channels=1, image_size=8, kind="voxels")
    with pytest.raises(ConfigError, match="data.image_size"):
        build_method(config(), info, torch.device("cpu"))


def test_trains_on_voxels3d_with_finite_scalars_and_changing_parameters():
    session = TrainingSession(config(steps=2, d_accuracy_threshold=1.0))
    method = session.method
    g_before, d_before = params(method.G), params(method.D)
    steps = steps_of(session)
    assert len(steps) == 2
    scalars = steps[-1].scalars
    expected = {"loss_d", "loss_g", "d_real", "d_fake", "d_accuracy", "d_updated", "d_updates_skipped",
                "grad_norm_d", "grad_norm_g"}
    assert set(scalars) == expected
    assert all(math.isfinite(v) for e in steps for v in e.scalars.values())
    assert not same(g_before, params(method.G)) and not same(d_before, params(method.D))
    assert method.loss_names == ("loss_d", "loss_g")
    assert 0.0 <= scalars["d_accuracy"] <= 1.0
    samples = method.sample(3, seed=1)
    assert samples.shape == (3, 1, 16, 16, 16) and samples.min() >= 0 and samples.max() <= 1
    assert torch.equal(samples, method.sample(3, seed=1))
    assert method.decode(method.prior_sample(2, seed=0)).shape == (2, 1, 16, 16, 16)
    assert method.G.training  # decode restores the training mode
    checkpoints.flatten_state(method.state_dict())  # everything in the state can go into a checkpoint


def test_d_accuracy_counts_real_above_and_fake_below_one_half():
    real = torch.tensor([2.0, 1.0, -1.0, 0.5])  # 3 of 4 called real
    fake = torch.tensor([-2.0, -1.0, 3.0, 1.0])  # 2 of 4 called fake
    assert d_accuracy(real, fake) == pytest.approx(0.5 * (0.75 + 0.5))
    assert should_update_d(0.625, 0.8) and not should_update_d(0.625, 0.6)
    assert not should_update_d(0.8, 0.8)  # strictly below the threshold
    assert should_update_d(1.0, 1.0)  # threshold 1: always
    assert not should_update_d(0.0, 0.0)  # threshold 0: never


def test_threshold_zero_never_updates_d_and_counts_every_skip():
    method = direct(d_accuracy_threshold=0.0)
    d_before, g_before = params(method.D), params(method.G)
    adam_steps = []
    for k in range(3):
        scalars = method.train_step(random_batch(seed=k))
        assert scalars["d_updated"] == 0.0 and scalars["d_updates_skipped"] == k + 1
        assert scalars["grad_norm_d"] == 0.0 and math.isfinite(scalars["loss_d"])
        adam_steps.append(len(method.opt_d.state))
    assert same(d_before, params(method.D)), "D changed although its update was skipped"
    assert adam_steps == [0, 0, 0]  # no optimizer step either
    assert not same(g_before, params(method.G))  # G still learns against the fixed D
    assert method.state_dict()["d_updates_skipped"] == 3


def test_threshold_one_always_updates_d():
    method = direct(d_accuracy_threshold=1.0)
    for k in range(3):
        d_before = params(method.D)
        scalars = method.train_step(random_batch(seed=k))
        assert scalars["d_updated"] == 1.0 and scalars["d_updates_skipped"] == 0 and scalars["grad_norm_d"] > 0
        assert not same(d_before, params(method.D))


def test_d_is_skipped_exactly_when_its_batch_accuracy_reaches_the_threshold():
    """A D sure of itself on the batch is skipped; the same D fooled by the next batch is updated."""
    method = direct(d_accuracy_threshold=0.8, lr_g=1e-7)  # G nearly fixed: its grids stay about half full
    with torch.no_grad():
        method.G.net[-2].weight.zero_()  # G's last layer: every voxel σ(0) = 0.5, a sum of 2,048
        # A stand-in D whose logit is the number of occupied voxels − 3,500: a full grid (4,096) is "real",
        # G's half-full grids and empty grids are "fake".
        method.D.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16**3, 1))
        method.D.net[1].weight.fill_(1.0)
        method.D.net[1].bias.fill_(-3500.0)
    method.opt_d = torch.optim.Adam(method.D.parameters(), lr=1e-3)
    full = (torch.ones(4, 1, 16, 16, 16), torch.zeros(4, dtype=torch.long))
    d_before = params(method.D)
    scalars = method.train_step(full)  # real called real, fake called fake
    assert scalars["d_accuracy"] == 1.0 and scalars["d_updated"] == 0.0 and scalars["d_updates_skipped"] == 1
    assert same(d_before, params(method.D))
    empty = (torch.zeros(4, 1, 16, 16, 16), torch.zeros(4, dtype=torch.long))  # real grids that D calls fake
    scalars = method.train_step(empty)
    assert scalars["d_accuracy"] == 0.5 and scalars["d_updated"] == 1.0 and scalars["d_updates_skipped"] == 1
    assert not same(d_before, params(method.D))


def test_image_encoder_trains_with_g_and_encodes_silhouettes():
    method = direct(image_encoder=True, encoder_weight=2.0)
    assert method.loss_names == ("loss_d", "loss_g", "loss_encoder")
    assert {"E", "opt_e"} <= set(method.state_dict())
    e_before, g_before = params(method.E), params(method.G)
    scalars = method.train_step(random_batch())
    assert {"loss_encoder", "encoder_squared_error", "encoder_kl"} <= set(scalars)
    assert scalars["loss_encoder"] == pytest.approx(
        2.0 * (scalars["encoder_squared_error"] + scalars["encoder_kl"] / 16**3), rel=1e-5)
    assert all(math.isfinite(v) for v in scalars.values())
    assert not same(e_before, params(method.E)) and not same(g_before, params(method.G))
    images = method.silhouettes(random_batch()[0])
    assert images.shape == (4, 1, 16, 16)
    z = method.encode_silhouette(images)
    assert z.shape == (4, 8) and method.E.training  # μ, with E back in training mode
    big = torch.nn.functional.interpolate(images, size=(32, 32), mode="nearest")
    assert method.encode_silhouette(big).shape == (4, 8)  # another size is resized to the grid side
    checkpoints.flatten_state(method.state_dict())


def test_without_the_encoder_there_is_none_to_ask():
    method = direct(image_encoder=False)
    assert not hasattr(method, "E") and "E" not in method.state_dict()
    assert "loss_encoder" not in method.train_step(random_batch())
    with pytest.raises(ConfigError, match="method.image_encoder"):
        method.encode_silhouette(torch.zeros(1, 1, 16, 16))


def test_silhouette_of_a_box_is_its_front_view():
    grids = torch.zeros(2, 1, 16, 16, 16)
    grids[0, 0, 2:5, 3:9, 4:12] = 1.0  # depth 2–4, rows (height, top → bottom) 3–8, columns (width) 4–11
    grids[1, 0, 10:16, 3:9, 4:12] = 1.0  # the same box further back
    images = silhouettes(grids)
    expected = -torch.ones(16, 16)
    expected[3:9, 4:12] = 1.0
    assert images.shape == (2, 1, 16, 16)
    assert torch.equal(images[0, 0], expected) and torch.equal(images[1, 0], expected)
    soft = silhouettes(grids * 0.5)
    assert soft.max() == 0.0  # a soft grid gives grey, not white


def test_resume_is_bit_identical(tmp_path):
    """Train 4 steps straight, and 2 steps + checkpoint + restore + 2: identical scalars and networks."""
    settings = {"image_encoder": True, "d_accuracy_threshold": 0.2}  # E, and a mix of skipped and made D updates
    straight = TrainingSession(config(steps=4, **settings))
    expected = steps_of(straight)
    assert {e.scalars["d_updated"] for e in expected} == {0.0, 1.0}, "the run should both skip and update D"
    assert expected[1].scalars["d_updates_skipped"] > 0, "the counter should be restored from a non-zero value"
    first = TrainingSession(config(steps=2, **settings))
    steps_of(first, checkpoint_dir=tmp_path)
    resumed = TrainingSession(config(steps=4, **settings))
    assert resumed.restore_latest(tmp_path) == 2
    assert resumed.method.d_updates_skipped == first.method.d_updates_skipped
    rest = steps_of(resumed)
    assert [e.scalars for e in rest] == [e.scalars for e in expected[2:]]
    a, b = straight.method.state_dict(), resumed.method.state_dict()
    for key in ("G", "D", "E"):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key
    assert a["d_updates_skipped"] == b["d_updates_skipped"]


def test_sample_events_render_the_voxel_samples_and_the_real_grids():
    session = TrainingSession(config(steps=1))
    events = {e.name: e for e in sample_events(session) if isinstance(e, SampleEvent)}
    assert set(events) == {"samples", "real"}
    grid = events["samples"].image  # 4 samples: 2×2 thumbnails of 96 pixels with 2-pixel padding
    assert grid.dtype == np.uint8 and grid.shape == (2 * 98 + 2, 2 * 98 + 2, 3)
    real = events["real"].image  # 8 real grids in a row
    assert real.shape == (98 + 2, 8 * 98 + 2, 3) and real.std() > 10
    visuals = session.method.visuals(session.visual_batch)["real"]
    assert visuals.shape == (8, 3, 96, 96) and visuals.min() >= -1 and visuals.max() <= 1


def test_a_stored_run_records_a_rendered_sample_grid(tiny_run):
    run = tiny_run("gan3d", data="voxels3d", image_size=16, steps=2, batch_size=4, latent_dim=8)
    assert run.sample_steps() == [0, 2]
    picture = np.asarray(Image.open(run.samples_dir / "samples_00000002.png"))
    assert picture.shape == (2 * 98 + 2, 2 * 98 + 2, 3)
    real = np.asarray(Image.open(run.samples_dir / "real_00000002.png"))
    tile = real[2:98, 2:98]
    assert tile.std() > 10  # a shaded shape, not the blank background
    assert run.latest_checkpoint_step() == 2
