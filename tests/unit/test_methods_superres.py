"""SRResNet and SRGAN: network shapes at ×2 and ×4, real training steps on tiny networks, the running PSNR, the
live visuals' layout, the content loss recorded in the run notes, initialisation from a stored SRResNet run (and
every way that can go wrong), and bit-identical resumption."""

from __future__ import annotations

import copy
import math
import shutil

import pytest
import torch
import torch.nn.functional as F

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods.registry import build_method
from workbench.methods.srgan import SRGANSettings
from workbench.methods.srresnet import SRResNetSettings
from workbench.methods.srresnet.method import batch_psnr, bicubic_upscale, nearest_upscale
from workbench.nets.sr_discriminator import SRGANDiscriminator
from workbench.nets.srresnet import SRResNet, SubPixelBlock
from workbench.training.checkpoints import flatten_state, load_checkpoint_file, save_checkpoint
from workbench.training.session import initialise_from_source

TINY_G = {"residual_blocks": 2, "channels": 8}
TINY_GAN = {**TINY_G, "d_channels": 8}
HR = 16


def sr_config(settings, *, scale: int = 2, steps: int = 2) -> RunConfig:
    return RunConfig(
        method=settings,
        data=DataConfig(name="sr-photos", image_size=HR, channels=3, batch_size=4, scale=scale),
        train=TrainConfig(steps=steps, seed=0, sample_every=10_000, checkpoint_every=10_000, sample_count=4),
    )


def sr_info(scale: int = 2) -> DataInfo:
    return DataInfo(name="t", size=8, channels=3, image_size=HR, kind="super_resolution", scale=scale)


def build(settings, *, scale: int = 2, seed: int = 0):
    torch.manual_seed(seed)  # network initialisation, as the training session does
    return build_method(sr_config(settings, scale=scale), sr_info(scale), torch.device("cpu"))


