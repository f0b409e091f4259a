"""Step sweep: how sample quality depends on the number of DDIM steps, measured by FID.

The same seeded noises are sampled at every step count and scored against real images of the run's dataset with
the dataset's classifier CNN, exactly as the Evaluate tab does (trained once and cached in the workspace; the
status line says when it is being trained). The result is a table and a plot of FID against steps, titled with
the extractor and the sample count that every value depends on, with the sampling seconds of each point.
"""

from __future__ import annotations

import threading
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.factory import button, hint, label, line_edit, row, seed_spin, spin

STEPS_TIP = ("DDIM step counts to compare, separated by commas (each between 1 and T, the run's noise levels): "
             "every count samples the same noises")
SAMPLES_TIP = ("Images sampled per step count, and real images they are compared with. FID is biased upwards for "
               "few samples: compare values of the same count only (200 is quick; the Evaluate tab uses 5000)")
SEED_TIP = "Seed of the noises (the same for every step count, so that only the number of steps differs)"
INTRO = ("Fewer DDIM steps sample faster but solve the reverse process more coarsely. FID is measured with the "
         "dataset's own classifier CNN (as in the Evaluate tab): lower is closer to the real images.")
BLUE = (31, 119, 180)


class SweepState:
    """What the background sweep reports (written by its thread, read by a GUI timer) and the cancel switch."""

    def __init__(self) -> None:
        self.text = ""
        self.points: list[Any] = []
        self.stop = threading.Event()

    def say(self, text: str) -> None:
        self.text = text

    def add(self, point: Any) -> None:
        self.points = [*self.points, point]


