"""`workbench watch`: a real `workbench train` in one process, watched from another through the run store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.runs import Run

TIMEOUT_S = 240


def _tiny_run(workspace, name: str, steps: int):
    config = RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), DataConfig(image_size=8, batch_size=16),
                       TrainConfig(steps=steps, sample_every=500, checkpoint_every=500, sample_count=16))
    return workspace.create_run(config, name=name)


def _workbench(*args: str, **popen) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "workbench", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def _wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_watch_follows_a_run_trained_by_another_process_until_it_ends(workspace):
    run = _tiny_run(workspace, "watched", steps=1500)
    watch = _workbench("watch", run.id, "--interval", "0.2")  # before training starts: it sees everything
    head: list[str] = []
    _wait_for(lambda: head.append(watch.stdout.readline()) or head[-1].startswith("waiting"), "the watcher")
    train = _workbench("train", "--resume", run.id)
    try:
        out, err = watch.communicate(timeout=TIMEOUT_S)
    finally:
        train.wait(timeout=TIMEOUT_S)
    assert watch.returncode == 0, err
    lines = "".join(head).splitlines() + out.splitlines()
    assert lines[:3] == [f"run {run.id}: dcgan on digits, 1500 steps; not trained yet", "step 0/1500",
                         "no checkpoint yet"]
    assert "waiting for it to start (Ctrl-C to leave)" in lines
    assert "training started at step 0" in lines
    for step in (500, 1000, 1500):
        assert f"checkpoint at step {step}: {step:010d}.safetensors" in lines
    assert lines[-1] == "run finished at step 1500"
    progress = [line for line in lines[3:] if line.startswith("step ")]
    steps = [int(line.split()[1].split("/")[0]) for line in progress]
    assert len(steps) >= 2 and steps == sorted(steps) and steps[-1] == 1500, out
    assert all("/1500" in line and "loss_d " in line and "loss_g " in line for line in progress), out
    assert any("it/s  ETA " in line for line in progress), out

    once = subprocess.run([sys.executable, "-m", "workbench", "watch", run.id, "--once"], capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    assert once.returncode == 0, once.stderr
    assert once.stdout.splitlines() == [
        f"run {run.id}: dcgan on digits, 1500 steps; finished",
        once.stdout.splitlines()[1],
        "last checkpoint: step 1500 (0000001500.safetensors)",
        "finished at step 1500",
    ]
    assert once.stdout.splitlines()[1].startswith("step 1500/1500  loss_d ")


def test_watch_says_when_the_trainer_is_killed(workspace):
    run = _tiny_run(workspace, "killed", steps=10**6)
    train = _workbench("train", "--resume", run.id)
    try:
        _wait_for(lambda: Run(run.path).info().status == "running", "training to start")
        watch = _workbench("watch", run.id)
        _wait_for(lambda: (run.metrics_reader().last_step() or 0) > 0, "the first steps")
        time.sleep(1.0)
    finally:
        train.send_signal(signal.SIGKILL)
        train.wait(timeout=TIMEOUT_S)
    out, err = watch.communicate(timeout=TIMEOUT_S)
    assert watch.returncode == 1, out + err
    assert out.splitlines()[0].startswith(f"run {run.id}: dcgan on digits, 1000000 steps; training in process ")
    assert out.splitlines()[-1].startswith("run interrupted at step ")


def test_ctrl_c_leaves_the_watch_and_once_reports_a_run_never_trained(workspace):
    run = _tiny_run(workspace, "idle", steps=10)
    once = subprocess.run([sys.executable, "-m", "workbench", "watch", run.id, "--once"], capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    assert once.returncode == 0 and once.stdout.splitlines() == [
        f"run {run.id}: dcgan on digits, 10 steps; not trained yet", "step 0/10", "no checkpoint yet"]
    watch = _workbench("watch", run.id)
    _wait_for(lambda: watch.stdout.readline().startswith("waiting for it to start"), "the watcher to wait")
    watch.send_signal(signal.SIGINT)
    out, err = watch.communicate(timeout=TIMEOUT_S)
    assert watch.returncode == 130
    assert f"stopped watching run {run.id} (its training goes on)" in err
