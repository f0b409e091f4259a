"""pix2pix and cyclegan on tiny networks: loss terms equal hand-computed values, real training steps change
every network with finite scalars, visuals and translations have the documented layout and leave the networks'
modes alone, CycleGAN's pool and LR schedule behave as the reference's, and a checkpointed and restored method
continues bit for bit like one that never stopped."""

from __future__ import annotations

import math

import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods.adversarial_losses import (
    bce_against,
    generator_label_loss,
    halved_discriminator_loss,
    squared_error_against,
)
from workbench.methods.cyclegan import CycleGANSettings
from workbench.methods.cyclegan.method import cycle_loss, identity_loss, l1, linear_decay
from workbench.methods.image_pool import ImagePool
from workbench.methods.pix2pix import Pix2PixSettings
from workbench.methods.registry import build_method, method_spec
from workbench.runs.checkpoint_files import latest_checkpoint
from workbench.training import checkpoints

SIZE = 16
PIX2PIX = {"g_channels": 4, "d_channels": 4, "d_layers": 2}
CYCLEGAN = {"g_channels": 4, "d_channels": 4, "d_layers": 2, "residual_blocks": 1}
INFO = DataInfo(name="t", size=8, channels=3, image_size=SIZE, kind="paired", domains=("a", "b"))


def build(settings, *, steps: int = 4, seed: int = 0, info: DataInfo = INFO):
    config = RunConfig(
        method=settings,
        data=DataConfig(name="t", image_size=info.image_size, channels=info.channels, batch_size=2),
        train=TrainConfig(steps=steps, seed=seed),
    )
    torch.manual_seed(seed)  # network initialisation, as TrainingSession does
    return build_method(config, info, torch.device("cpu"))