class StepSweepTool(QWidget):
    """Step counts, samples per point, Run/Cancel with progress → FID per step count (table and plot)."""

    def __init__(self, panel: Any) -> None:
        super().__init__()
        self.panel = panel
        self.setObjectName("diffusion-steps")
        self.model: Any = None
        self.result: Any = None  # StepSweepResult
        self.state: SweepState | None = None
        self.task: Any = None  # the running sweep's BackgroundTask
        self.running = False
        self.steps_edit = line_edit("diffusion-steps-list", "e.g. 5, 10, 20, 50", STEPS_TIP)
        self.steps_edit.setText("5, 10, 20, 50")
        self.samples_spin = spin(2, 10000, 200, "diffusion-steps-samples", SAMPLES_TIP)
        self.seed_spin = seed_spin("diffusion-steps-seed", SEED_TIP)
        self.run_button = button("Run sweep", "diffusion-steps-run", "Sample and score every step count in the "
                                 "background (the classifier CNN is trained first if the workspace has none)",
                                 self.run_sweep)
        self.cancel_button = button("Cancel", "diffusion-steps-cancel", "Stop after the current batch of samples "
                                    "(the step counts finished so far are kept)", self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("diffusion-steps-progress")
        self.progress.setFixedWidth(self.progress.fontMetrics().horizontalAdvance("10 / 10 step counts") + 40)
        self.progress.setFormat("%v / %m step counts")
        self.progress_label = label("", "diffusion-steps-progress-text", wrap=True)
        self.title = label("<b>FID against DDIM steps</b>", "diffusion-steps-title", selectable=True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("diffusion-steps-table")
        self.table.setHorizontalHeaderLabels(["DDIM steps", "FID", "sampling s"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumWidth(360)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("diffusion-steps-plot")
        self.plot.setMenuEnabled(False)
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", "DDIM steps")
        item.setLabel("left", "FID")
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen(BLUE, width=2), symbol="o", symbolBrush=BLUE,
                                     symbolPen=None)
        item.addItem(self.curve)
        self.summary = label("", "diffusion-steps-summary", wrap=True, selectable=True)
        self.timer = QTimer(self)
        self.timer.setInterval(200)
        self.timer.timeout.connect(self._poll)

        layout = QVBoxLayout(self)
        layout.addWidget(hint(INTRO, small=True))
        layout.addLayout(row(QLabel("DDIM steps"), (self.steps_edit, 1), QLabel("Samples per point"),
                             self.samples_spin, QLabel("Seed"), self.seed_spin, self.run_button, self.cancel_button))
        layout.addLayout(row(self.progress, (self.progress_label, 1)))
        layout.addWidget(self.title)
        layout.addLayout(row(self.table, (self.plot, 1)), 1)
        layout.addWidget(self.summary)
        self.set_model(None)

    def set_model(self, model: Any) -> None:
        self.cancel()
        self.model = model
        self.result = None
        self.running = False
        self.timer.stop()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_label.clear()
        self._show_points([], "")
        self.summary.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(self.model is not None and not self.running)
        self.cancel_button.setEnabled(self.running)

    # ---- the sweep ------------------------------------------------------------------------------------------
    def run_sweep(self) -> None:
        from workbench.evaluation.store import EvaluationError

        model = self.model
        if model is None or self.running:
            return
        try:
            from workbench.evaluation.step_sweep import parse_steps

            steps = parse_steps(self.steps_edit.text(), model.num_timesteps)
        except EvaluationError as err:
            self.panel.show_error(str(err))
            return
        samples, seed = self.samples_spin.value(), self.seed_spin.value()
        self.state = state = SweepState()
        self.running = True
        self.result = None
        self.panel.clear_error()
        self.progress.setRange(0, len(steps))
        self.progress.setValue(0)
        self._show_points([], "")
        self.summary.clear()
        self.timer.start()
        self._update_buttons()

        def work() -> Any:  # a background thread: no Qt here
            from workbench.evaluation.step_sweep import run_step_sweep

            return run_step_sweep(model, steps, samples, seed=seed, progress=state.say,
                                  should_stop=state.stop.is_set, on_point=state.add)

        what = f"Step sweep ({len(steps)} step counts × {samples} samples)"
        self.task = self.panel.tasks.start(work, self._done, what, on_failed=lambda *_args: self._ended())
        self.panel.update_busy()

    def cancel(self) -> None:
        if self.state is not None:
            self.state.stop.set()
            if self.running:
                self.progress_label.setText("Cancelling after the current batch…")

    def shutdown(self, timeout: float = 30) -> None:
        """Cancel a running sweep and wait for it to stop after its current batch."""
        self.cancel()
        task, self.task = self.task, None
        if task is not None and self.running:
            try:
                task.wait(timeout)
            except RuntimeError:  # it ended meanwhile and Qt deleted it
                pass

    def _poll(self) -> None:
        state = self.state
        if state is None:
            return
        self.progress_label.setText(state.text)
        self.progress.setValue(len(state.points))
        if len(state.points) != self.table.rowCount():
            self._show_points(state.points, "")

    def _done(self, result: Any) -> None:
        self._ended()
        self.result = result
        self.progress.setValue(len(result.points))
        self.progress_label.setText("Cancelled: the step counts finished so far are shown." if result.cancelled
                                    else "Done.")
        self._show_points(result.points, result.title)
        notes = f" ({'; '.join(result.notes)})" if result.notes else ""
        guidance = f" · guidance w = {result.guidance:g}" if result.guidance is not None else ""
        self.summary.setText(result.text() + guidance + notes)

    def _ended(self) -> None:
        self.running = False
        self.task = None
        self.timer.stop()
        self._poll()
        self._update_buttons()
        self.panel.update_busy()

    def _show_points(self, points: list[Any], title: str) -> None:
        if not title and self.state is not None and self.running:
            title = f"FID ({self.samples_spin.value()} samples; extractor: the dataset's classifier CNN)"
        self.title.setText(f"<b>{title or 'FID against DDIM steps'}</b>")
        self.table.setRowCount(len(points))
        for i, point in enumerate(points):
            for j, text in enumerate((str(point.steps), f"{point.fid:.1f}", f"{point.seconds:.1f}")):
                cell = QTableWidgetItem(text)
                cell.setToolTip("sampling time of all the samples at this step count, in seconds" if j == 2 else "")
                self.table.setItem(i, j, cell)
        self.curve.setData([p.steps for p in points], [p.fid for p in points])
        self.plot.getPlotItem().setLabel("left", title or "FID")
