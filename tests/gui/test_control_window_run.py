"""A run trained by the window's own worker obeys requests of another process (`workbench control`) as its buttons."""

from __future__ import annotations

import os
import subprocess
import sys

from workbench.runs import RunControl

WAIT_MS = 120_000


def _control(run_id: str, action: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", "control", run_id, action], capture_output=True,
                          text=True, timeout=WAIT_MS / 1000, env=dict(os.environ))


def test_the_windows_trainer_is_paused_stepped_and_stopped_from_another_process(window, qtbot, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "dcgan", steps=100_000, checkpoint_every=100_000)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.worker.latest_step is not None, timeout=WAIT_MS)
    run = panel.run

    paused = _control(run.id, "pause")
    assert paused.returncode == 0, paused.stderr
    at = int(paused.stdout.split("paused at step ")[1])
    assert panel.worker.is_paused  # the worker's own control took the request: the buttons can show it
    qtbot.waitUntil(lambda: panel.worker.latest_step.step == at, timeout=10_000)
    control = RunControl(run)
    assert control.state().paused
    assert control.wait(control.request("step"), WAIT_MS / 1000).step == at
    qtbot.waitUntil(lambda: panel.worker.latest_step.step == at + 1, timeout=10_000)
    qtbot.waitUntil(panel.resume_button.isEnabled, timeout=10_000)  # the buttons show the pause made elsewhere
    assert not panel.pause_button.isEnabled()
    panel.resume_button.click()
    qtbot.waitUntil(lambda: panel.worker.latest_step.step > at + 3, timeout=WAIT_MS)
    assert not control.state().paused

    stopped = _control(run.id, "stop")
    assert stopped.returncode == 0, stopped.stderr
    qtbot.waitUntil(lambda: not panel.worker.is_alive, timeout=WAIT_MS)
    assert run.info().status == "stopped" and run.latest_checkpoint_step() == run.info().step
