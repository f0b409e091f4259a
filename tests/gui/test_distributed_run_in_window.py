"""A run trained by `workbench train --nproc 2` (torchrun, two Gloo processes) while the window is open: it appears
in the Runs list, its curves grow live in the Training tab, and the Runs list's Control → Stop reaches both
processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from live_processes import processes_mentioning

WAIT_MS = 180_000
ARGS = ["--method", "toy_gan", "--data", "gaussians2d-ring", "--batch-size", "64", "--steps", "100000",
        "--set", "train.sample_every=200", "--set", "train.checkpoint_every=200", "--name", "two-procs",
        "--nproc", "2"]


def test_a_two_process_run_is_watched_and_stopped_from_the_runs_list(window, qtbot, workspace, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", WORKBENCH_CLASS_COVERAGE="0", WORKBENCH_EXAMPLES="")
    log = tmp_path / "launcher.log"
    with open(log, "w") as out:
        launcher = subprocess.Popen([sys.executable, "-m", "workbench", "train", "--workspace", str(workspace.root),
                                     *ARGS], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        panel, runs = window.training_panel, window.runs_panel
        qtbot.waitUntil(lambda: "two-procs" in runs.listed_ids(), timeout=WAIT_MS)  # the list polls the workspace
        runs.select_run("two-procs")
        qtbot.waitUntil(lambda: panel.run is not None and panel.run.id == "two-procs", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") > 0, timeout=WAIT_MS)
        seen = panel.loss_plot.point_count("loss_d")
        qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") > seen, timeout=WAIT_MS)
        panel.poll()
        assert "another process" in panel.run_banner.text()
        assert runs.run_actions.control([workspace.run("two-procs")], "stop")  # the menu's Control → Stop
        qtbot.waitUntil(lambda: launcher.poll() is not None, timeout=WAIT_MS)
        assert launcher.returncode == 0, log.read_text()[-3000:]
        assert workspace.run("two-procs").info().status == "stopped"
        assert processes_mentioning("--name two-procs") == []
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)


def test_the_window_starts_a_run_in_two_processes_and_stops_it(window, qtbot, workspace, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "vae", steps=100000, sample_every=50, checkpoint_every=50)
    panel.data_form.set_value("batch_size", 15)
    panel.controls.processes_box.setValue(2)
    panel.start_button.click()  # 15 images do not divide among 2 processes: said in the window, nothing created
    assert "do not divide among 2 processes" in panel.error_label.text() and workspace.runs() == []
    panel.data_form.set_value("batch_size", 16)
    panel.start_button.click()
    qtbot.waitUntil(lambda: len(workspace.runs()) == 1, timeout=WAIT_MS)
    (run,) = workspace.runs()
    assert panel.run.id == run.id and window.runs_panel.selected_run_id() == run.id
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss") > 2, timeout=WAIT_MS)  # watched live
    qtbot.waitUntil(lambda: panel.stop_button.isEnabled(), timeout=WAIT_MS)
    assert len(processes_mentioning(f"--resume {run.id}")) >= 3  # the launcher, torchrun and its processes
    panel.stop_button.click()  # through the control channel: both processes stop, process 0 writes a checkpoint
    qtbot.waitUntil(lambda: not panel.controls.launched.any_alive(), timeout=WAIT_MS)
    assert run.info().status == "stopped" and run.latest_checkpoint_step() is not None
    qtbot.waitUntil(lambda: processes_mentioning(f"--resume {run.id}") == [], timeout=30_000)
    assert (run.path / "processes.log").is_file()
