"""A window automation script (`workbench gui --run-script`) that trains a small run and saves screenshots of the
whole window at laptop and desktop sizes, for the README (docs/screenshots/window-1366x768.png and
window-1600x1000.png):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/workbench --workspace /tmp/shots gui \\
        --run-script scripts/screenshot_window.py

$WORKBENCH_SHOTS names the folder (default docs/screenshots) and $WORKBENCH_SHOT_SIZES the sizes
(default "1366x768 1600x1000"). Each size is also checked: the window must be able to take it (its minimum size
fits) and is shown with the Runs list at its first width.
"""

# ruff: noqa: F821 - `window` and `app` are given by `workbench gui --run-script`
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QTimer

OUT = Path(os.environ.get("WORKBENCH_SHOTS", "docs/screenshots"))
SIZES = [tuple(int(v) for v in size.split("x")) for size in
         os.environ.get("WORKBENCH_SHOT_SIZES", "1366x768 1600x1000").split()]
STEPS = 600

panel = window.training_panel
panel.method_combo.setCurrentIndex(panel.method_combo.findData("dcgan"))
for name, value in {"latent_dim": 32, "g_channels": 16, "d_channels": 16}.items():
    panel._method_form.set_value(name, value)
panel.data_form.set_value("batch_size", 32)
for name, value in {"steps": STEPS, "sample_every": 50, "checkpoint_every": STEPS, "sample_count": 64}.items():
    panel.train_form.set_value(name, value)
window.tabs.setCurrentWidget(panel)
panel.start_button.click()
pending = list(SIZES)


def shoot() -> None:
    """Once the run has a few sample grids and curves, one screenshot per size; then stop the run and quit."""
    if panel.worker is None or len(panel.samples_view.steps()) < 3:
        QTimer.singleShot(300, shoot)
        return
    width, height = pending.pop(0)
    hint = window.minimumSizeHint()
    window.resize(width, height)
    window.reset_layout()
    QTimer.singleShot(1500, lambda: save(width, height, hint))  # the plots repaint once a second


def save(width: int, height: int, hint) -> None:  # noqa: ANN001 - QSize
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"window-{width}x{height}.png"
    window.grab().save(str(path))
    print(f"screenshot {path} window {window.width()}x{window.height()} minimum {hint.width()}x{hint.height()}",
          flush=True)
    if pending:
        QTimer.singleShot(0, shoot)
    else:
        panel.stop_button.click()
        QTimer.singleShot(500, app.quit)


QTimer.singleShot(500, shoot)
