"""Guards: a non-finite loss pauses training and protects the checkpoints; an exception fails the run loudly."""

from __future__ import annotations

import pytest
import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.dcgan.method import DCGAN
from workbench.runs import Run, RunStatus
from workbench.runs.events import AlertEvent, CheckpointEvent, ControlEvent, RunEndEvent, StepEvent
from workbench.training.checkpoints import load_checkpoint
from workbench.training.control import TrainingControl
from workbench.training.runner import run_training

CONFIG = RunConfig(
    method=DCGANSettings(latent_dim=8, g_channels=8, d_channels=8),
    data=DataConfig(image_size=8, batch_size=8),
    train=TrainConfig(steps=8, checkpoint_every=2, sample_every=100, sample_count=4),
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def patch_step(monkeypatch, at_call: int, before=None, exc: Exception | None = None):
    """Wrap DCGAN.train_step: at the `at_call`-th call, run `before(method)` or raise `exc`."""
    original = DCGAN.train_step
    calls = {"n": 0}

    def train_step(self, batch):
        calls["n"] += 1
        if calls["n"] == at_call:
            if exc is not None:
                raise exc
            before(self)
        return original(self, batch)

    monkeypatch.setattr(DCGAN, "train_step", train_step)


def train_until_alert(workspace, name: str, kind: str):
    """A run of CONFIG trained until its first `kind` alert: (run, control, the event stream, the events seen)."""
    run = workspace.create_run(CONFIG, name=name)
    control = TrainingControl()
    events = run_training(run, control)
    seen = []
    for event in events:
        seen.append(event)
        if isinstance(event, AlertEvent) and event.kind == kind:
            break
    return run, control, events, seen


def poison_discriminator(method: DCGAN) -> None:
    with torch.no_grad():
        method.D.net[0].weight.fill_(float("nan"))  # a real divergence: every loss computed from D is NaN


def test_non_finite_loss_pauses_within_one_step_and_writes_no_checkpoint(workspace, monkeypatch):
    patch_step(monkeypatch, at_call=3, before=poison_discriminator)
    run, control, events, seen = train_until_alert(workspace, "nan", "non_finite")
    alert = seen[-1]
    assert isinstance(alert, AlertEvent) and alert.kind == "non_finite" and alert.step == 3
    assert "loss_d" in alert.message and "step 3" in alert.message and "step 2" in alert.message
    assert [e.step for e in seen if isinstance(e, StepEvent)] == [1, 2, 3]  # the alert follows the bad step
    assert control.paused

    control.step(1)  # one more single step while paused: still diverged, and step 4 would be a checkpoint step
    event = next(e for e in events if not isinstance(e, ControlEvent))  # the pause and the step, recorded
    assert isinstance(event, StepEvent) and event.step == 4
    control.stop()
    rest = list(events)
    assert not any(isinstance(e, CheckpointEvent) for e in rest)
    assert isinstance(rest[-1], RunEndEvent) and rest[-1].status == "stopped" and rest[-1].step == 4

    assert run.latest_checkpoint_step() == 2  # nothing written from the poisoned state
    assert sorted(p.name for p in run.checkpoints_dir.iterdir()) == ["0000000002.json", "0000000002.safetensors"]
    state = load_checkpoint_from(run)
    assert state["step"] == 2 and torch.isfinite(state["method"]["D"]["net.0.weight"]).all()
    assert run.status is RunStatus.STOPPED
    reader = Run(run.path).metrics_reader()
    assert any(kind == "alert:non_finite" and step == 3 for step, _, kind, _ in reader.read_new_events())
    loss_d = reader.read_new_scalars()["loss_d"]  # the diverged values are on record (SQLite NULL → NaN)
    assert loss_d[:, 0].tolist() == [1, 2, 3, 4]
    assert torch.isfinite(torch.from_numpy(loss_d[:2, 2])).all() and torch.isnan(torch.from_numpy(loss_d[2:, 2])).all()


def load_checkpoint_from(run: Run) -> dict:
    from workbench.runs.checkpoint_files import latest_checkpoint

    return load_checkpoint(latest_checkpoint(run.checkpoints_dir))


def test_exception_in_a_step_fails_the_run_and_keeps_the_last_checkpoint(workspace, monkeypatch):
    patch_step(monkeypatch, at_call=3, exc=RuntimeError("CUDA error: an illegal memory access (simulated)"))
    run = workspace.create_run(CONFIG, name="boom")
    steps = []
    with pytest.raises(RuntimeError, match="illegal memory access"):
        for event in run_training(run):
            if isinstance(event, StepEvent):
                steps.append(event.step)
    assert steps == [1, 2]
    info = Run(run.path).info()
    assert info.status == RunStatus.FAILED.value
    assert info.error == "RuntimeError: CUDA error: an illegal memory access (simulated)"
    assert run.latest_checkpoint_step() == 2
    assert load_checkpoint_from(run)["step"] == 2

    monkeypatch.undo()  # the fault is gone: the failed run resumes from its checkpoint (the lock was released)
    final = list(run_training(Run(run.path)))
    assert [e.step for e in final if isinstance(e, StepEvent)] == list(range(3, 9))
    assert Run(run.path).status is RunStatus.FINISHED and Run(run.path).info().error == ""


def test_out_of_memory_pauses_with_what_to_lower_and_keeps_the_checkpoints(workspace, monkeypatch):
    patch_step(monkeypatch, at_call=4, exc=torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    run, control, events, seen = train_until_alert(workspace, "oom", "out_of_memory")
    alert = seen[-1]
    assert alert.kind == "out_of_memory" and not alert.is_note and alert.step == 3
    assert "data.batch_size 8" in alert.message and "e.g. 4" in alert.message and "(step 2) is kept" in alert.message
    assert control.paused and run.info().status == "running"  # paused, not failed
    control.stop()
    rest = list(events)
    assert not any(isinstance(e, CheckpointEvent) for e in rest)  # part of the step may have been applied
    assert isinstance(rest[-1], RunEndEvent) and rest[-1].status == "stopped"
    assert run.latest_checkpoint_step() == 2 and run.info().status == "stopped"


def test_the_cli_stops_on_out_of_memory_with_status_1(workspace, monkeypatch, capsys):
    from workbench.cli import main

    patch_step(monkeypatch, at_call=3, exc=torch.OutOfMemoryError("CUDA out of memory"))
    assert main(["train", "--method", "dcgan", "--image-size", "8", "--batch-size", "8", "--steps", "6",
                 "--set", "method.latent_dim=8", "--set", "method.g_channels=8", "--set", "method.d_channels=8",
                 "--name", "oom-cli"]) == 1
    err = capsys.readouterr().err
    assert "alert at step 2: CPU out of memory in step 3 (data.batch_size 8" in err and "Traceback" not in err
    assert workspace.run("oom-cli").info().status == "stopped"
