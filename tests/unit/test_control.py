"""Controlling a run trained by another process: a real `python -m workbench train` paused, stepped, resumed and
stopped from this process (RunControl) and from `workbench control`; the channel's rules on their own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import closing

import pytest

from workbench.cli import main
from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.runs import Run, RunControl, RunLockedError, RunNotRunningError, RunStatus
from workbench.runs.control import CONTROL_FILE, POLL_S, RequestTail, recorded_step
from workbench.runs.event_reader import EventReader
from workbench.runs.events import ControlEvent, RunEndEvent
from workbench.training.control import TrainingControl

TIMEOUT_S = 240
CONFIG = RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), DataConfig(image_size=8, batch_size=16),
                   TrainConfig(steps=10**6, sample_every=500, checkpoint_every=500, sample_count=16))


def _wait_for(predicate, what: str):
    deadline = time.monotonic() + TIMEOUT_S
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


def _workbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=dict(os.environ, OMP_NUM_THREADS="1"))


def test_pause_step_resume_and_stop_a_run_trained_by_another_process(workspace):
    run = workspace.create_run(CONFIG, name="remote")
    trainer = subprocess.Popen([sys.executable, "-m", "workbench", "train", "--resume", run.id],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, OMP_NUM_THREADS="1"))
    try:
        _wait_for(lambda: Run(run.path).info().status == "running" and recorded_step(run) > 0, "training to start")
        control = RunControl(run)

        paused = control.wait(control.request("pause"), TIMEOUT_S)  # acknowledged at the step where it took effect
        assert isinstance(paused, ControlEvent) and paused.action == "pause"
        n = paused.step
        assert recorded_step(run) == n  # the steps before the pause are committed with it, and none after
        state = control.state()
        assert state.running and state.paused and state.step == n and state.reason == ""
        time.sleep(0.5)
        assert recorded_step(run) == n  # its step stops advancing
        with pytest.raises(RunLockedError, match="run remote is being trained"):
            workspace.trash_run(run)  # a run being trained stays where it is

        stepped = control.wait(control.request("step"), TIMEOUT_S)
        assert stepped.action == "step" and stepped.step == n
        _wait_for(lambda: recorded_step(run) == n + 1, "exactly one step")
        first, second = control.request("step"), control.request("step")  # two quick requests: two steps
        assert second > first
        _wait_for(lambda: recorded_step(run) == n + 3, "two more steps")
        time.sleep(0.5)
        assert recorded_step(run) == n + 3 and control.state().paused

        resumed = _workbench("control", run.id, "resume")  # from the CLI, another process again
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout == f"run remote: resumed at step {n + 3}\n"  # not one step more before it
        _wait_for(lambda: recorded_step(run) > n + 20, "training to go on")
        assert not control.state().paused

        stopped = _workbench("control", run.id, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.startswith("run remote: stopping at step ")
        end = int(stopped.stdout.split("stopping at step ")[1].split(":")[0])
        out, err = trainer.communicate(timeout=TIMEOUT_S)
    finally:
        if trainer.poll() is None:
            trainer.kill()
            trainer.wait()
    assert trainer.returncode == 0, err
    assert f"run remote: stopped at step {end}/1000000" in out
    run = Run(run.path)
    assert run.status is RunStatus.STOPPED and run.info().step == end and run.latest_checkpoint_step() == end

    with closing(EventReader(run)) as reader:
        events = reader.read_new()
    controls = [e for e in events if isinstance(e, ControlEvent)]
    assert [(e.action, e.step) for e in controls] == [("pause", n), ("step", n), ("step", n + 1), ("step", n + 2),
                                                      ("resume", n + 3), ("stop", end)] or \
           [(e.action, e.step) for e in controls] == [("pause", n), ("step", n), ("step", n + 1), ("step", n + 1),
                                                      ("resume", n + 3), ("stop", end)]  # both steps in one look
    assert [e.request for e in controls][2:4] == [first, second] and all(e.request > 0 for e in controls)
    assert isinstance(events[-1], RunEndEvent) and events[-1].status == "stopped" and events[-1].step == end

    again = _workbench("control", run.id, "pause")
    assert again.returncode == 2
    assert again.stderr == "workbench: error: run remote is not running (stopped); nothing to pause, step or stop\n"
    assert not RunControl(run).state().running


def test_requests_made_before_the_trainer_started_are_ignored_and_none_is_lost(workspace):
    run = workspace.create_run(CONFIG, name="channel")
    run.update(status=RunStatus.RUNNING, pid=os.getpid(), host=socket.gethostname())  # this process trains it
    control = RunControl(run)
    old = control.request("stop")  # meant for an earlier session
    tail = RequestTail(run.path)
    trainer = TrainingControl()
    trainer.listen(tail)
    time.sleep(POLL_S)
    assert trainer.changes() == [] and not trainer.stop_requested

    numbers = [control.request(action) for action in ("pause", "step", "step")]
    assert numbers == sorted(numbers) and numbers[0] > old
    time.sleep(POLL_S)
    assert trainer.changes() == [("pause", numbers[0]), ("step", numbers[1]), ("step", numbers[2])]
    assert trainer.paused
    assert trainer.wait_for_permission() and trainer.wait_for_permission()  # two steps while paused

    (run.path / CONTROL_FILE).write_text("{not json", encoding="utf-8")  # a damaged file: nothing, no crash
    time.sleep(POLL_S)
    assert trainer.changes() == []
    resume = control.request("resume")  # rewrites it
    time.sleep(POLL_S)
    assert trainer.changes() == [("resume", resume)] and not trainer.paused

    trainer.pause()  # this process's own buttons are recorded too (request 0)
    (run.path / CONTROL_FILE).unlink()  # a deleted file: numbers keep increasing
    stop = control.request("stop")
    assert stop > resume
    time.sleep(POLL_S)
    assert trainer.changes() == [("pause", 0), ("stop", stop)]
    assert not trainer.wait_for_permission()  # a stop ends a pause


def test_a_paused_loop_wakes_for_a_request_from_another_process(workspace):
    run = workspace.create_run(CONFIG, name="waiting")
    run.update(status=RunStatus.RUNNING, pid=os.getpid(), host=socket.gethostname())
    trainer = TrainingControl(paused=True)
    trainer.listen(RequestTail(run.path))
    asker = subprocess.Popen([sys.executable, "-c", "import sys, time; from workbench.runs import RunControl; "
                              "time.sleep(0.3); RunControl(sys.argv[1]).request('step')", str(run.path)])
    try:
        assert trainer.wait_for_permission()  # blocked until the other process asked for one step
    finally:
        asker.wait(timeout=TIMEOUT_S)
    assert [action for action, _ in trainer.granted_changes()] == ["step"] and trainer.paused


@pytest.mark.parametrize("status", ["created", "finished", "interrupted"])
def test_control_of_a_run_that_is_not_running_exits_2_with_the_reason(workspace, capsys, status):
    run = workspace.create_run(CONFIG, name=f"not-{status}")
    if status != "created":  # a dead pid on this host reads as interrupted
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()
        run.update(status="running" if status == "interrupted" else status, pid=int(dead), host=socket.gethostname())
    reason = {"created": "created: it has not been trained yet); nothing to control",
              "finished": "finished); nothing to pause, step or stop",
              "interrupted": "interrupted: its trainer (process"}[status]
    assert main(["control", run.id, "pause"]) == 2
    assert f"workbench: error: run not-{status} is not running ({reason}" in capsys.readouterr().err
    with pytest.raises(RunNotRunningError):
        RunControl(run).request("step")
    assert not (run.path / CONTROL_FILE).exists()
    assert main(["control", run.id, "jump"]) == 2
    assert "invalid choice: 'jump'" in capsys.readouterr().err


def test_a_pause_asked_after_an_iteration_was_allowed_is_recorded_where_it_takes_effect():
    """The race the process test once hit: a pause that arrives just after `wait_for_permission` let step n + 1 run
    was recorded at step n, and step n + 1 then ran. Now it is left for the next look, before step n + 2."""
    control = TrainingControl()
    assert control.changes() == []
    assert control.wait_for_permission()  # step n + 1 may run
    control.pause()  # asked by the window (or polled from another process) at this moment
    assert control.granted_changes() == []  # not with this step: it is already allowed
    assert control.changes() == [("pause", 0)]  # the next look takes it, and the loop waits there
    control.step()
    assert control.wait_for_permission() and control.granted_changes() == [("step", 0)]  # what ended the wait
