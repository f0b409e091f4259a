"""Evaluate panel: the selected run's stored evaluations (metric | value), an "Evaluate now" button that scores
the latest checkpoint in the background, and the nearest-neighbour memorization view.

Consumes a Workspace and the selected Run (`show_run`). Everything shown is read from the run folder
(`evaluations/<step>.json`), which `workbench eval` writes too; the panel holds no state the run lacks.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.evaluation.summary import LOWER_IS_BETTER, SPREAD
from workbench.gui.panels.base import PanelBase
from workbench.gui.panels.run_header import run_checkpoint_step, run_missing_checkpoint_text, run_title_html
from workbench.gui.widgets.factory import button, label, row, scroll_area, spin, title
from workbench.gui.widgets.file_dialogs import ask_open
from workbench.gui.widgets.metric_table import metric_table
from workbench.gui.widgets.neighbours_view import NeighboursView
from workbench.runs import Run, Workspace


def better_text(label: str) -> str:
    """How to read a metric: 'lower is better', 'higher is better', or what a spread means."""
    name = label.split(" [", 1)[0]
    if name in SPREAD:
        return "spread over subsets / splits"
    if name.startswith(LOWER_IS_BETTER):
        return "lower is better"
    return "higher is better"


class EvaluatePanel(PanelBase):
    """Consumes the selected Run; runs `evaluate_run` and the neighbour search in the background."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="evaluate", status_in_bar=False, one_thread=False)
        self.evaluations: list = []  # EvaluationResult, oldest step first
        self._busy = False  # a task for the selected run is running (one for an earlier selection may go on)
        self._progress_text = ""  # written by the background task, shown by a GUI-thread timer
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(200)
        self._progress_timer.timeout.connect(self._show_progress)

        self.title = title("evaluate-title")

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("evaluate-splitter")  # its sizes are remembered
        splitter.addWidget(self._build_results())
        splitter.addWidget(self._build_neighbours())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self._build_controls())
        layout.addWidget(splitter, 1)
        self.show_run(None)

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_controls(self) -> QWidget:
        box = QGroupBox("Evaluate the latest checkpoint")
        self.samples_spin = spin(50, 100_000, 5000, tip="generated images scored (FID is biased upwards below "
                                 "~5,000)", step=500)
        self.inception_edit = QLineEdit()
        self.inception_edit.setPlaceholderText("the dataset's classifier CNN (or choose InceptionV3 weights…)")
        self.inception_edit.setToolTip("a local InceptionV3 weights file (pytorch-fid's "
                                       "pt_inception-2015-12-05-6726825d.pth) gives paper-comparable FIDs; "
                                       "nothing is downloaded")
        self.inception_edit.setMinimumWidth(320)
        self.inception_button = button("Inception weights…", on_click=self._choose_inception)
        self.evaluate_button = button("Evaluate now", "evaluate-now", on_click=self.evaluate_now)
        self.evaluate_button.setDefault(True)
        self.busy_bar.setMaximumWidth(160)
        self.status_label.setStyleSheet("")
        outer = QVBoxLayout(box)
        outer.addLayout(row(QLabel("Samples"), self.samples_spin, 12, QLabel("Feature extractor"),
                            (self.inception_edit, 1), self.inception_button, self.evaluate_button))
        outer.addLayout(row(self.busy_bar, (self.status_label, 1)))
        outer.addWidget(self.messages)
        return box

    def _build_results(self) -> QWidget:
        box = QGroupBox("Stored evaluations")
        layout = QVBoxLayout(box)
        top = QHBoxLayout()
        top.addWidget(QLabel("Checkpoint"))
        self.evaluation_combo = QComboBox()
        self.evaluation_combo.setMinimumWidth(220)
        self.evaluation_combo.currentIndexChanged.connect(self._show_selected_evaluation)
        top.addWidget(self.evaluation_combo)
        self.evaluation_info = label("", "evaluation-info", wrap=True)
        top.addWidget(self.evaluation_info, 1)
        layout.addLayout(top)
        self.table = metric_table("evaluation-table", ["Metric", "Value", "Reading"])
        self.placeholder.setStyleSheet("color: palette(mid); padding: 16px;")
        layout.addWidget(self.placeholder)
        layout.addWidget(self.table, 1)
        return box

    def _build_neighbours(self) -> QWidget:
        box = QGroupBox("Memorization: nearest training images of generated samples")
        layout = QVBoxLayout(box)
        self.neighbours = NeighboursView()
        layout.addWidget(scroll_area(self.neighbours, frame=False))
        return box

    # ---- the selected run --------------------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        """Show `run`'s stored evaluations (None: nothing selected); its neighbours when it has been evaluated."""
        self.tasks.invalidate()
        self.run = run
        self.clear_error()
        if self.busy:  # a task for the previous run keeps going (and stores its results there) but is not shown
            self._set_busy(False)
        checkpoint = self._checkpoint_step()
        self._reload_evaluations()
        if run is None:
            self.title.setText("<b>No run selected</b>: choose one in the Runs list.")
            self.neighbours.set_placeholder("No run selected.")
        else:
            self.title.setText(run_title_html(run))
            if checkpoint is None:
                self.neighbours.set_placeholder(f"This run has {run_missing_checkpoint_text(run)}: train it first.")
            elif any(r.path is not None for r in self.evaluations):  # evaluated here or by `workbench eval`
                self._find_neighbours()
            else:
                self.neighbours.set_placeholder("Press “Evaluate now” to score the latest checkpoint and find the "
                                                "nearest training images of 8 samples.")
        self.evaluate_button.setEnabled(run is not None and checkpoint is not None and not self.busy)

    def _checkpoint_step(self) -> int | None:
        return run_checkpoint_step(self.run)

    def _reload_evaluations(self, select_step: int | None = None) -> None:
        from workbench.evaluation.store import stored_evaluations, training_evaluations

        # stored evaluations, and the metric history of train.eval_every (at its sample count) between them
        self.evaluations = [] if self.run is None else sorted(
            stored_evaluations(self.run) + training_evaluations(self.run), key=lambda r: (r.step, r.path is not None))
        self.evaluation_combo.blockSignals(True)
        self.evaluation_combo.clear()
        for result in self.evaluations:
            during = " · during training" if result.path is None else ""
            self.evaluation_combo.addItem(f"step {result.step} · {result.samples} samples{during}", result.step)
        index = len(self.evaluations) - 1
        if select_step is not None and self.evaluation_combo.findData(select_step) >= 0:
            index = max(i for i, r in enumerate(self.evaluations) if r.step == select_step)  # stored after history
        self.evaluation_combo.setCurrentIndex(index)
        self.evaluation_combo.blockSignals(False)
        self.evaluation_combo.setEnabled(bool(self.evaluations))
        self._show_selected_evaluation()

    def _show_selected_evaluation(self) -> None:
        from workbench.evaluation.store import format_value

        index = self.evaluation_combo.currentIndex()
        result = self.evaluations[index] if 0 <= index < len(self.evaluations) else None
        self.table.setRowCount(0)
        if result is None:
            self.evaluation_info.setText("")
            self.table.hide()
            if self.run is None:
                self.placeholder.setText("Select a run to see its evaluations.")
            elif self._checkpoint_step() is None:
                self.placeholder.setText(f"This run has {run_missing_checkpoint_text(self.run)}, so there is nothing "
                                         "to evaluate.")
            else:
                self.placeholder.setText("Not evaluated yet. “Evaluate now” (or `workbench eval RUN`) scores the "
                                         "latest checkpoint and stores the numbers in the run.")
            self.placeholder.show()
            return
        self.placeholder.hide()
        self.table.show()
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(result.created)) if result.created else "?"
        comparable = ("" if result.extractor is None or result.extractor.startswith("inception")
                      else f"<br>{result.extractor} numbers compare runs evaluated with the same extractor and "
                           "counts; they are not Inception FIDs and not comparable with papers.")
        if result.path is None:  # metric history: recorded with the training, plotted in the Training tab
            self.evaluation_info.setText(f"feature extractor: {result.extractor_text()} · during training "
                                         f"(train.eval_every), drawn as eval/ curves in the Training tab{comparable}")
        else:
            self.evaluation_info.setText(f"feature extractor: {result.extractor_text()} · seed {result.seed} · "
                                         f"took {result.seconds:.1f} s · {when}{comparable}")
        rows = [*result.rows()]
        self.table.setRowCount(len(rows) + len(result.notes))
        for r, (name, value) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(format_value(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 1, item)
            reading = QTableWidgetItem(better_text(name))
            reading.setForeground(self.palette().placeholderText())
            self.table.setItem(r, 2, reading)
        for r, note in enumerate(result.notes, start=len(rows)):
            self.table.setItem(r, 0, QTableWidgetItem(f"note: {note}"))
            self.table.setItem(r, 1, QTableWidgetItem(""))
            self.table.setItem(r, 2, QTableWidgetItem(""))

    def metric_rows(self) -> list[tuple[str, str]]:
        """The table's (label, value) rows as shown."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]

    # ---- actions -----------------------------------------------------------------------------------------
    def _choose_inception(self) -> None:
        for path in ask_open(self, "InceptionV3 weights (never downloaded)",
                                filters="Weights (*.pth *.pt *.safetensors);;All files (*)"):
            self.inception_edit.setText(str(path))

    def evaluate_now(self) -> None:
        if self.run is None or self.busy:
            return
        run, root = self.run, None  # the extractor cache of the run's own workspace
        samples = self.samples_spin.value()
        inception = self.inception_edit.text().strip() or None

        def work():  # noqa: ANN202 - runs in a background thread: no Qt here
            from workbench.evaluation.run_evaluation import EvaluationError, evaluate_run, nearest_neighbour_view

            result = evaluate_run(run, samples=samples, inception=inception, workspace_root=root,
                                  progress=self._set_progress_text)
            try:
                view = nearest_neighbour_view(run, inception=inception, workspace_root=root,
                                              progress=self._set_progress_text)
            except EvaluationError as err:
                view = str(err)
            return result, view

        self._start(work, f"Evaluating {run.id} on {samples} samples…")

    def _find_neighbours(self) -> None:
        run, root = self.run, None
        inception = self.inception_edit.text().strip() or None

        def work():  # noqa: ANN202
            from workbench.evaluation.run_evaluation import EvaluationError, nearest_neighbour_view

            try:
                return None, nearest_neighbour_view(run, inception=inception, workspace_root=root)
            except EvaluationError as err:
                return None, str(err)

        self.neighbours.set_placeholder("Finding the nearest training images…")
        self._start(work, "Finding nearest training images…")

    def _start(self, work, text: str) -> None:  # noqa: ANN001 - a function run in the background
        self.clear_error()
        self._progress_text = text
        self._set_busy(True)
        self.tasks.start(work, self._evaluated, on_failed=self._failed)

    def _set_progress_text(self, text: str) -> None:  # called from the background thread
        self._progress_text = text

    def _show_progress(self) -> None:
        self.status_label.setText(self._progress_text)
        self.status_label.setVisible(bool(self._progress_text))

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        if busy:
            self._show_progress()
            self._progress_timer.start()
        else:
            self._progress_timer.stop()
            self._progress_text = ""
            self._show_progress()
        self.evaluate_button.setEnabled(not busy and self.run is not None and self._checkpoint_step() is not None)

    def _failed(self, _message: str, _details: str) -> None:  # the message is in the red line already
        self._set_busy(False)
        if self.neighbours.view is None:
            self.neighbours.set_placeholder("No neighbours: the evaluation failed (see the message above).")

    def _evaluated(self, value) -> None:  # noqa: ANN001 - (EvaluationResult | None, NeighbourView | str)
        self._set_busy(False)
        result, view = value
        if result is not None:
            self._reload_evaluations(select_step=result.step)
            self._progress_text = f"Evaluated step {result.step} in {result.seconds:.1f} s; stored in the run."
            self._show_progress()
        if isinstance(view, str):
            self.neighbours.set_placeholder(view)
        else:
            self.neighbours.set_view(view)
