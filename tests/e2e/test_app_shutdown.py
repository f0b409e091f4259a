"""Closing the real window, or pressing Ctrl-C in its terminal, ends the `workbench` process and everything it
started: training is stopped with a checkpoint, every tab has been shown (pyvista's 3D views included), and no
process of the app's session is left behind.

The app runs in its own session (`start_new_session=True`), so whatever it starts (the class-coverage helper,
and under `xvfb-run` the X server too) is found by its session id in /proc, even after it is re-parented.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from real_app import app_command

pytestmark = pytest.mark.e2e

READY_TIMEOUT_S = 180  # start-up, the first training steps and the Voxels tab's pyvista import on 2 busy cores
EXIT_TIMEOUT_S = 90  # stopping training writes a checkpoint
LEFTOVER_GRACE_S = 5.0  # a helper notices that its parent is gone within a quarter of a second
VOXEL_RUN = "a-voxels"  # sorts below the run the scenario starts (named by date), which stays on top

SCENARIO = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from PySide6.QtCore import QTimer

    Path(PID_FILE).write_text(str(os.getpid()))
    panel = window.training_panel
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("dcgan"))
    for name, value in {"latent_dim": 8, "g_channels": 8, "d_channels": 8}.items():
        panel._method_form.set_value(name, value)
    panel.data_form.set_value("image_size", 8)
    panel.data_form.set_value("batch_size", 16)
    for name, value in {"steps": 100000, "sample_every": 20, "checkpoint_every": 100000, "sample_count": 16}.items():
        panel.train_form.set_value(name, value)
    panel.start_button.click()
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    print("scenario: tabs", "|".join(tabs), flush=True)
    voxel_tab = tabs.index("Voxels")
    visits = list(range(window.tabs.count())) + [0]

    def voxels_drawn():
        pane = window.voxels_panel
        return pane.current is not None and not pane.busy

    def visit():
        if visits and visits[0] == voxel_tab and window.runs_panel.selected_run_id() != VOXEL_RUN:
            window.runs_panel.select_run(VOXEL_RUN)  # a run the Voxels tab draws: pyvista's render windows open
        if window.tabs.currentIndex() == voxel_tab:
            if not voxels_drawn():
                QTimer.singleShot(200, visit)  # the Voxels tab loads, meshes and draws the shape in the background
                return
            canvas = window.voxels_panel.view.canvas
            print("scenario: 3D view drawn by", canvas.renderer_name or "nothing", flush=True)
        if visits:
            window.tabs.setCurrentIndex(visits.pop(0))
            QTimer.singleShot(1500, visit)
            return
        if panel.worker is None or panel.worker.latest_step is None:
            QTimer.singleShot(200, visit)  # training has not made a step yet
            return
        errors = window.error_reporter.errors
        print("scenario: errors in the window:", len(errors), *(details for _, details in errors), flush=True)
        print("scenario: visited every tab while training", panel.worker.run.id, flush=True)
        if ACTION == "close":
            window.close()
        else:
            print("scenario: ready for Ctrl-C", flush=True)

    QTimer.singleShot(500, visit)
    """
)


def _session_processes(sid: int) -> dict[int, str]:
    """pid → command line of every live (not zombie) process in session `sid`."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session ...
        if int(fields[3]) == sid and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


class _Output:
    """The app's output lines, read by a thread so that waiting for a line can time out."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in self.lines):
                return
            if not self._thread.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no {needle!r} within {timeout} s; output so far:\n{self.text()}")

    def wait_for_end(self, timeout: float) -> None:
        self._thread.join(timeout)


