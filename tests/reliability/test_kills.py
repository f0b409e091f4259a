"""The reliability campaign, part 2: real `workbench train` processes killed with SIGKILL and Ctrl-C.

- No helper outlives the trainer: the class-coverage classifier's process exits with it, and no process of the
  workbench holds a network socket.
- Two trainings in one workspace train the classifier once (a lock file; the second waits for the cache).
- A run killed again and again at random moments and resumed each time ends bit-identical to one trained
  without interruption, and whenever checkpoint N is on disk, every loss row up to step N is too.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from live_processes import processes_mentioning

from workbench.runs.checkpoint_files import latest_checkpoint

TINY = ["--method", "dcgan", "--data", "digits", "--image-size", "8", "--batch-size", "16",
        "--set", "method.g_channels=8", "--set", "method.d_channels=8", "--set", "method.latent_dim=8",
        "--set", "train.sample_count=16"]


def _env(ws: Path, coverage: bool) -> dict[str, str]:
    return dict(os.environ, WORKBENCH_WORKSPACE=str(ws), OMP_NUM_THREADS="1",
                WORKBENCH_CLASS_COVERAGE="1" if coverage else "0")


def _train(ws: Path, *args: str, coverage: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workbench", "train", *args], env=_env(ws, coverage),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _sockets(pid: int) -> int:
    """Open sockets of `pid` (network or otherwise): the workbench opens none."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


def _wait_for(predicate, timeout: float, what: str):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _coverage_helpers(ws: Path) -> list[int]:
    return [pid for pid in processes_mentioning("workbench.training.class_coverage")
            if pid in processes_mentioning(str(ws))]


@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "Ctrl-C"])
def test_no_process_outlives_the_trainer(tmp_path, stop_signal):
    ws = tmp_path / "ws"
    trainer = _train(ws, *TINY, "--steps", "100000", "--set", "train.sample_every=20", coverage=True)
    try:
        helpers = _wait_for(lambda: _coverage_helpers(ws), 120, "the class-coverage helper to start")
        assert _sockets(trainer.pid) == 0 and all(_sockets(pid) == 0 for pid in helpers)
        trainer.send_signal(stop_signal)
        trainer.wait(60)
        _wait_for(lambda: not processes_mentioning(str(ws)), 5, "every workbench process to exit")
    finally:
        if trainer.poll() is None:
            trainer.kill()
            trainer.wait()
    if stop_signal == signal.SIGINT:
        assert trainer.returncode == 0, trainer.stderr.read().decode()


def test_two_trainings_train_the_classifier_once(tmp_path):
    """The second run finds the classifier being trained (its lock held) and waits for the cache."""
    ws = tmp_path / "ws"
    log = ws / "feature_extractors" / "training.log"
    args = (*TINY, "--steps", "100000", "--set", "train.sample_every=20")
    first = _train(ws, *args, "--name", "first", coverage=True)
    second = None
    try:
        _wait_for(lambda: _coverage_helpers(ws), 120, "the first helper")
        second = _train(ws, *args, "--name", "second", coverage=True)
        _wait_for(lambda: (ws / "runs" / "second" / "samples" / "samples_00000000.png").exists(), 120,
                  "the second run's first samples (when it asks for the classifier)")
        for trainer in (first, second):  # let the classifier have the CPU; the trainers stay alive
            os.kill(trainer.pid, signal.SIGSTOP)
        weights = ws / "feature_extractors" / "digits-cnn-8px-1ch.safetensors"
        _wait_for(lambda: weights.exists() and not _coverage_helpers(ws), 240, "the classifier to be cached")
        lines = log.read_text().splitlines()
        assert sum(": trained, held-out accuracy" in line for line in lines) == 1, lines
    finally:
        for trainer in (first, second):
            if trainer is not None and trainer.poll() is None:
                trainer.kill()
                trainer.wait()
    _wait_for(lambda: not processes_mentioning(str(ws)), 5, "every workbench process to exit")


def _loss_steps(run: Path) -> list[int]:
    with sqlite3.connect(run / "metrics.sqlite") as conn:
        return [row[0] for row in conn.execute("SELECT step FROM scalars WHERE tag = 'loss_d' ORDER BY step")]


def _recorded_step(run: Path) -> int:
    try:
        steps = _loss_steps(run)
    except sqlite3.Error:
        return 0
    return steps[-1] if steps else 0


def _final_tensors(run: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    files = latest_checkpoint(run / "checkpoints")
    return load_file(str(files.tensors))


def test_killed_at_random_and_resumed_ends_bit_identical(tmp_path):
    """SIGKILL at random moments while training (checkpoints every 7 steps), resume after each: the final
    weights, optimiser and RNG states equal those of an uninterrupted run, and no loss row is lost."""
    ws = tmp_path / "ws"
    args = (*TINY, "--steps", "300", "--set", "train.checkpoint_every=7", "--set", "train.sample_every=25")
    reference = _train(ws, *args, "--name", "reference")
    assert reference.wait(300) == 0, reference.stderr.read().decode()
    run = ws / "runs" / "victim"
    rng = random.Random(12)
    kills = 0
    trainer = _train(ws, *args, "--name", "victim")
    while True:
        start = _recorded_step(run)
        target = start + rng.randint(3, 40)
        deadline = time.monotonic() + 120
        while trainer.poll() is None and _recorded_step(run) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.05))
        if trainer.poll() is not None:
            break
        trainer.kill()
        trainer.wait()
        kills += 1
        from workbench.runs import Run

        if Run(run).info().status == "finished":  # killed while exiting: nothing left to resume
            break
        done = latest_checkpoint(run / "checkpoints")
        if done is not None:  # everything recorded up to the checkpoint survived the kill
            steps = _loss_steps(run)
            assert set(range(1, done.step + 1)) <= set(steps), f"loss rows lost before checkpoint {done.step}"
        trainer = _train(ws, "--resume", "victim")
    assert trainer.returncode in (0, -signal.SIGKILL), trainer.stderr.read().decode()
    print(f"killed {kills} times, resumed {kills} times, final state bit-identical")
    assert kills >= 5
    assert _loss_steps(run) == list(range(1, 301)), "every step recorded exactly once"
    expected, got = _final_tensors(ws / "runs" / "reference"), _final_tensors(run)
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), f"{key} differs after {kills} kills"
