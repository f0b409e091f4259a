"""The Training panel's run controls: Start, Pause, Resume, Step and Stop, the worker that trains a run in this
window, and which of the buttons mean something for the run shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from workbench.config import ConfigError
from workbench.gui.panels.training.launched import LaunchedRuns
from workbench.methods.registry import method_spec
from workbench.runs import Run
from workbench.runs.examples import is_example


def imported_refusal(run: Run) -> str:
    """What the window says when asked to train a read-only (imported) run."""
    return (f"Run {run.id} is an imported model (read-only): it cannot be trained. Explore it in the Latent and "
            "Evaluate tabs.")


MAX_PROCESSES = 64
PROCESSES_TIP = ("How many processes train a new run on this machine (1: in this window). More than 1 starts "
                 "torchrun (`workbench train --nproc N`): each process takes its share of every batch, so the batch "
                 "size must divide by N; the window watches the run and steers it through its control channel")
RESUME_TIP = "Continue a paused run, or a stopped one from its latest checkpoint"
EXAMPLE_RESUME_TIP = ("Copy this shipped example into your workspace and train the copy on (the example itself is "
                      "never changed)")
RESUMABLE = ("stopped", "interrupted", "failed", "created")  # stored states a run can be continued from


class RunControls(QWidget):
    """The buttons and the one `TrainingWorker` of this window (None until a run is trained here).

    The panel connects the buttons to its actions; this widget starts the worker and tells whether the shown run
    is the one it trains (`ours`), so that a run trained elsewhere can be watched but not steered."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = None  # the TrainingWorker of the run this window trains, if any
        self.launched = LaunchedRuns()  # runs this window started in several processes
        rows = QVBoxLayout(self)
        rows.setContentsMargins(6, 4, 6, 6)
        rows.setSpacing(4)
        first, row = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(first)
        rows.addLayout(row)
        self.processes_box = QSpinBox()
        self.processes_box.setRange(1, MAX_PROCESSES)
        self.processes_box.setToolTip(PROCESSES_TIP)
        label = QLabel("Processes")
        label.setToolTip(PROCESSES_TIP)
        label.setBuddy(self.processes_box)
        hint = QLabel("(2+: torchrun)")
        hint.setStyleSheet("color: palette(mid);")
        hint.setToolTip(PROCESSES_TIP)
        first.addWidget(label)
        first.addWidget(self.processes_box)
        first.addWidget(hint, 1)
        self.start_button = self._button("Start", "Create a run with these settings and train it", row)
        self.pause_button = self._button("Pause", "", row)
        self.resume_button = self._button("Resume", RESUME_TIP, row)
        self.step_button = self._button("Step", "Run exactly one iteration while paused", row)
        self.stop_button = self._button("Stop", "Stop after the current iteration and write a checkpoint", row)

    @staticmethod
    def _button(text: str, tip: str, row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        # as wide as the word, not the style's 80 px: the five fit the settings column of a laptop screen
        button.setMinimumWidth(button.fontMetrics().horizontalAdvance(text) + 20)
        row.addWidget(button)
        return button

    def connect_actions(self, start: Callable, pause: Callable, resume: Callable, step: Callable,
                        stop: Callable) -> None:
        for button, slot in ((self.start_button, start), (self.pause_button, pause), (self.resume_button, resume),
                             (self.step_button, step), (self.stop_button, stop)):
            button.clicked.connect(slot)

    # ---- the worker --------------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        """A run is training (or paused) in this window."""
        return self.worker is not None and self.worker.is_alive

    def ours(self, run: Run | None) -> bool:
        """`run` is (or was last) trained by this window."""
        return self.worker is not None and run is not None and self.worker.run.path == run.path

    def train(self, run: Run, paused: bool, on_events: Callable, on_finished: Callable, on_failed: Callable) -> None:
        """Train `run` in a background thread; its events reach `on_events(list)` in batches."""
        from workbench.gui.workers import TrainingWorker

        self.worker = TrainingWorker(run, self)
        self.worker.events.connect(on_events)
        self.worker.finished.connect(on_finished)
        self.worker.errored.connect(on_failed)
        self.worker.start(paused=paused)

    def refusal_to_continue(self, run: Run) -> str:
        """Why `run` cannot be trained on in this window now ("" when it can)."""
        if self.training:
            return "Another run is training in this window; stop it first."
        try:
            if not method_spec(run.config.method_name).trainable:
                return imported_refusal(run)
            info = run.info()
            if info.status == "finished" and info.step >= run.config.train.steps:
                return "This run has finished all its steps."
        except ConfigError as err:
            return str(err)
        return ""

    def shutdown(self, timeout: float) -> bool:
        """Stop our trainings (each writes a checkpoint) and wait for them; True when they have ended."""
        ended = self.launched.shutdown(timeout)
        if self.training:
            self.worker.stop()
            return self.worker.wait(timeout) and ended
        return ended

    # ---- what the buttons can do for the run shown -------------------------------------------------------
    def state_of(self, run: Run | None, stored: str) -> str:
        """"training" or "paused" for a run this window trains, else its stored status (`stored`)."""
        if self.ours(run) and self.training:
            return "paused" if self.worker.is_paused else "training"
        return "idle" if run is None else stored

    def update_buttons(self, run: Run | None, state: str) -> None:
        alive = self.ours(run) and self.training
        paused = alive and self.worker.is_paused
        resumable = (not alive and run is not None and not self.training
                     and (state in RESUMABLE or (state == "finished" and is_example(run))))  # an example: a copy
        steered = self.launched.alive(run)  # several processes this window started: through the control channel
        self.start_button.setEnabled(run is None and not self.training)
        self.processes_box.setEnabled(run is None and not self.training)
        self.pause_button.setEnabled((alive and not paused) or steered)
        self.resume_button.setEnabled(paused or resumable or steered)
        self.step_button.setEnabled(paused or resumable or steered)
        self.stop_button.setEnabled(alive or steered)
        self.resume_button.setToolTip(EXAMPLE_RESUME_TIP if resumable and is_example(run) else RESUME_TIP)
