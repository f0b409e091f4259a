"""The run store across processes: live metric tailing, status in run.toml, the training lock, run lookup."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from workbench.config import RunConfig, TrainConfig
from workbench.methods.vae import VAESettings
from workbench.runs import MetricsReader, Run, RunLockedError, RunStatus

CONFIG = RunConfig(method=VAESettings(latent_dim=2), train=TrainConfig(steps=10))

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbench.runs import MetricsWriter

    db, ack = Path(sys.argv[1]), Path(sys.argv[2])
    writer = MetricsWriter(db, commit_interval=0.0)
    for step in range(1, 301):
        writer.add_scalars(step, time.time(), {"loss": step * 0.5, "kl": -step})
        if step == 100:
            writer.add_event(step, time.time(), "checkpoint", "first")
            deadline = time.monotonic() + 60
            while not ack.exists():  # wait until the reader has seen the first rows
                if time.monotonic() > deadline:
                    sys.exit("reader never acknowledged")
                time.sleep(0.01)
        if step % 50 == 0:
            time.sleep(0.02)
    writer.add_event(300, time.time(), "end", "done")
    writer.close()
    """
)


def test_reader_tails_rows_written_by_another_process(tmp_path):
    db, ack = tmp_path / "metrics.sqlite", tmp_path / "ack"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(ack)])
    reader = MetricsReader(db)
    steps: dict[str, list[int]] = {"loss": [], "kl": []}
    events, last_ids, reads_with_rows = [], [], 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            exited = proc.poll() is not None
            new = reader.read_new_scalars()
            events += reader.read_new_events()
            if new:
                reads_with_rows += 1
                last_ids.append(reader.last_scalar_id)
                for tag, rows in new.items():
                    steps[tag] += rows[:, 0].astype(int).tolist()
                    if tag == "loss":
                        assert rows[:, 2].tolist() == [s * 0.5 for s in rows[:, 0]]
            if steps["loss"] and not ack.exists():
                assert len(steps["loss"]) <= 100  # the writer is still blocked at step 100
                ack.touch()
            if exited and not new:
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0
    assert steps["loss"] == list(range(1, 301)), "rows missing, duplicated or out of order"
    assert steps["kl"] == list(range(1, 301))
    assert reads_with_rows >= 2, "rows must arrive while the writer is still writing"
    assert last_ids == sorted(set(last_ids))
    assert [(e[0], e[2], e[3]) for e in events] == [(100, "checkpoint", "first"), (300, "end", "done")]
    assert reader.read_new_scalars() == {} and reader.read_new_events() == []  # nothing comes twice
    assert reader.scalar_tags() and set(reader.scalar_tags()) == {"loss", "kl"}
    reader.close()


def test_reader_of_a_missing_database_is_empty(tmp_path):
    reader = MetricsReader(tmp_path / "nothing.sqlite")
    assert reader.read_new_scalars() == {} and reader.read_new_events() == [] and reader.read_new_samples() == []
    assert not (tmp_path / "nothing.sqlite").exists()


def test_status_transitions_are_stored_in_run_toml(workspace):
    run = workspace.create_run(CONFIG, name="r1")
    assert run.status is RunStatus.CREATED and run.info().step == 0
    assert (run.path / "run.toml").is_file() and run.samples_dir.is_dir() and run.checkpoints_dir.is_dir()
    for status, step in ((RunStatus.RUNNING, 0), (RunStatus.STOPPED, 4), (RunStatus.RUNNING, 4),
                         (RunStatus.FINISHED, 10)):
        run.update(status=status, step=step, pid=os.getpid(), host=socket.gethostname())
        fresh = Run(run.path)  # another process reading the folder sees the same
        assert fresh.status is status and fresh.info().step == step
    assert Run(run.path).config == CONFIG
    run.update(status=RunStatus.FAILED, error="RuntimeError: boom")
    info = Run(run.path).info()
    assert info.status == "failed" and info.error == "RuntimeError: boom" and info.id == "r1"
    assert [s.resumable for s in RunStatus] == [True, False, True, False, True, True]
    versions = (run.path / "run.toml").read_text()
    assert "[versions]" in versions and "torch" in versions  # kept across updates


def test_running_run_of_a_dead_process_reads_as_interrupted(workspace):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = workspace.create_run(CONFIG, name="orphan")
    run.update(status=RunStatus.RUNNING, pid=dead.pid, host=socket.gethostname())
    assert run.status is RunStatus.INTERRUPTED
    run.update(status=RunStatus.RUNNING, pid=os.getpid())
    assert run.status is RunStatus.RUNNING


LOCKER = textwrap.dedent(
    """
    import sys
    from workbench.runs import Run, RunLockedError
    try:
        Run(sys.argv[1]).acquire()
    except RunLockedError as err:
        print(err)
        sys.exit(3)
    print("acquired")
    """
)


def test_training_lock_refuses_a_second_process(workspace):
    run = workspace.create_run(CONFIG, name="locked")
    run.acquire()
    try:
        other = subprocess.run([sys.executable, "-c", LOCKER, str(run.path)], capture_output=True, text=True,
                               timeout=120)
        assert other.returncode == 3, other.stderr
        assert f"process {os.getpid()}" in other.stdout and "locked" in other.stdout
        with pytest.raises(RunLockedError):  # a second worker in this process is refused too
            Run(run.path).acquire()
    finally:
        run.release()
    again = subprocess.run([sys.executable, "-c", LOCKER, str(run.path)], capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0 and "acquired" in again.stdout, again.stderr


def test_workspace_finds_runs_by_id_prefix_or_path(workspace):
    for name in ("alpha-1", "alpha-2", "beta", "ab", "abc"):
        workspace.create_run(CONFIG, name=name)
    assert [r.id for r in workspace.runs()] == ["beta", "alpha-2", "alpha-1", "abc", "ab"]
    assert workspace.run("beta").id == "beta"
    assert workspace.run("be").id == "beta"
    assert workspace.run("alpha-2").id == "alpha-2"
    assert workspace.run("ab").id == "ab"  # an exact id wins over the prefix it also is
    assert workspace.run(str(workspace.runs_dir / "abc")).id == "abc"
    with pytest.raises(KeyError, match="matches several runs: alpha-2, alpha-1"):
        workspace.run("alpha")
    with pytest.raises(KeyError, match="no run 'zeta'"):
        workspace.run("zeta")
    with pytest.raises(FileExistsError):
        workspace.create_run(CONFIG, name="beta")
    (workspace.runs_dir / "not-a-run").mkdir()
    assert "not-a-run" not in [r.id for r in workspace.runs()]


def test_non_finite_values_are_stored_and_read_back(tmp_path):
    from workbench.runs import MetricsWriter

    writer = MetricsWriter(tmp_path / "m.sqlite")
    writer.add_scalars(1, 0.0, {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "ok": 1.5})
    writer.close()
    rows = MetricsReader(tmp_path / "m.sqlite").read_new_scalars()
    assert math.isnan(rows["nan"][0, 2])
    assert rows["inf"][0, 2] == math.inf and rows["ninf"][0, 2] == -math.inf and rows["ok"][0, 2] == 1.5
