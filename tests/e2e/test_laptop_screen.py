"""The real `workbench` executable on a 1366×768 X screen (Xvfb): with every tab visited its minimum size fits the
screen less a task bar, it takes 1366×740, it has its icon, a run trains in it, and what it remembers (size,
tab, recent workspaces) is there at the next start. The settings file is the test's own ($WORKBENCH_SETTINGS)."""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from real_app import app_command

pytestmark = pytest.mark.e2e

FIRST = textwrap.dedent(
    """
    from PySide6.QtCore import QTimer

    panel = window.training_panel
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("dcgan"))
    for name, value in {"latent_dim": 8, "g_channels": 8, "d_channels": 8}.items():
        panel._method_form.set_value(name, value)
    panel.data_form.set_value("image_size", 16)
    for name, value in {"steps": 20, "sample_every": 10, "checkpoint_every": 10, "sample_count": 16}.items():
        panel.train_form.set_value(name, value)
    panel.start_button.click()
    tabs = list(range(window.tabs.count()))

    def visit():
        if tabs:
            window.tabs.setCurrentIndex(tabs.pop(0))
            QTimer.singleShot(1500, visit)  # a heavy tab loads the selected run when first shown
            return
        check()

    def check():
        if panel.run is None or panel.run.info().status != "finished":
            QTimer.singleShot(300, check)
            return
        hint = window.minimumSizeHint()
        window.resize(1366, 740)
        print(f"minimum {hint.width()}x{hint.height()}", flush=True)
        QTimer.singleShot(800, finish)

    def finish():
        print(f"size {window.width()}x{window.height()} icon {not app.windowIcon().isNull()} "
              f"window-icon {not window.windowIcon().isNull()}", flush=True)
        window.tabs.setCurrentWidget(window.evaluate_panel)
        window.grab().save(SCREENSHOT)
        window.close()

    QTimer.singleShot(300, visit)
    """
)

SECOND = textwrap.dedent(
    """
    from PySide6.QtCore import QTimer
    from workbench.gui.settings import Settings

    def report():
        print(f"size {window.width()}x{window.height()} tab {window.tabs.tabText(window.tabs.currentIndex())} "
              f"recent {Settings().recent_workspaces()[:1]}", flush=True)
        app.quit()

    QTimer.singleShot(800, report)
    """
)


def _launch(script: str, tmp_path: Path, name: str, workspace: Path | None) -> subprocess.CompletedProcess:
    path = tmp_path / f"{name}.py"
    path.write_text(f"SCREENSHOT = {str(tmp_path / 'laptop.png')!r}\n" + script)
    env = dict(os.environ, WORKBENCH_SETTINGS=str(tmp_path / "settings.ini"), QT_QPA_PLATFORM="xcb")
    env.pop("WORKBENCH_WORKSPACE", None)
    args = [*app_command("1366x768"), *(["--workspace", str(workspace)] if workspace else []), "gui",
            "--run-script", str(path)]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def test_the_real_window_fits_a_laptop_screen_and_remembers(tmp_path):
    app_command("1366x768")  # skips, saying why, without the executable or a display
    workspace = tmp_path / "ws"
    first = _launch(FIRST, tmp_path, "first", workspace)
    assert first.returncode == 0, first.stdout + first.stderr
    minimum = next(line for line in first.stdout.splitlines() if line.startswith("minimum "))
    width, height = (int(v) for v in minimum.split()[1].split("x"))
    assert width <= 1366 and height <= 740, minimum
    assert "size 1366x740 icon True window-icon True" in first.stdout, first.stdout
    assert (tmp_path / "laptop.png").stat().st_size > 10_000

    second = _launch(SECOND, tmp_path, "second", None)  # no workspace named: the last one is reopened
    assert second.returncode == 0, second.stdout + second.stderr
    report = re.search(r"size (\d+)x(\d+) tab (\S+) recent (.*)", second.stdout)
    assert report, second.stdout
    width, height, tab, recent = int(report[1]), int(report[2]), report[3], report[4]
    assert abs(width - 1366) <= 4 and abs(height - 740) <= 4, report[0]  # the size it had (X may move a frame)
    assert tab == "Evaluate" and recent == f"['{workspace.resolve()}']", report[0]
