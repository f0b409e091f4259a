"""Evaluate panel: the selected run's stored evaluations (metric | value), an "Evaluate now" button that scores
the latest checkpoint in the background, and the nearest-neighbour memorization view.

Consumes a Workspace and the selected Run (`show_run`). Everything shown is read from the run folder
(`evaluations/<step>.json`), which `workbench eval` writes too; the panel holds no state the run lacks.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.panels.run_header import run_missing_checkpoint_text, run_title_html
from workbench.gui.widgets.metric_table import metric_table
from workbench.gui.widgets.neighbours_view import NeighboursView
from workbench.runs import Run, Workspace

ERROR_STYLE = "color: #c62828;"


LOWER_IS_BETTER = ("FID", "KID", "KL from uniform", "reconstruction MSE")
SPREAD = ("KID std", "IS std")


def better_text(label: str) -> str:
    """How to read a metric: 'lower is better', 'higher is better', or what a spread means."""
    name = label.split(" [", 1)[0]
    if name in SPREAD:
        return "spread over subsets / splits"
    if name.startswith(LOWER_IS_BETTER):
        return "lower is better"
    return "higher is better"


def _clean_error(message: str) -> str:
    for prefix in ("EvaluationError: ", "FileNotFoundError: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


class EvaluatePanel(QWidget):
    """Consumes the selected Run; runs `evaluate_run` and the neighbour search through `BackgroundTask`."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None
        self.evaluations: list = []  # EvaluationResult, oldest step first
        self.busy = False
        self._generation = 0  # results of a task started for an earlier selection are not shown
        self._progress_text = ""  # written by the background task, shown by a GUI-thread timer
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(200)
        self._progress_timer.timeout.connect(self._show_progress)

        self.title = QLabel()
        self.title.setObjectName("evaluate-title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
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
        row = QHBoxLayout()
        row.addWidget(QLabel("Samples"))
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(50, 100_000)
        self.samples_spin.setSingleStep(500)
        self.samples_spin.setValue(5000)
        self.samples_spin.setToolTip("generated images scored (FID is biased upwards below ~5,000)")
        row.addWidget(self.samples_spin)
        row.addSpacing(12)
        row.addWidget(QLabel("Feature extractor"))
        self.inception_edit = QLineEdit()
        self.inception_edit.setPlaceholderText("the dataset's classifier CNN (or choose InceptionV3 weights…)")
        self.inception_edit.setToolTip("a local InceptionV3 weights file (pytorch-fid's "
                                       "pt_inception-2015-12-05-6726825d.pth) gives paper-comparable FIDs; "
                                       "nothing is downloaded")
        self.inception_edit.setMinimumWidth(320)
        row.addWidget(self.inception_edit, 1)
        self.inception_button = QPushButton("Inception weights…")
        self.inception_button.clicked.connect(self._choose_inception)
        row.addWidget(self.inception_button)
        self.evaluate_button = QPushButton("Evaluate now")
        self.evaluate_button.setObjectName("evaluate-now")
        self.evaluate_button.setDefault(True)
        self.evaluate_button.clicked.connect(self.evaluate_now)
        row.addWidget(self.evaluate_button)

        status = QHBoxLayout()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        status.addWidget(self.busy_bar)
        self.status_label = QLabel()
        self.status_label.setObjectName("evaluate-status")
        status.addWidget(self.status_label, 1)
        self.error_label = QLabel()
        self.error_label.setObjectName("evaluate-error")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        outer = QVBoxLayout(box)
        outer.addLayout(row)
        outer.addLayout(status)
        outer.addWidget(self.error_label)
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
        self.evaluation_info = QLabel()
        self.evaluation_info.setWordWrap(True)
        self.evaluation_info.setObjectName("evaluation-info")
        top.addWidget(self.evaluation_info, 1)
        layout.addLayout(top)
        self.table = metric_table("evaluation-table", ["Metric", "Value", "Reading"])
        self.placeholder = QLabel()
        self.placeholder.setObjectName("evaluate-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 16px;")
        layout.addWidget(self.placeholder)
        layout.addWidget(self.table, 1)
        return box

    def _build_neighbours(self) -> QWidget:
        box = QGroupBox("Memorization: nearest training images of generated samples")
        layout = QVBoxLayout(box)
        self.neighbours = NeighboursView()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.neighbours)
        layout.addWidget(scroll)
        return box

    # ---- the selected run --------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.show_run(None)

    def show_run(self, run: Run | None) -> None:
        """Show `run`'s stored evaluations (None: nothing selected); its neighbours when it has been evaluated."""
        self._generation += 1
        self.run = run
        self.error_label.hide()
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
            elif self.evaluations:
                self._find_neighbours()
            else:
                self.neighbours.set_placeholder("Press “Evaluate now” to score the latest checkpoint and find the "
                                                "nearest training images of 8 samples.")
        self.evaluate_button.setEnabled(run is not None and checkpoint is not None and not self.busy)

    def _checkpoint_step(self) -> int | None:
        if self.run is None:
            return None
        try:
            return self.run.latest_checkpoint_step()
        except Exception:  # noqa: BLE001 - an unreadable folder is shown as "no checkpoint"
            return None

    def _reload_evaluations(self, select_step: int | None = None) -> None:
        from workbench.evaluation.store import stored_evaluations

        self.evaluations = stored_evaluations(self.run) if self.run is not None else []
        self.evaluation_combo.blockSignals(True)
        self.evaluation_combo.clear()
        for result in self.evaluations:
            self.evaluation_combo.addItem(f"step {result.step} · {result.samples} samples", result.step)
        index = len(self.evaluations) - 1
        if select_step is not None and self.evaluation_combo.findData(select_step) >= 0:
            index = self.evaluation_combo.findData(select_step)
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
        self.evaluation_info.setText(f"feature extractor: {result.extractor_text()} · seed {result.seed} · "
                                     f"took {result.seconds:.1f} s · {when}{comparable}")
        rows = [*result.rows()]
        self.table.setRowCount(len(rows) + len(result.notes))
        for r, (label, value) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(label))
            item = QTableWidgetItem(format_value(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 1, item)
            reading = QTableWidgetItem(better_text(label))
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
        path, _ = QFileDialog.getOpenFileName(self, "InceptionV3 weights (never downloaded)",
                                              str(Path.home()), "Weights (*.pth *.pt *.safetensors);;All files (*)")
        if path:
            self.inception_edit.setText(path)

    def evaluate_now(self) -> None:
        if self.run is None or self.busy:
            return
        from workbench.gui.workers import BackgroundTask

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

        self._start(BackgroundTask(work, self), f"Evaluating {run.id} on {samples} samples…", self._evaluated)

    def _find_neighbours(self) -> None:
        from workbench.gui.workers import BackgroundTask

        run, root = self.run, None
        inception = self.inception_edit.text().strip() or None

        def work():  # noqa: ANN202
            from workbench.evaluation.run_evaluation import EvaluationError, nearest_neighbour_view

            try:
                return None, nearest_neighbour_view(run, inception=inception, workspace_root=root)
            except EvaluationError as err:
                return None, str(err)

        self.neighbours.set_placeholder("Finding the nearest training images…")
        self._start(BackgroundTask(work, self), "Finding nearest training images…", self._evaluated)

    def _start(self, task, text: str, on_done) -> None:  # noqa: ANN001
        generation = self._generation
        self.error_label.hide()
        self._progress_text = text
        self._set_busy(True)
        task.done.connect(lambda value: self._finished(generation, on_done, value))
        task.failed.connect(lambda message, details: self._failed(generation, message, details))
        task.start()

    def _set_progress_text(self, text: str) -> None:  # called from the background thread
        self._progress_text = text

    def _show_progress(self) -> None:
        self.status_label.setText(self._progress_text)
        self.status_label.setVisible(bool(self._progress_text))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_bar.setVisible(busy)
        if busy:
            self._show_progress()
            self._progress_timer.start()
        else:
            self._progress_timer.stop()
            self._progress_text = ""
            self._show_progress()
        self.evaluate_button.setEnabled(not busy and self.run is not None and self._checkpoint_step() is not None)

    def _finished(self, generation: int, on_done, value) -> None:  # noqa: ANN001
        if generation != self._generation:
            return  # the selection changed meanwhile; the results are stored in their run all the same
        self._set_busy(False)
        on_done(value)

    def _failed(self, generation: int, message: str, details: str) -> None:
        if generation != self._generation:
            return
        self._set_busy(False)
        self.error_label.setText(_clean_error(message))
        self.error_label.setToolTip(details)
        self.error_label.show()
        if self.neighbours.view is None:
            self.neighbours.set_placeholder("No neighbours: the evaluation failed (see the message above).")

    def _evaluated(self, value) -> None:  # noqa: ANN001 - (EvaluationResult | None, NeighbourView | str)
        result, view = value
        if result is not None:
            self._reload_evaluations(select_step=result.step)
            self._progress_text = f"Evaluated step {result.step} in {result.seconds:.1f} s; stored in the run."
            self._show_progress()
        if isinstance(view, str):
            self.neighbours.set_placeholder(view)
        else:
            self.neighbours.set_view(view)