def batch(step: int, n: int = 2, size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed random (A, B) batch per step index."""
    g = torch.Generator().manual_seed(1000 + step)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1, torch.rand(n, 3, size, size, generator=g) * 2 - 1


def params(*modules) -> list[torch.Tensor]:
    return [p.detach().clone() for m in modules for p in m.parameters()]


def zero_last_layer(sequential: torch.nn.Sequential) -> None:
    """Make the network output a constant: tanh(0) = 0 for generators, logit 0 for PatchGANs."""
    last = [m for m in sequential.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))][-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)


# --- losses on fixed inputs ---------------------------------------------------------------------------------
def test_cross_entropy_and_least_squares_losses_against_labels_on_known_outputs():
    logits = torch.tensor([[2.0, -1.0], [0.0, 0.5]])
    softplus = [math.log1p(math.exp(-v)) for v in (2.0, -1.0, 0.0, 0.5)]  # −log σ(l)
    assert bce_against(logits, True).item() == pytest.approx(sum(softplus) / 4, rel=1e-6)
    softplus_fake = [math.log1p(math.exp(v)) for v in (2.0, -1.0, 0.0, 0.5)]  # −log(1 − σ(l))
    assert bce_against(logits, False).item() == pytest.approx(sum(softplus_fake) / 4, rel=1e-6)
    assert squared_error_against(logits, True).item() == pytest.approx((1 + 4 + 1 + 0.25) / 4)
    assert squared_error_against(logits, False).item() == pytest.approx((4 + 1 + 0 + 0.25) / 4)
    zeros = torch.zeros(2, 1, 3, 3)
    # ½(log 2 + log 2): the reference halves D's loss
    assert halved_discriminator_loss("non_saturating", zeros, zeros).item() == pytest.approx(math.log(2))
    assert halved_discriminator_loss("least_squares", torch.ones(2, 1, 2, 2), zeros).item() == 0.0  # a perfect D
    assert generator_label_loss("least_squares", zeros + 0.5).item() == pytest.approx(0.25)
    with pytest.raises(ValueError, match="no per-label form"):
        generator_label_loss("hinge", zeros)


def test_the_old_loss_names_of_a_stored_run_still_load():
    """pix2pix's gan_loss was 'vanilla' or 'lsgan' before one vocabulary served every method."""
    from workbench.methods.registry import load_run_config_toml

    for old, new in (("vanilla", "non_saturating"), ("lsgan", "least_squares")):
        config = load_run_config_toml(f'[method]\nname = "pix2pix"\ngan_loss = "{old}"\n')
        assert config.method.gan_loss == new
        assert load_run_config_toml(config.to_toml()) == config  # saved again under today's name
    with pytest.raises(ConfigError, match="method.gan_loss must be one of 'non_saturating', 'least_squares'"):
        Pix2PixSettings(gan_loss="hinge")


def test_l1_cycle_and_identity_terms():
    a, b = torch.full((2, 3, 4, 4), 0.5), torch.full((2, 3, 4, 4), -0.25)
    assert l1(a, b).item() == pytest.approx(0.75)
    assert cycle_loss(a, b, 10.0).item() == pytest.approx(7.5)
    assert identity_loss(a, b, 0.5, 10.0).item() == pytest.approx(3.75)
    assert identity_loss(a, b, 0.0, 10.0).item() == 0.0


def test_pix2pix_step_reports_hand_computed_losses_for_a_constant_network():
    # G's loss is computed after D's update: the smallest learning rate keeps D(·) at ½ within 10⁻⁶.
    method = build(Pix2PixSettings(lambda_l1=100.0, lr=1e-7, **PIX2PIX))
    zero_last_layer(method.G.up[0])  # G(x) = tanh(0) = 0
    zero_last_layer(method.D.net)  # every patch logit 0: D(·) = ½
    x, y = torch.full((2, 3, SIZE, SIZE), 0.3), torch.full((2, 3, SIZE, SIZE), -0.4)
    scalars = method.train_step((x, y))
    assert scalars["loss_d"] == pytest.approx(math.log(2), rel=1e-6)
    assert scalars["loss_g_gan"] == pytest.approx(math.log(2), rel=1e-5)
    assert scalars["loss_g_l1"] == pytest.approx(100 * 0.4, rel=1e-6)
    assert scalars["loss_g"] == pytest.approx(math.log(2) + 40, rel=1e-6)
    assert scalars["d_real"] == scalars["d_fake"] == pytest.approx(0.5)


def test_cyclegan_step_reports_hand_computed_cycle_and_identity_losses():
    method = build(CycleGANSettings(lambda_cycle=10.0, lambda_identity=0.5, **CYCLEGAN))
    for net in (method.G_AB.net, method.G_BA.net, method.D_A.net, method.D_B.net):
        zero_last_layer(net)  # both generators output 0, both discriminators 0
    real_a, real_b = torch.full((2, 3, SIZE, SIZE), 0.5), torch.full((2, 3, SIZE, SIZE), -0.25)
    s = method.train_step((real_a, real_b))
    assert s["loss_cycle_a"] == pytest.approx(10 * 0.5)  # ‖G_BA(G_AB(a)) − a‖₁ = |0 − 0.5|
    assert s["loss_cycle_b"] == pytest.approx(10 * 0.25)
    assert s["loss_idt_a"] == pytest.approx(0.5 * 10 * 0.25)  # ‖G_AB(b) − b‖₁
    assert s["loss_idt_b"] == pytest.approx(0.5 * 10 * 0.5)  # ‖G_BA(a) − a‖₁
    assert s["loss_g_gan_a"] == s["loss_g_gan_b"] == pytest.approx(1.0)  # (0 − 1)²
    assert s["loss_g"] == pytest.approx(2 + 5 + 2.5 + 1.25 + 2.5)
    assert s["loss_d_a"] == s["loss_d_b"] == pytest.approx(0.5)  # ½·[(0 − 1)² + 0²]
    off = build(CycleGANSettings(lambda_identity=0.0, **CYCLEGAN)).train_step(batch(0))
    assert off["loss_idt_a"] == off["loss_idt_b"] == 0.0


# --- training steps -------------------------------------------------------------------------------------------
PIX2PIX_SCALARS = {"loss_d", "loss_g", "loss_g_gan", "loss_g_l1", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"}
CYCLEGAN_SCALARS = {"loss_d_a", "loss_d_b", "loss_g", "loss_g_gan_a", "loss_g_gan_b", "loss_cycle_a", "loss_cycle_b",
                    "loss_idt_a", "loss_idt_b", "lr"}


@pytest.mark.parametrize("norm", ["batch", "instance"])
@pytest.mark.parametrize("gan_loss_kind", ["non_saturating", "least_squares"])
def test_pix2pix_trains_every_network(norm, gan_loss_kind):
    method = build(Pix2PixSettings(norm=norm, gan_loss=gan_loss_kind, **PIX2PIX))
    nets = (method.G, method.D)
    before = [params(n) for n in nets]
    for step in range(2):
        scalars = method.train_step(batch(step))
        assert set(scalars) == PIX2PIX_SCALARS and all(math.isfinite(v) for v in scalars.values())
    for net, old in zip(nets, before, strict=True):
        assert any(not torch.equal(a, b) for a, b in zip(old, params(net), strict=True)), type(net).__name__
    assert set(method.loss_names) <= PIX2PIX_SCALARS
    checkpoints.flatten_state(method.state_dict())  # everything in the state can go into a checkpoint


def test_cyclegan_trains_every_network():
    method = build(CycleGANSettings(pool_size=2, **CYCLEGAN))
    nets = (method.G_AB, method.G_BA, method.D_A, method.D_B)
    before = [params(n) for n in nets]
    for step in range(2):
        scalars = method.train_step(batch(step))
        assert set(scalars) == CYCLEGAN_SCALARS and all(math.isfinite(v) for v in scalars.values())
    for net, old, name in zip(nets, before, ("G_AB", "G_BA", "D_A", "D_B"), strict=True):
        assert any(not torch.equal(a, b) for a, b in zip(old, params(net), strict=True)), f"{name} unchanged"
    assert method.pool_fake_A.count == method.pool_fake_B.count == 2
    assert set(method.loss_names) <= CYCLEGAN_SCALARS
    checkpoints.flatten_state(method.state_dict())


def test_cyclegan_discriminators_judge_their_own_domain():
    method = build(CycleGANSettings(pool_size=0, **CYCLEGAN))
    seen: dict[str, list[torch.Tensor]] = {"D_A": [], "D_B": []}
    for name in seen:
        getattr(method, name).register_forward_hook(lambda m, i, o, name=name: seen[name].append(i[0].detach()))
    real_a, real_b = batch(0)
    method.train_step((real_a, real_b))
    assert any(torch.equal(x, real_b) for x in seen["D_A"]) and not any(torch.equal(x, real_a) for x in seen["D_A"])
    assert any(torch.equal(x, real_a) for x in seen["D_B"]) and not any(torch.equal(x, real_b) for x in seen["D_B"])


# --- visuals, translate, cycle ------------------------------------------------------------------------------
def test_pix2pix_visuals_interleave_input_output_target():
    method = build(Pix2PixSettings(**PIX2PIX))
    method.train_step(batch(0))
    x, y = batch(1, n=10)
    grid = method.visuals((x, y))["translation"]
    assert grid.shape == (8 * 3, 3, SIZE, SIZE)  # up to 8 examples, one per row
    assert torch.equal(grid[0::3], x[:8]) and torch.equal(grid[2::3], y[:8])
    assert torch.equal(grid[1::3], method.translate(x[:8]))
    assert [name for name, _ in method_spec("pix2pix").visual_columns] == ["translation"]


def test_cyclegan_visuals_show_the_round_trips_and_identities():
    method = build(CycleGANSettings(lambda_identity=0.0, **CYCLEGAN))
    method.train_step(batch(0))
    a, b = batch(1, n=6)
    visuals = method.visuals((a, b))
    assert set(visuals) == {"cycle_A", "cycle_B"}
    cycle_a, cycle_b = visuals["cycle_A"], visuals["cycle_B"]
    assert cycle_a.shape == cycle_b.shape == (4 * 4, 3, SIZE, SIZE)  # up to 4 examples × 4 columns
    a, b = a[:4], b[:4]
    expected_a = [a, method.translate(a, "AtoB"), method.cycle(a, "AtoB"), method.translate(a, "BtoA")]
    expected_b = [b, method.translate(b, "BtoA"), method.cycle(b, "BtoA"), method.translate(b, "AtoB")]
    for column in range(4):  # real, translated, round trip, identity (shown although its loss is off)
        assert torch.equal(cycle_a[column::4], expected_a[column])
        assert torch.equal(cycle_b[column::4], expected_b[column])


def test_translate_runs_in_eval_mode_and_restores_the_mode():
    method = build(Pix2PixSettings(**PIX2PIX))
    modes: list[bool] = []
    method.G.register_forward_hook(lambda m, i, o: modes.append(m.training))
    x = batch(0)[0]
    out = method.translate(x)
    assert out.shape == x.shape and out.device.type == "cpu" and modes == [False] and method.G.training
    assert torch.equal(method.translate(x), out)  # no dropout at view time
    assert method.translate(torch.zeros(1, 3, 16, 48)).shape == (1, 3, 16, 48)  # any multiple of 16
    method.G.eval()
    method.translate(x)
    assert not method.G.training
    assert method.directions == ("AtoB",) and method.size_multiple == 16
    with pytest.raises(ValueError, match="AtoB"):
        method.translate(x, "BtoA")
    with pytest.raises(ValueError, match="multiples of 16"):
        method.translate(torch.zeros(1, 3, 24, 24))


def test_cyclegan_translates_and_cycles_both_ways_in_eval_mode():
    method = build(CycleGANSettings(**CYCLEGAN))
    assert method.directions == ("AtoB", "BtoA") and method.size_multiple == 4
    modes: list[bool] = []
    for net in (method.G_AB, method.G_BA):
        net.register_forward_hook(lambda m, i, o: modes.append(m.training))
    x = torch.rand(2, 3, 12, 20) * 2 - 1  # multiples of 4, not of the training size
    for direction in method.directions:
        assert method.translate(x, direction).shape == x.shape
        assert method.cycle(x, direction).shape == x.shape
    assert modes == [False] * 6 and method.G_AB.training and method.G_BA.training
    assert torch.equal(method.cycle(x, "AtoB"), method.translate(method.translate(x, "AtoB"), "BtoA"))
    with pytest.raises(ValueError, match="AtoB, BtoA"):
        method.translate(x, "sideways")
    with pytest.raises(ValueError, match="multiples of 4"):
        method.cycle(torch.zeros(1, 3, 10, 10))


def test_a_discriminator_too_deep_for_the_images_is_refused_by_name():
    with pytest.raises(ConfigError, match="method.d_layers"):
        build(Pix2PixSettings(g_channels=4, d_channels=4, d_layers=3))
    with pytest.raises(ConfigError, match="method.d_layers"):
        build(CycleGANSettings(g_channels=4, d_channels=4, d_layers=3, residual_blocks=1))
    images = DataInfo(name="digits", size=8, channels=1, image_size=SIZE)
    with pytest.raises(ConfigError, match="paired images"):
        build(Pix2PixSettings(**PIX2PIX), info=images)


# --- image pool ------------------------------------------------------------------------------------------------
def test_image_pool_stores_until_full_then_swaps_half_the_time():
    pool = ImagePool(3, seed=0)
    images = torch.arange(20, dtype=torch.float32).view(20, 1, 1, 1)
    first = pool.query(images[:2])
    assert torch.equal(first, images[:2]) and pool.count == 2  # not full yet: stored and returned as they are
    assert torch.equal(pool.query(images[2:3]), images[2:3]) and pool.count == 3
    swapped = 0
    for i in range(3, 20):
        stored_before = set(pool.images.flatten().tolist())
        out = float(pool.query(images[i : i + 1]))
        stored_after = set(pool.images.flatten().tolist())
        if out == i:  # returned as it is: the pool is unchanged
            assert stored_after == stored_before
        else:  # a stored image came back and the new one took its place
            swapped += 1
            assert out in stored_before and stored_after == stored_before - {out} | {float(i)}
        assert pool.count == 3
    assert 3 <= swapped <= 14  # probability ½ each (17 draws, seeded)
    off = ImagePool(0, seed=0)
    assert torch.equal(off.query(images[:5]), images[:5]) and off.count == 0


def test_image_pool_state_restores_its_images_and_draws():
    pool = ImagePool(4, seed=5)
    data = torch.randn(30, 2, 3, 3)
    pool.query(data[:6])
    state = pool.state_dict()
    structure, tensors = checkpoints.flatten_state(state)
    restored = ImagePool(4, seed=99)
    restored.load_state_dict(checkpoints.unflatten_state(structure, tensors))
    assert restored.count == 4
    for i in range(6, 30, 3):
        assert torch.equal(pool.query(data[i : i + 3]), restored.query(data[i : i + 3]))
    with pytest.raises(ValueError, match="at most 2"):
        ImagePool(2, seed=0).load_state_dict(state)


# --- learning-rate decay ---------------------------------------------------------------------------------------
def test_linear_decay_factor():
    factor = linear_decay(100, 0.5)
    assert [factor(t) for t in (0, 30, 50, 75, 90, 100, 120)] == [1, 1, 1, 0.5, 0.2, 0, 0]
    assert linear_decay(10, 0.0)(4) == pytest.approx(0.6)
    assert linear_decay(10, 1.0)(10) == 1.0  # decay_start 1: constant


def test_cyclegan_learning_rate_is_constant_then_falls_to_zero():
    method = build(CycleGANSettings(lr=2e-4, decay_start=0.5, **CYCLEGAN), steps=8)
    rates = [method.train_step(batch(step))["lr"] for step in range(8)]
    expected = [2e-4] * 5 + [1.5e-4, 1e-4, 0.5e-4]  # after t steps the factor is (8 − t) / 4 once t > 4
    assert rates == pytest.approx(expected, rel=1e-12)
    assert method.opt_g.param_groups[0]["lr"] == method.opt_d.param_groups[0]["lr"] == 0.0


# --- bit-identical resume ----------------------------------------------------------------------------------------
def train_losses(method, steps: range) -> list[dict[str, float]]:
    return [method.train_step(batch(step)) for step in steps]


@pytest.mark.parametrize("settings", [
    Pix2PixSettings(norm="batch", dropout=True, **PIX2PIX),
    CycleGANSettings(pool_size=3, decay_start=0.25, **CYCLEGAN),
], ids=["pix2pix", "cyclegan"])
def test_checkpointed_method_continues_bit_identically(settings, tmp_path):
    total, stop = 6, 3
    straight = build(settings, steps=total)
    expected = train_losses(straight, range(total))

    first = build(settings, steps=total)
    assert train_losses(first, range(stop)) == expected[:stop]
    checkpoints.save_checkpoint(tmp_path, stop, first.state_dict())
    del first

    resumed = build(settings, steps=total, seed=1)  # other weights: the checkpoint must replace them all
    resumed.load_state_dict(checkpoints.load_checkpoint(latest_checkpoint(tmp_path)))
    torch.manual_seed(4242)  # the global generator moved on: nothing in a step may depend on it
    assert train_losses(resumed, range(stop, total)) == expected[stop:]  # exact, not approximate
    for a, b in zip(params(*nets_of(straight)), params(*nets_of(resumed)), strict=True):
        assert torch.equal(a, b)


def nets_of(method) -> list[torch.nn.Module]:
    return [m for m in vars(method).values() if isinstance(m, torch.nn.Module)]


# --- through the real loop and run store ---------------------------------------------------------------------------
def test_pix2pix_trains_through_the_real_loop_and_loads_for_translation(tiny_run):
    from workbench.runs import RunStatus
    from workbench.training.session import TrainingSession

    run = tiny_run("pix2pix", data="edges2photos", image_size=SIZE, steps=2, batch_size=2, d_layers=2)
    assert run.status is RunStatus.FINISHED and run.latest_checkpoint_step() == 2
    grids = sorted(run.samples_dir.glob("translation_*.png"))  # before training and at the end
    assert len(grids) == 2
    width, height = Image.open(grids[-1]).size
    assert height > 2 * width  # 8 rows (one example each) of 3 columns: input, output, target
    session = TrainingSession.from_run(run)
    x = session.visual_batch[0][:3]
    assert session.method.translate(x).shape == (3, 3, SIZE, SIZE)


def test_cyclegan_resumed_through_the_run_store_is_bit_identical(workspace):
    import sqlite3

    from workbench.runs import Run
    from workbench.runs.events import StepEvent
    from workbench.training.runner import run_training

    config = RunConfig(
        method=CycleGANSettings(pool_size=2, decay_start=0.5, **CYCLEGAN),
        data=DataConfig(name="photo2stylized", image_size=SIZE, channels=3, batch_size=2),
        train=TrainConfig(steps=6, seed=3, sample_every=3, checkpoint_every=3, sample_count=4),
    )

    def rows(run):
        with sqlite3.connect(run.metrics_path) as conn:
            return conn.execute("SELECT step, tag, value FROM scalars ORDER BY step, tag").fetchall()

    torch.set_num_threads(1)
    straight = workspace.create_run(config, name="straight")
    assert list(run_training(straight))[-1].status == "finished"

    crashed = workspace.create_run(config, name="crashed")
    events = run_training(crashed)
    for event in events:
        if isinstance(event, StepEvent) and event.step == 5:
            break
    events.close()  # no checkpoint at 5: steps 4 and 5 are replayed from the step-3 checkpoint
    assert crashed.latest_checkpoint_step() == 3
    final = list(run_training(Run(crashed.path)))
    assert [e.step for e in final if isinstance(e, StepEvent)] == [4, 5, 6]
    expected = rows(straight)
    assert {tag for _, tag, _ in expected} >= CYCLEGAN_SCALARS
    assert rows(crashed) == expected  # every loss and the learning rate, exactly
