"""Latent panel latency: slider → new image on screen, and the time to display an interpolation strip and a
traversal grid, with the machine idle and while another process trains on both cores.

For each built-in generator (DCGAN 32×32 and 64×64, VAE 32×32, default network widths; weights after one
training step: latency does not depend on what the weights learned) the real Latent panel is opened offscreen
on the run, a prior code is pinned, and the Sliders tool's first dimension slider is moved to `--moves` random
values. Latency is measured from `setValue` until the decoded image's label has been painted (an event
filter on the label sees the paint). Then the Interpolation tool shows a strip of 10 and the Traversal tool a
10×10 grid ("Interpolate" / "Show traversal" clicked → the grid painted).

Then everything again while a DCGAN 32×32 (batch 64, torch's default threads) trains: "app" trains it in this
process through the Training panel's worker (its thread at nice +10, as in the window), "cli" in another
process started with `workbench train` (nice 0). Prints median and p95 per model and condition; target: slider
median ≤ 16 ms idle and while training.

    .venv/bin/python bench/latent_latency.py [--moves 150]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKBENCH_CLASS_COVERAGE", "0")

import numpy as np  # noqa: E402

MODELS = (
    ("dcgan 32×32", "dcgan", 32),
    ("dcgan 64×64", "dcgan", 64),
    ("vae 32×32", "vae", 32),
)


def make_run(workspace, method: str, size: int):
    """A run of `method` on digits at `size` px with default settings, trained for one step (a checkpoint)."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.runner import run_training

    config = RunConfig(method_settings_class(method)(), DataConfig(name="digits", image_size=size, batch_size=16),
                       TrainConfig(steps=1, sample_every=1, checkpoint_every=1, sample_count=4))
    run = workspace.create_run(config, name=f"{method}-{size}")
    for _ in run_training(run):
        pass
    return run


class PaintWatch:
    """Counts paint events of one widget (installed as its event filter)."""

    def __init__(self, widget) -> None:  # noqa: ANN001
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):  # noqa: N802, N805, ANN001, ANN202
                if event.type() == QEvent.Type.Paint:
                    self.paints += 1
                return False

        self.paints = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def wait_for(app, condition, timeout: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the panel did not finish in time")
        app.processEvents()
        time.sleep(0.0005)


def measure_model(app, workspace, run, moves: int, seed: int) -> dict[str, np.ndarray]:  # noqa: ANN001
    from workbench.gui.panels.latent.panel import LatentPanel
    from workbench.latent.codes import prior_code

    panel = LatentPanel(workspace)
    panel.resize(1400, 950)
    panel.show()
    panel.show_run(run)
    wait_for(app, lambda: panel.session.space is not None and not panel.session.loading)
    session = panel.session
    session.add_pins([prior_code(session.space, 1), prior_code(session.space, 2)])

    sliders = panel.tool("Sliders")
    panel.tools.setCurrentWidget(sliders)
    sliders.start_pin.setCurrentIndex(0)
    sliders.reset()
    wait_for(app, lambda: sliders.image is not None)
    watch = PaintWatch(sliders.image_view)
    rng = np.random.default_rng(seed)
    slider = sliders.dim_sliders[0]
    latency = []
    for value in rng.uniform(-3, 3, moves):
        app.processEvents()
        before = watch.paints
        start = time.perf_counter()
        slider.setValue(float(value))
        wait_for(app, lambda before=before: watch.paints > before)
        latency.append((time.perf_counter() - start) * 1000)
    worker_mode = sliders.worker_mode

    def timed_display(tool_title: str, prepare, click, done) -> float:  # noqa: ANN001
        tool = panel.tool(tool_title)
        panel.tools.setCurrentWidget(tool)
        app.processEvents()
        prepare(tool)
        app.processEvents()
        start = time.perf_counter()
        click(tool)
        wait_for(app, lambda: done(tool))
        app.processEvents()  # the paint of the new images
        return (time.perf_counter() - start) * 1000

    def interpolation_prepare(tool) -> None:  # noqa: ANN001
        tool.steps_spin.setValue(10)
        tool.frames = None

    strip = [timed_display("Interpolation", interpolation_prepare, lambda t: t.interpolate(),
                           lambda t: getattr(t, "frames", None) is not None) for _ in range(5)]

    def traversal_prepare(tool) -> None:  # noqa: ANN001
        tool.columns_spin.setValue(10)
        tool.max_rows.setValue(10)
        tool.images = None

    grid = [timed_display("Traversal", traversal_prepare, lambda t: t.show_traversal(),
                          lambda t: t.images is not None) for _ in range(5)]
    panel.close()
    panel.deleteLater()
    return {"slider": np.asarray(latency), "strip": np.asarray(strip), "grid": np.asarray(grid),
            "worker": np.asarray([worker_mode])}


def start_app_trainer(workspace):  # noqa: ANN001, ANN201
    """Train in this process the way the window does (TrainingWorker; its thread is niced)."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.gui.workers import TrainingWorker
    from workbench.methods.dcgan import DCGANSettings

    config = RunConfig(DCGANSettings(), DataConfig(name="digits", image_size=32, batch_size=64),
                       TrainConfig(steps=10**6, sample_every=20, checkpoint_every=500))
    worker = TrainingWorker(workspace.create_run(config, name="app-training"))
    worker.start()
    deadline = time.perf_counter() + 60
    while worker.latest_step is None or worker.latest_step.step < 3:
        if time.perf_counter() > deadline or not worker.is_alive:
            raise RuntimeError("the in-app training did not start")
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        time.sleep(0.05)
    return worker


def start_cli_trainer(workspace_root: Path) -> subprocess.Popen:
    env = {**os.environ, "WORKBENCH_WORKSPACE": str(workspace_root)}
    env.pop("OMP_NUM_THREADS", None)
    command = [sys.executable, "-m", "workbench", "train", "--method", "dcgan", "--data", "digits",
               "--steps", "1000000", "--set", "train.sample_every=20", "--name", "background-load"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(12)  # imports, dataset, first steps
    if process.poll() is not None:
        raise RuntimeError("the background training process ended early")
    return process


def report(label: str, condition: str, results: dict[str, np.ndarray]) -> None:
    s, strip, grid = results["slider"], results["strip"], results["grid"]
    where = "worker" if results["worker"][0] else "GUI thread"
    print(f"{label:12s} {condition:5s} slider median {np.median(s):6.1f} ms  p95 {np.percentile(s, 95):6.1f} ms "
          f"({where})   strip of 10: {np.median(strip):6.0f} ms   10×10 traversal: {np.median(grid):6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=150, help="slider moves per model and condition")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from workbench.runs import Workspace

    app = QApplication.instance() or QApplication([])
    root = Path(tempfile.mkdtemp(prefix="latent-latency-"))
    workspace = Workspace(root)
    print(f"{os.cpu_count()} cores; target: slider median ≤ 16 ms idle and busy")
    runs = {label: make_run(workspace, method, size) for label, method, size in MODELS}
    for label, run in runs.items():
        report(label, "idle", measure_model(app, workspace, run, args.moves, seed=0))
    worker = start_app_trainer(workspace)
    try:
        for label, run in runs.items():
            report(label, "app", measure_model(app, workspace, run, args.moves, seed=1))
    finally:
        worker.stop()
        worker.wait(60)
    trainer = start_cli_trainer(root)
    try:
        for label, run in runs.items():
            report(label, "cli", measure_model(app, workspace, run, args.moves, seed=2))
    finally:
        trainer.terminate()
        trainer.wait(60)


if __name__ == "__main__":
    main()