@pytest.fixture(scope="module")
def voxel_run(tmp_path_factory) -> Path:
    """A tiny trained 3D-GAN run (one checkpoint), for the Voxels tab to draw with pyvista."""
    root = tmp_path_factory.mktemp("voxel-ws")
    env = dict(os.environ, WORKBENCH_WORKSPACE=str(root), OMP_NUM_THREADS="1", WORKBENCH_CLASS_COVERAGE="0")
    subprocess.run([sys.executable, "-m", "workbench", "train", "--method", "gan3d", "--data", "voxels3d",
                    "--image-size", "16", "--steps", "2", "--batch-size", "4", "--set", "method.latent_dim=8",
                    "--name", VOXEL_RUN], env=env, check=True, capture_output=True, timeout=300)
    return root / "runs" / VOXEL_RUN


def _start_app(tmp_path: Path, action: str, voxel_run: Path) -> tuple[subprocess.Popen, Path]:
    command = app_command()
    shutil.copytree(voxel_run, tmp_path / "ws" / "runs" / VOXEL_RUN)
    pid_file = tmp_path / "app.pid"
    script = tmp_path / "scenario.py"
    script.write_text(f"PID_FILE = {str(pid_file)!r}\nACTION = {action!r}\nVOXEL_RUN = {VOXEL_RUN!r}\n" + SCENARIO)
    # The class-coverage helper is left on: it is a child process the app must not leave behind.
    env = dict(os.environ, WORKBENCH_WORKSPACE=str(tmp_path / "ws"), QT_QPA_PLATFORM="xcb",
               WORKBENCH_CLASS_COVERAGE="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([*command, "gui", "--run-script", str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return proc, pid_file


def _finish(proc: subprocess.Popen, output: _Output) -> str:
    try:
        proc.wait(timeout=EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the app did not exit within {EXIT_TIMEOUT_S} s; output:\n{output.text()}")
    output.wait_for_end(10)
    return output.text()


def _assert_nothing_left(sid: int) -> None:
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    left = _session_processes(sid)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _session_processes(sid)
    assert not left, f"processes left behind after the app exited: {left}"


def _kill_session(sid: int) -> None:
    try:
        os.killpg(sid, signal.SIGKILL)  # the session leader's pid is also its process group id
    except ProcessLookupError:
        pass


def _run_id(output: str) -> str:
    line = next(line for line in output.splitlines() if "scenario: visited every tab" in line)
    return line.rsplit(" ", 1)[1]


def _assert_stopped_with_checkpoint(tmp_path: Path, output: str) -> None:
    from workbench.runs import Run

    run = Run(tmp_path / "ws" / "runs" / _run_id(output))
    assert run.info().status == "stopped", output
    assert run.latest_checkpoint_step() is not None, "stopping writes a checkpoint"


def test_closing_the_window_exits_and_leaves_nothing_running(tmp_path, voxel_run):
    proc, _ = _start_app(tmp_path, "close", voxel_run)
    sid = proc.pid
    lines = _Output(proc)
    try:
        lines.wait_for("scenario: visited every tab", READY_TIMEOUT_S)
        output = _finish(proc, lines)
        assert proc.returncode == 0, output
        assert "Traceback" not in output and "scenario: errors in the window: 0" in output, output
        assert "scenario: 3D view drawn by" in output and "drawn by nothing" not in output, output
        _assert_nothing_left(sid)
        _assert_stopped_with_checkpoint(tmp_path, output)
    finally:
        _kill_session(sid)


def test_ctrl_c_exits_and_leaves_nothing_running(tmp_path, voxel_run):
    proc, pid_file = _start_app(tmp_path, "ctrl-c", voxel_run)
    sid = proc.pid
    lines = _Output(proc)
    try:
        lines.wait_for("scenario: ready for Ctrl-C", READY_TIMEOUT_S)
        os.kill(int(pid_file.read_text()), signal.SIGINT)
        output = _finish(proc, lines)
        assert proc.returncode == 130, output  # like any command interrupted by Ctrl-C
        assert "Traceback" not in output and "scenario: errors in the window: 0" in output, output
        _assert_nothing_left(sid)
        _assert_stopped_with_checkpoint(tmp_path, output)
    finally:
        _kill_session(sid)