def batches(count: int, *, scale: int = 2, n: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(LR, HR) pairs like the dataset's: smooth random HR images, LR their antialiased bicubic downscale."""
    g = torch.Generator().manual_seed(123)
    out = []
    for _ in range(count):
        coarse = torch.rand(n, 3, HR // 4, HR // 4, generator=g) * 2 - 1
        hr = F.interpolate(coarse, size=(HR, HR), mode="bilinear", align_corners=False)
        hr = (hr + 0.1 * torch.randn(hr.shape, generator=g)).clamp(-1, 1)
        lr = F.interpolate(hr, scale_factor=1 / scale, mode="bicubic", antialias=True).clamp(-1, 1)
        out.append((lr, hr))
    return out


def params(*modules) -> list[torch.Tensor]:
    return [p.detach().clone() for m in modules for p in m.parameters()]


def changed(before: list[torch.Tensor], module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, params(module), strict=True))


# ---- networks -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("size", [(4, 4), (5, 9), (8, 6)])
def test_generator_upscales_any_size(scale, size):
    torch.manual_seed(0)
    net = SRResNet(3, scale, residual_blocks=2, channels=8)
    assert sum(isinstance(m, SubPixelBlock) for m in net.modules()) == int(math.log2(scale))
    out = net(torch.rand(2, 3, *size) * 2 - 1)
    assert out.shape == (2, 3, size[0] * scale, size[1] * scale)
    assert out.abs().max() <= 1.0


def test_untrained_sub_pixel_blocks_upsample_without_a_checkerboard():
    torch.manual_seed(0)
    block = SubPixelBlock(4)
    y = block.shuffle(block.conv(torch.randn(1, 4, 5, 7)))  # ICNR: the four sub-pixels of a cell start equal
    for i, j in ((0, 1), (1, 0), (1, 1)):
        assert torch.allclose(y[..., i::2, j::2], y[..., ::2, ::2])


def test_bicubic_skip_starts_as_bicubic_interpolation():
    from workbench.methods.srresnet.method import bicubic_upscale

    torch.manual_seed(0)
    lr = torch.rand(2, 3, 5, 6) - 0.5  # no bicubic overshoot near ±1, which the skip clips just inside
    net = SRResNet(3, 4, residual_blocks=1, channels=8, bicubic_skip=True)
    assert torch.allclose(net(lr), bicubic_upscale(lr, 4), atol=1e-5)
    assert not SRResNet(3, 4, residual_blocks=1, channels=8).bicubic_skip  # the paper's network by default


@pytest.mark.parametrize("settings_class", [SRResNetSettings, SRGANSettings])
def test_the_methods_bicubic_skip_setting(settings_class):
    """On by default in the app (it beats bicubic within a CPU budget; bench/sr_quality.py); off = the paper's."""
    assert settings_class().bicubic_skip
    lr = torch.rand(2, 3, 5, 6) - 0.5
    with_skip = build(settings_class(**TINY_G), scale=4, seed=0).G.eval()
    assert with_skip.bicubic_skip and torch.allclose(with_skip(lr), bicubic_upscale(lr, 4), atol=1e-5)
    paper = build(settings_class(**TINY_G, bicubic_skip=False), scale=4, seed=0).G
    assert not paper.bicubic_skip and paper.tail.weight.abs().sum() > 0


def test_generator_refuses_other_scales():
    with pytest.raises(ValueError, match="2 or 4"):
        SRResNet(3, 3, residual_blocks=1, channels=8)


@pytest.mark.parametrize("size", [(16, 16), (32, 32), (24, 40), (64, 64)])
def test_discriminator_accepts_any_hr_size(size):
    torch.manual_seed(0)
    net = SRGANDiscriminator(3, width=8)
    assert net(torch.rand(3, 3, *size) * 2 - 1).shape == (3,)
    convs = [m for m in net.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [8, 8, 16, 16, 32, 32, 64, 64]
    assert [c.stride[0] for c in convs] == [1, 2, 1, 2, 1, 2, 1, 2]


def test_baselines_and_psnr():
    lr = torch.rand(1, 3, 4, 6) * 2 - 1
    near = nearest_upscale(lr, 4)
    assert near.shape == (1, 3, 16, 24) and torch.equal(near[..., ::4, ::4], lr)
    bicubic = bicubic_upscale(lr, 4)
    assert bicubic.shape == (1, 3, 16, 24) and bicubic.abs().max() <= 1.0
    # [0, 1] values 0.5 and 0.6: MSE 0.01, PSNR 20 dB
    assert batch_psnr(torch.zeros(2, 3, 4, 4), torch.full((2, 3, 4, 4), 0.2)) == pytest.approx(20.0)
    assert batch_psnr(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4)) == pytest.approx(100.0)  # finite


# ---- SRResNet ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [2, 4])
def test_srresnet_trains_and_reports_mse_and_psnr(scale):
    method = build(SRResNetSettings(**TINY_G), scale=scale)
    assert method.scale == scale and method.loss_names == ("loss",)
    data = batches(2, scale=scale)
    before = params(method.G)
    shadow = copy.deepcopy(method.G)  # the network as the first step sees it
    scalars = method.train_step(data[0])
    assert set(scalars) == {"loss", "psnr", "grad_norm"}
    assert all(math.isfinite(v) for v in scalars.values())
    sr = shadow(data[0][0])
    assert scalars["loss"] == pytest.approx(F.mse_loss(sr, data[0][1]).item(), rel=1e-5)
    assert scalars["psnr"] == pytest.approx(batch_psnr(sr, data[0][1]), rel=1e-6)
    assert scalars["grad_norm"] > 0
    assert changed(before, method.G)
    method.train_step(data[1])
    flatten_state(method.state_dict())  # everything in the state can go into a checkpoint


def test_upscale_of_non_square_input_in_eval_mode():
    method = build(SRResNetSettings(**TINY_G), scale=4)
    method.train_step(batches(1, scale=4)[0])
    lr = torch.rand(2, 3, 5, 9) * 2 - 1
    out = method.upscale(lr)
    assert out.shape == (2, 3, 20, 36) and out.device.type == "cpu" and out.abs().max() <= 1.0
    assert method.G.training  # the previous mode comes back
    # eval mode: BN's running statistics, so an image's result does not depend on the rest of the batch
    assert torch.allclose(method.upscale(lr[:1]), out[:1], atol=1e-6)


def test_visuals_are_rows_of_lr_bicubic_sr_hr():
    method = build(SRResNetSettings(**TINY_G), scale=2)
    lr, hr = batches(1, scale=2, n=6)[0]
    grid = method.visuals((lr, hr))["super_resolution"]
    assert grid.shape == (4 * 4, 3, HR, HR)  # at most four examples, four columns each
    sr = method.upscale(lr[:4])
    for i in range(4):
        row = grid[4 * i: 4 * i + 4]
        assert torch.equal(row[0], nearest_upscale(lr, 2)[i])
        assert torch.equal(row[1], bicubic_upscale(lr, 2)[i])
        assert torch.equal(row[2], sr[i])
        assert torch.equal(row[3], hr[i])
    assert method.visuals((lr[:2], hr[:2]))["super_resolution"].shape == (8, 3, HR, HR)


def test_unsupported_scale_names_data_scale():
    info = DataInfo(name="t", size=8, channels=3, image_size=24, kind="super_resolution", scale=3)
    with pytest.raises(ConfigError, match="data.scale"):
        build_method(sr_config(SRResNetSettings(**TINY_G)), info, torch.device("cpu"))


# ---- SRGAN ------------------------------------------------------------------------------------------------------
SRGAN_SCALARS = {"loss_d", "loss_g", "loss_content", "loss_adv", "d_real", "d_fake", "psnr", "grad_norm_d",
                 "grad_norm_g"}


@pytest.mark.parametrize("scale", [2, 4])
def test_srgan_trains_with_the_pixel_fallback(scale):
    method = build(SRGANSettings(**TINY_GAN), scale=scale)
    before_g, before_d = params(method.G), params(method.D)
    for batch in batches(2, scale=scale):
        scalars = method.train_step(batch)
        assert set(scalars) == SRGAN_SCALARS
        assert all(math.isfinite(v) for v in scalars.values()), scalars
    assert changed(before_g, method.G) and changed(before_d, method.D)
    assert 0 < scalars["d_real"] < 1 and 0 < scalars["d_fake"] < 1
    assert scalars["loss_g"] == pytest.approx(scalars["loss_content"] + 1e-3 * scalars["loss_adv"], rel=1e-5)
    notes = method.run_notes()
    assert notes == {"content_loss": "pixel MSE (fallback: no VGG-19 weights file given in method.vgg_weights)"}
    assert method.visuals(batches(1, scale=scale)[0])["super_resolution"].shape == (16, 3, HR, HR)
    flatten_state(method.state_dict())


def test_srgan_with_vgg_features_names_the_file(tmp_path):
    from workbench.nets.vgg_features import feature_layers

    layers = feature_layers("relu2_2").to_empty(device="cpu")  # torchvision's key names, random weights
    torch.save({f"features.{k}": torch.randn(v.shape) * 0.1 for k, v in layers.state_dict().items()},
               tmp_path / "vgg19-part.pth")
    settings = SRGANSettings(**TINY_GAN, vgg_weights=str(tmp_path / "vgg19-part.pth"), content_layer="relu2_2",
                             adversarial_weight=0.0)
    method = build(settings)
    scalars = method.train_step(batches(1)[0])
    assert scalars["loss_g"] == scalars["loss_content"]  # no adversarial term at weight 0
    note = method.run_notes()["content_loss"]
    assert note.startswith(f"VGG-19 relu2_2 features from {tmp_path / 'vgg19-part.pth'}")
    assert "initialised_from" not in method.run_notes()
    assert not any(p.requires_grad for p in method.content_loss.parameters())


def test_a_missing_vgg_file_stops_training_but_not_upscaling(tmp_path):
    method = build(SRGANSettings(**TINY_GAN, vgg_weights=str(tmp_path / "missing.pth")))
    assert method.upscale(torch.zeros(1, 3, 4, 4)).shape == (1, 3, 8, 8)  # a trained SRGAN needs no VGG file
    with pytest.raises(ConfigError, match="method.vgg_weights: no VGG-19 weights file"):
        method.run_notes()  # the runner asks for the notes before the first step
    with pytest.raises(ConfigError, match="method.vgg_weights"):
        method.train_step(batches(1)[0])


# ---- init_from ----------------------------------------------------------------------------------------------------
def stored_srresnet(workspace, name: str, *, steps: int = 1, scale: int = 2, **settings):
    """An SRResNet run in the workspace with a checkpoint after `steps` steps (none when 0)."""
    config = sr_config(SRResNetSettings(**{**TINY_G, **settings}), scale=scale)
    run = workspace.create_run(config, name=name)
    method = build(config.method, scale=scale, seed=7)
    for batch in batches(steps, scale=scale):
        method.train_step(batch)
    if steps:
        save_checkpoint(run.checkpoints_dir, steps, {"step": steps, "method": method.state_dict()})
    return run, method


def test_init_from_copies_the_srresnet_generator(workspace):
    run, source = stored_srresnet(workspace, "sr-base", steps=2)
    method = build(SRGANSettings(**TINY_GAN, init_from="sr-base"))
    assert not torch.equal(method.G.head[0].weight, source.G.head[0].weight)  # the session applies it, not the build
    initialise_from_source(method, workspace.root)
    notes = method.run_notes()
    assert notes["initialised_from"].startswith("sr-base (step 2")
    assert notes["content_loss"].startswith("pixel MSE")
    for key, value in source.G.state_dict().items():
        assert torch.equal(method.G.state_dict()[key], value), key
    by_folder = build(SRGANSettings(**TINY_GAN, init_from=str(run.path)))
    initialise_from_source(by_folder, None)  # a folder needs no workspace
    assert by_folder.initialised_from.startswith("sr-base (step 2")
    untouched = build(SRGANSettings(**TINY_GAN))
    initialise_from_source(untouched, workspace.root)  # no init_from: nothing happens
    assert untouched.initialised_from == "" and "initialised_from" not in untouched.run_notes()


def test_init_from_accepts_a_shipped_example_name(workspace, tmp_path, monkeypatch):
    """`init_from = "srresnet-x4-sr-photos"` reads the example's weights in place (nothing copied or written)."""
    from example_folders import fingerprint, make_example

    from workbench.runs import Run

    run, source = stored_srresnet(workspace, "to-ship", steps=2)
    folder = tmp_path / "examples"
    folder.mkdir()
    shipped = make_example(Run(run.path), folder, "sr-example")
    shutil.rmtree(run.path)
    monkeypatch.setenv("WORKBENCH_EXAMPLES", str(folder))
    before = fingerprint(shipped)
    method = build(SRGANSettings(**TINY_GAN, init_from="sr-example"))
    initialise_from_source(method, workspace.root)
    assert method.initialised_from.startswith("sr-example (step 2")
    for key, value in source.G.state_dict().items():
        assert torch.equal(method.G.state_dict()[key], value), key
    assert fingerprint(shipped) == before and workspace.runs() == []


def test_init_from_errors_name_the_field(workspace):
    stored_srresnet(workspace, "untrained", steps=0)
    stored_srresnet(workspace, "deeper", residual_blocks=3)
    stored_srresnet(workspace, "times-four", scale=4)
    stored_srresnet(workspace, "no-skip", bicubic_skip=False)
    gan = RunConfig(SRGANSettings(**TINY_GAN), sr_config(SRResNetSettings()).data, TrainConfig())
    workspace.create_run(gan, name="a-gan")
    cases = {
        "nothing-here": r"method\.init_from: no run 'nothing-here'.*or the name of a shipped example",
        "a-gan": r"method\.init_from: run a-gan is a 'srgan' run; SRGAN starts from an 'srresnet' run",
        "untrained": r"method\.init_from: run untrained has no checkpoint yet",
        "deeper": r"method\.init_from: run deeper's generator has 3 residual blocks, 8 channels, ×2, 3 image "
                  r"channels, bicubic skip on, this SRGAN's has 2 residual blocks",
        "times-four": r"method\.init_from: run times-four's generator has .*×4.*this SRGAN's has .*×2",
        "no-skip": r"method\.init_from: run no-skip's generator has .*bicubic skip off, this SRGAN's has .*bicubic "
                   r"skip on; set .*method\.bicubic_skip",
    }
    for init_from, message in cases.items():
        method = build(SRGANSettings(**TINY_GAN, init_from=init_from))
        with pytest.raises(ConfigError, match=message):
            initialise_from_source(method, workspace.root)


def test_a_resumed_srgan_does_not_need_its_init_run(workspace, tmp_path):
    run, _ = stored_srresnet(workspace, "sr-base")
    settings = SRGANSettings(**TINY_GAN, init_from="sr-base")
    first = build(settings)
    initialise_from_source(first, workspace.root)
    first.train_step(batches(1)[0])
    path = save_checkpoint(tmp_path, 1, {"method": first.state_dict()})
    shutil.rmtree(run.path)  # the SRResNet run is gone; the SRGAN run's checkpoint holds everything
    resumed = build(settings)
    resumed.load_state_dict(load_checkpoint_file(path)["method"])
    assert resumed.run_notes()["initialised_from"].startswith("sr-base (step 1")
    assert math.isfinite(resumed.train_step(batches(2)[1])["loss_g"])
    with pytest.raises(ConfigError, match="no run 'sr-base'"):
        initialise_from_source(build(settings), workspace.root)  # a new run does need it


# ---- resumption ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("settings", [SRResNetSettings(**TINY_G), SRGANSettings(**TINY_GAN)], ids=["srresnet", "srgan"])
def test_method_state_round_trip_is_bit_identical(settings, tmp_path):
    """4 steps straight, or 2 steps + checkpoint on disk + a freshly built method restored + 2 steps: identical."""
    data = batches(4)
    straight = build(settings)
    expected = [straight.train_step(b) for b in data]
    first = build(settings)
    for b in data[:2]:
        first.train_step(b)
    path = save_checkpoint(tmp_path, 2, {"method": first.state_dict()})
    resumed = build(settings, seed=99)  # different initial weights: everything must come from the checkpoint
    resumed.load_state_dict(load_checkpoint_file(path)["method"])
    assert [resumed.train_step(b) for b in data[2:]] == expected[2:]
    a, b = straight.state_dict(), resumed.state_dict()
    for key in settings_networks(settings):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key


def settings_networks(settings) -> tuple[str, ...]:
    return ("G", "D") if isinstance(settings, SRGANSettings) else ("G",)


# ---- through the run store, on the built-in sr-photos crops ---------------------------------------------------------
def test_tiny_srresnet_run_then_srgan_initialised_from_it(tiny_run):
    base = tiny_run("srresnet", data="sr-photos", image_size=16, steps=2, data_options={"scale": 2},
                    residual_blocks=2, name="sr-base")
    assert base.status.value == "finished" and base.latest_checkpoint_step() == 2
    assert set(base.sample_steps()) <= {0, 2}
    gan = tiny_run("srgan", data="sr-photos", image_size=16, steps=2, data_options={"scale": 2},
                   residual_blocks=2, init_from="sr-base", name="gan")
    assert gan.status.value == "finished"
    notes = gan.notes()
    assert notes["initialised_from"].startswith("sr-base (step 2")
    assert notes["content_loss"].startswith("pixel MSE (fallback")
    with pytest.raises(ConfigError, match=r"generator has 2 residual blocks.*this SRGAN's has 3 residual blocks"):
        tiny_run("srgan", data="sr-photos", image_size=16, steps=1, data_options={"scale": 2},
                 residual_blocks=3, init_from="sr-base", name="mismatch")


def store_config(settings, steps: int) -> RunConfig:
    return RunConfig(
        method=settings,
        data=DataConfig(name="sr-photos", image_size=16, channels=3, batch_size=4, scale=2),
        train=TrainConfig(steps=steps, seed=3, sample_every=2, checkpoint_every=2, sample_count=4),
    )


def scalar_rows(run) -> list[tuple[int, str, float]]:
    import sqlite3

    with sqlite3.connect(run.metrics_path) as conn:
        return conn.execute("SELECT step, tag, value FROM scalars ORDER BY step, tag").fetchall()


@pytest.mark.parametrize("method", ["srresnet", "srgan"])
def test_stop_and_resume_through_the_run_store_is_bit_identical(workspace, tiny_run, method):
    """A run stopped at step 3 and resumed from its checkpoint records exactly what an uninterrupted run does; an
    SRGAN run resumes even after the SRResNet run it was initialised from is deleted."""
    from workbench.runs import Run
    from workbench.runs.events import StepEvent
    from workbench.training.control import TrainingControl
    from workbench.training.runner import run_training

    if method == "srgan":
        base = tiny_run("srresnet", data="sr-photos", image_size=16, steps=1, data_options={"scale": 2},
                        residual_blocks=2, name="sr-base")
        settings = SRGANSettings(**TINY_GAN, init_from="sr-base")
    else:
        settings = SRResNetSettings(**TINY_G)
    config = store_config(settings, steps=5)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        straight = workspace.create_run(config, name="straight")
        assert list(run_training(straight))[-1].status == "finished"
        stopped = workspace.create_run(config, name="stopped")
        control = TrainingControl()
        for event in run_training(stopped, control):
            if isinstance(event, StepEvent) and event.step == 3:
                control.stop()
        assert stopped.latest_checkpoint_step() == 3
        if method == "srgan":
            shutil.rmtree(base.path)
        assert list(run_training(Run(stopped.path)))[-1].status == "finished"
    finally:
        torch.set_num_threads(previous)
    rows = scalar_rows(straight)
    assert sorted({step for step, tag, _ in rows if tag in ("loss", "loss_g")}) == [1, 2, 3, 4, 5]
    assert scalar_rows(Run(stopped.path)) == rows  # exact equality of every loss and diagnostic
    if method == "srgan":
        assert Run(stopped.path).notes()["initialised_from"].startswith("sr-base (step 1")
