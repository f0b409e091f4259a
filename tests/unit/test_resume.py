"""Resuming through the real run store is bit-identical to never having stopped."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.runs import Run, RunStatus
from workbench.runs.events import CheckpointEvent, RunEndEvent, StepEvent
from workbench.training.control import TrainingControl
from workbench.training.runner import run_training

STEPS = 10
CONFIG = RunConfig(
    method=DCGANSettings(latent_dim=8, g_channels=8, d_channels=8),
    data=DataConfig(image_size=8, batch_size=8),
    train=TrainConfig(steps=STEPS, seed=5, sample_every=3, checkpoint_every=4, sample_count=4),
)
REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def scalar_rows(run: Run) -> list[tuple[int, str, float]]:
    with sqlite3.connect(run.metrics_path) as conn:
        return conn.execute("SELECT step, tag, value FROM scalars ORDER BY step, tag").fetchall()


def losses(rows) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for step, tag, value in rows:
        assert tag not in out.setdefault(step, {}), f"{tag} recorded twice at step {step}"
        out[step][tag] = value
    return out


def uninterrupted(workspace) -> dict[int, dict[str, float]]:
    run = workspace.create_run(CONFIG, name="straight")
    events = list(run_training(run))
    assert isinstance(events[-1], RunEndEvent) and events[-1].status == "finished"
    from_events = {e.step: e.scalars for e in events if isinstance(e, StepEvent)}
    recorded = losses(scalar_rows(run))  # step scalars, plus metrics of the sample grids (e.g. their diversity)
    assert trained_steps(recorded) == list(range(1, STEPS + 1))
    assert all(recorded[step].items() >= scalars.items() for step, scalars in from_events.items())
    return recorded


def trained_steps(recorded: dict[int, dict[str, float]]) -> list[int]:
    return sorted(step for step, tags in recorded.items() if "loss_d" in tags)


def test_stop_then_resume_in_a_fresh_process_is_bit_identical(workspace):
    expected = uninterrupted(workspace)

    run = workspace.create_run(CONFIG, name="stopped")
    control = TrainingControl()
    events = []
    for event in run_training(run, control):
        events.append(event)
        if isinstance(event, StepEvent) and event.step == 6:
            control.stop()  # checkpoint_every is 4: the stop itself must write the step-6 checkpoint
    assert isinstance(events[-1], RunEndEvent) and events[-1].status == "stopped" and events[-1].step == 6
    assert [e.step for e in events if isinstance(e, CheckpointEvent)] == [4, 6]
    assert run.status is RunStatus.STOPPED and run.info().step == 6 and run.latest_checkpoint_step() == 6

    # A new interpreter: nothing in memory (RNG states, BatchNorm buffers, optimizer moments) carries over.
    resumed = subprocess.run([sys.executable, "-m", "workbench", "train", "--resume", "stop"],
                             cwd=REPO, capture_output=True, text=True, timeout=240,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert resumed.returncode == 0, resumed.stderr
    assert "run stopped: finished at step 10/10" in resumed.stdout

    run = Run(run.path)
    assert run.status is RunStatus.FINISHED and run.info().step == STEPS and run.info().error == ""
    got = losses(scalar_rows(run))  # also fails on any duplicated row
    assert trained_steps(got) == list(range(1, STEPS + 1))
    assert got == expected  # exact equality of every loss and diagnostic, not approximate
    assert run.sample_steps() == [0, 3, 6, 9, 10]


def test_resume_after_an_abrupt_end_replays_the_steps_after_the_checkpoint_once(workspace):
    expected = uninterrupted(workspace)

    run = workspace.create_run(CONFIG, name="crashed")
    events = run_training(run)
    for event in events:
        if isinstance(event, StepEvent) and event.step == 7:
            break
    events.close()  # the consumer goes away mid-run (window closed, process ending): no checkpoint at 7
    assert run.status is RunStatus.INTERRUPTED and run.latest_checkpoint_step() == 4
    assert trained_steps(losses(scalar_rows(run))) == list(range(1, 8))  # steps 5 to 7 were recorded...
    assert run.sample_steps() == [0, 3, 6]

    final = list(run_training(Run(run.path)))  # ...and are replayed from the step-4 checkpoint
    assert [e.step for e in final if isinstance(e, StepEvent)] == list(range(5, STEPS + 1))
    assert final[-1].status == "finished"
    assert losses(scalar_rows(run)) == expected
    assert Run(run.path).status is RunStatus.FINISHED
    assert run.sample_steps() == [0, 3, 6, 9, 10]
