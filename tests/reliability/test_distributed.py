"""Data-parallel training with real processes: `workbench train --nproc 2` and `torchrun … -m workbench train`
(two Gloo processes on the CPU) train the run one process would train with the same global batch, only process 0
writes the run, a single process resumes it, and nothing outlives a killed launcher."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_processes import processes_mentioning

TOY = ["--method", "toy_gan", "--data", "gaussians2d-ring", "--batch-size", "64",
       "--set", "train.sample_every=10", "--set", "train.checkpoint_every=10"]
VAE = ["--method", "vae", "--data", "digits", "--image-size", "8", "--batch-size", "16",
       "--set", "method.channels=8", "--set", "method.latent_dim=4", "--set", "train.sample_every=10",
       "--set", "train.sample_count=16"]
TIMEOUT = 240


def _env(ws: Path) -> dict[str, str]:
    return dict(os.environ, WORKBENCH_WORKSPACE=str(ws), OMP_NUM_THREADS="1", WORKBENCH_CLASS_COVERAGE="0",
                WORKBENCH_EXAMPLES="")


def _workbench(ws: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "workbench", "train", *args], env=_env(ws), capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _losses(ws: Path, run: str) -> list[tuple[int, str, float]]:
    with sqlite3.connect(ws / "runs" / run / "metrics.sqlite") as con:
        return con.execute("SELECT step, tag, value FROM scalars WHERE tag LIKE 'loss%' ORDER BY step, tag").fetchall()


def _files(ws: Path, run: str) -> list[str]:
    folder = ws / "runs" / run
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith((".", "control")) and "-wal" not in p.name
                  and "-shm" not in p.name)


def _max_relative_difference(a: list, b: list) -> float:
    assert [(s, t) for s, t, _ in a] == [(s, t) for s, t, _ in b]
    return max(abs(x - y) / max(abs(x), 1e-6) for (_, _, x), (_, _, y) in zip(a, b, strict=True))


def test_two_processes_train_what_one_would_and_one_resumes_it(tmp_path):
    ws = tmp_path / "ws"
    _workbench(ws, *TOY, "--steps", "20", "--name", "one")
    _workbench(ws, *TOY, "--steps", "20", "--name", "two", "--nproc", "2")
    # No batch norm, noise drawn for the global batch: the same losses up to float summation order.
    assert _max_relative_difference(_losses(ws, "one"), _losses(ws, "two")) < 1e-5
    assert _files(ws, "one") == _files(ws, "two")  # one set of files: process 0 alone wrote them
    assert len(_losses(ws, "two")) == 20 * 2  # every step recorded once, not once per process

    # A single process continues the two-process run exactly as the one-process run goes on.
    _workbench(ws, "--resume", "two", "--steps", "30")
    _workbench(ws, "--resume", "one", "--steps", "30")
    assert _max_relative_difference(_losses(ws, "one"), _losses(ws, "two")) < 1e-5


def test_torchrun_trains_a_vae_with_per_process_batch_norm(tmp_path):
    ws = tmp_path / "ws"
    _workbench(ws, *VAE, "--steps", "12", "--name", "one")
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                           "-m", "workbench", "train", *VAE, "--steps", "12", "--name", "two"],
                          env=_env(ws), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    one, two = _losses(ws, "one"), _losses(ws, "two")
    # Batch norm normalises each process's half of the batch, so the losses differ a little (stated tolerance).
    assert 0 < _max_relative_difference(one, two) < 0.02
    assert _files(ws, "one") == _files(ws, "two")


def test_an_uneven_batch_is_refused_before_training(tmp_path):
    ws = tmp_path / "ws"
    done = subprocess.run([sys.executable, "-m", "workbench", "train", *TOY[:4], "--batch-size", "63",
                           "--steps", "5", "--nproc", "2"], env=_env(ws), capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode != 0
    assert "data.batch_size: 63 images per step do not divide among 2 processes" in done.stderr
    assert "Traceback" not in done.stderr.split("workbench: error")[-1]


def test_pause_resume_and_stop_from_another_process_reach_every_process(tmp_path):
    """`workbench control` (as the window does) talks to process 0; its decision holds the others."""
    ws = tmp_path / "ws"
    launcher = subprocess.Popen([sys.executable, "-m", "workbench", "train", *TOY, "--steps", "100000",
                                 "--name", "steered", "--nproc", "2"], env=_env(ws), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not list((ws / "runs" / "steered" / "checkpoints").glob("*.safetensors")):
            assert time.monotonic() < deadline and launcher.poll() is None
            time.sleep(0.5)
        for action in ("pause", "resume", "stop"):
            control = subprocess.run([sys.executable, "-m", "workbench", "control", "steered", action],
                                     env=_env(ws), capture_output=True, text=True, timeout=TIMEOUT)
            assert control.returncode == 0, control.stderr
        assert launcher.wait(timeout=TIMEOUT) == 0
        assert "status = \"stopped\"" in (ws / "runs" / "steered" / "run.toml").read_text()
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_killing_the_launcher_ends_every_process(tmp_path):
    ws = tmp_path / "ws"
    launcher = subprocess.Popen([sys.executable, "-m", "workbench", "train", *TOY, "--steps", "100000",
                                 "--name", "long", "--nproc", "2"], env=_env(ws), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not list((ws / "runs" / "long" / "checkpoints").glob("*.safetensors")):
            assert time.monotonic() < deadline and launcher.poll() is None
            time.sleep(0.5)
        workers = processes_mentioning("--name long")
        assert len(workers) >= 2
        launcher.send_signal(signal.SIGKILL)
        launcher.wait()
        deadline = time.monotonic() + 30
        while processes_mentioning("--name long") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert processes_mentioning("--name long") == []
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_machines_rendezvous_and_train_a_folder_run_through_data_loaders(tmp_path):
    """Two torchrun launches with --nnodes 2 (the multi-machine command of the README, both on this machine),
    each process reading its share of every batch from a folder through its own DataLoader worker."""
    from PIL import Image

    folder = tmp_path / "pictures"
    folder.mkdir()
    for i in range(40):
        Image.effect_noise((12, 12), 30 + i).save(folder / f"{i:02d}.png")
    ws = tmp_path / "ws"
    data = [*VAE, "--data", "folder", "--root", str(folder), "--set", "data.workers=1", "--steps", "12"]
    _workbench(ws, *data, "--name", "one")
    launch = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc-per-node", "1",
              "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{_free_port()}", "--rdzv-id", "two-machines",
              "-m", "workbench", "train", *data, "--name", "two"]
    machines = [subprocess.Popen(launch, env=_env(ws), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    try:
        for machine in machines:
            _, err = machine.communicate(timeout=TIMEOUT)
            assert machine.returncode == 0, err[-3000:]
    finally:
        for machine in machines:
            machine.kill()
    assert 0 < _max_relative_difference(_losses(ws, "one"), _losses(ws, "two")) < 0.02  # batch norm per process
    assert _files(ws, "one") == _files(ws, "two")
    assert processes_mentioning(str(folder)) == []  # no process or data loader worker is left
