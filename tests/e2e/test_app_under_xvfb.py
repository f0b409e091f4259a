"""The real `workbench` executable under Xvfb: set up a tiny run in the window, train it, take a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
from real_app import app_command

pytestmark = pytest.mark.e2e

SCENARIO = textwrap.dedent(
    """
    import gc

    from PySide6.QtCore import QTimer

    panel = window.training_panel
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("dcgan"))
    for name, value in {"latent_dim": 16, "g_channels": 16, "d_channels": 16}.items():
        panel._method_form.set_value(name, value)
    panel.data_form.set_value("batch_size", 32)
    for name, value in {"steps": 30, "sample_every": 10, "checkpoint_every": 10, "sample_count": 64}.items():
        panel.train_form.set_value(name, value)
    panel.start_button.click()

    def check():
        if panel.run is not None and panel.run.info().status == "finished" and \\
                panel.loss_plot.point_count("loss_g") == 30 and panel.samples_view.steps()[-1:] == [30]:
            window.grab().save(SCREENSHOT)
            print("scenario: finished", panel.run.id, flush=True)
            print("scenario: automatic gc", gc.isenabled(), flush=True)
            app.quit()
        else:
            QTimer.singleShot(200, check)

    QTimer.singleShot(200, check)
    """
)


def test_real_app_trains_and_screenshots(tmp_path):
    command = app_command()
    screenshot = tmp_path / "training.png"
    script = tmp_path / "scenario.py"
    script.write_text(f"SCREENSHOT = {str(screenshot)!r}\n" + SCENARIO)
    env = dict(os.environ, WORKBENCH_WORKSPACE=str(tmp_path / "ws"), QT_QPA_PLATFORM="xcb")
    out = subprocess.run([*command, "gui", "--run-script", str(script)], env=env, capture_output=True,
                         text=True, timeout=240)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "scenario: finished" in out.stdout
    # cycles are collected from a timer in the window's thread, never by a worker thread (a deadlock otherwise)
    assert "scenario: automatic gc False" in out.stdout
    assert screenshot.stat().st_size > 10_000
    from PIL import Image

    with Image.open(screenshot) as img:
        assert img.width >= 1000 and img.height >= 600
        grey = np.asarray(img.convert("L").resize((64, 64)))
        assert len(np.unique(grey)) > 20, "the screenshot is not blank"
    artifacts = Path(os.environ.get("WORKBENCH_ARTIFACTS", "")) if os.environ.get("WORKBENCH_ARTIFACTS") else None
    if artifacts:
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, artifacts / "e2e-training.png")
