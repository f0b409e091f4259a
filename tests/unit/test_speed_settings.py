"""The speed settings of `train` on every method: mixed precision (bfloat16 autocast here on the CPU; float16 with a
gradient scaler is the CUDA path), channels-last memory and torch.compile change how a step runs, not what it
computes, and checkpoints stay interchangeable with plain float32 runs."""

from __future__ import annotations

import math
import shutil

import pytest
import torch

from tests.unit.test_method_contract import SPECS, tiny_config
from workbench.config import ConfigError
from workbench.methods.base import autocast_dtype
from workbench.training.session import TrainingSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py
TRAINABLE = sorted(name for name, spec in SPECS.items() if spec.trainable)


def losses(session: TrainingSession, steps: int) -> list[dict[str, float]]:
    return [session.method.train_step(session.next_batch()) for _ in range(steps)]


@pytest.mark.parametrize("name", TRAINABLE)
def test_every_method_trains_in_mixed_precision_and_channels_last(name):
    config = tiny_config(SPECS[name]).replace("train", mixed_precision=True, channels_last=True)
    session = TrainingSession(config)
    assert session.method.amp and session.method.amp_dtype == torch.bfloat16 and not session.method.scales_loss
    for scalars in losses(session, 2):
        assert all(math.isfinite(v) for v in scalars.values()), scalars
    plain = TrainingSession(tiny_config(SPECS[name], seed=1))  # a float32 run loads its checkpoint
    plain.load_state_dict(session.state_dict())
    assert all(math.isfinite(v) for v in losses(plain, 1)[0].values())
    session.close()
    plain.close()


def test_mixed_precision_really_computes_in_bfloat16_close_to_float32():
    config = tiny_config(SPECS["dcgan"])
    full = losses(TrainingSession(config), 3)
    half = losses(TrainingSession(config.replace("train", mixed_precision=True)), 3)
    assert [s["loss_d"] for s in half] != [s["loss_d"] for s in full], "autocast changed nothing"
    assert [s["loss_d"] for s in half] == pytest.approx([s["loss_d"] for s in full], rel=0.05)


def test_channels_last_converts_the_convolutions_and_keeps_the_losses():
    config = tiny_config(SPECS["dcgan"])
    session = TrainingSession(config.replace("train", channels_last=True))
    convolutions = [m for m in session.method.D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convolutions and all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convolutions)
    expected = losses(TrainingSession(config), 3)
    assert [s["loss_d"] for s in losses(session, 3)] == pytest.approx([s["loss_d"] for s in expected], abs=1e-4)


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="torch.compile on the CPU "
                    "needs a C compiler")
def test_compile_keeps_the_losses_and_the_checkpoint_keys():
    config = tiny_config(SPECS["dcgan"])
    compiled = TrainingSession(config.replace("train", compile=True))
    eager = TrainingSession(config)
    assert [s["loss_d"] for s in losses(compiled, 2)] == pytest.approx([s["loss_d"] for s in losses(eager, 2)],
                                                                       abs=1e-5)
    assert compiled.method.G.state_dict().keys() == eager.method.G.state_dict().keys()


def test_the_16_bit_type_is_chosen_per_device_and_float16_is_refused_on_the_cpu():
    cpu = torch.device("cpu")
    assert autocast_dtype("auto", cpu) == torch.bfloat16 and autocast_dtype("float16", cpu) == torch.float16
    with pytest.raises(ConfigError, match="train.amp_dtype"):
        tiny_config(SPECS["dcgan"]).replace("train", mixed_precision=True, amp_dtype="float16")
