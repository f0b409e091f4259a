"""The one place where training threads meet Qt.

A `TrainingWorker` runs `run_training` (the core's event generator, which also records every event to the
run store) in a plain background thread and controls it through the core's thread-safe `TrainingControl`.
Nothing crosses threads per step: the thread collects the events and a GUI-thread timer hands them over in
batches every tenth of a second (`events(list)`), so a fast trainer costs one update of the window per batch.
The outcome (finished, stopped, failed with a traceback) follows the last batch, emitted from the GUI thread,
so every slot runs in the GUI thread.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.runs import Run

TRAINER_NICE_ENV = "WORKBENCH_TRAINER_NICE"
EVENT_BATCH_MS = 100  # per-step traffic to the UI halves a fast trainer's speed; a batch a tenth of a second does not


def _lower_thread_priority() -> None:
    """Let the GUI thread win the CPU on a small machine: nice the training thread (Linux: per thread)."""
    increment = int(os.environ.get(TRAINER_NICE_ENV, "10") or 0)
    if increment and sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), increment)
        except OSError:
            pass  # not permitted here; training simply runs at normal priority


class TrainingWorker(QObject):
    """Trains one run in a background thread; `events(list)`, then `finished` or `errored`, in the GUI thread."""

    events = Signal(list)  # the run's events (runs.events types) since the last batch, in order
    finished = Signal(str)  # "finished" or "stopped"
    errored = Signal(str, str)  # message, traceback

    def __init__(self, run: Run, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from workbench.training.control import TrainingControl

        self.run = run
        self.control = TrainingControl()
        self.latest_step = None  # the latest StepEvent, read by the status bar
        self._status = "stopped"
        self._task = GeneratorTask(self._train, self, interval_ms=EVENT_BATCH_MS, name=f"train-{run.id}")
        self._task.items.connect(self.events)
        self._task.finished.connect(self._ended)
        self._task.failed.connect(self.errored)

    # ---- control (any of these may be called from the GUI at any time) ----------------------------------
    def start(self, paused: bool = False) -> None:
        if paused:
            self.control.pause()
        self._task.start()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def step(self) -> None:
        self.control.step()

    def stop(self) -> None:
        self.control.stop()  # also ends a pause: the loop checks for a stop before anything else

    @property
    def is_alive(self) -> bool:
        return self._task.is_alive

    @property
    def is_paused(self) -> bool:
        return self.control.paused

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread ends (used when the window closes), then deliver what is left; True if it
        ended."""
        return self._task.wait(timeout)

    def _ended(self, _how: str) -> None:
        self.finished.emit(self._status)

    # ---- the background thread ---------------------------------------------------------------------------
    def _train(self) -> Iterator[Any]:
        from workbench.runs.events import RunEndEvent, StepEvent
        from workbench.training.runner import run_training

        _lower_thread_priority()
        for event in run_training(self.run, self.control):
            if isinstance(event, StepEvent):
                self.latest_step = event
            elif isinstance(event, RunEndEvent):
                self._status = event.status
            yield event


def _error_message(err: Exception) -> str:
    """What the window shows: a configuration error's own words, otherwise the exception's type and text."""
    from workbench.config import ConfigError

    return str(err) if isinstance(err, ConfigError) else f"{type(err).__name__}: {err}"


class GeneratorTask(QObject):
    """Runs a generator function in a background thread and hands its items to the GUI thread; can be stopped.

    Items are collected in the thread and delivered in batches by a GUI-thread timer (`items(list)`, at most
    one batch per interval), so a fast generator costs one repaint per interval, not one per item. `stop()`
    is checked between items: the generator is closed (its `finally` blocks run) and `finished("stopped")`
    follows; a normal end gives `finished("finished")`; an exception gives `failed(message, traceback)`. The
    last items are always delivered before `finished`. Items should be plain CPU data (numbers, numpy arrays).
    """

    items = Signal(list)
    finished = Signal(str)  # "finished" or "stopped"
    failed = Signal(str, str)

    def __init__(self, function, parent: QObject | None = None, interval_ms: int = 50,  # noqa: ANN001
                 name: str = "generator-task") -> None:
        super().__init__(parent)
        self._function = function
        self._lock = threading.Lock()
        self._pending: list = []
        self._outcome: tuple[str, str, str] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._poll = QTimer(self)
        self._poll.setInterval(interval_ms)
        self._poll.timeout.connect(self._deliver)

    def start(self) -> GeneratorTask:
        self._thread.start()
        self._poll.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def is_alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread ends, then deliver what is left; True if it ended."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        self._deliver()
        return not self.is_alive

    def _work(self) -> None:
        outcome = ("finished", "", "")
        try:
            generator = self._function()
            try:
                for item in generator:
                    with self._lock:
                        self._pending.append(item)
                    if self._stop.is_set():
                        outcome = ("stopped", "", "")
                        break
            finally:
                close = getattr(generator, "close", None)
                if close is not None:
                    close()
        except Exception as err:  # delivered to the GUI thread and shown there
            outcome = ("failed", _error_message(err), traceback.format_exc())
        with self._lock:
            self._outcome = outcome

    def _deliver(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            outcome = self._outcome
            if outcome is not None:
                self._outcome = None
        if batch:
            self.items.emit(batch)
        if outcome is None:
            return
        self._poll.stop()
        kind, message, details = outcome
        if kind == "failed":
            self.failed.emit(message, details)
        else:
            self.finished.emit(kind)


class BackgroundTask(GeneratorTask):
    """Runs one function in a background thread; `done(result)` or `failed(message, traceback)` is emitted
    in the GUI thread, and then the task deletes itself. Used for work that imports torch or reads data
    (previews, evaluations).
    """

    done = Signal(object)

    def __init__(self, function, parent: QObject | None = None) -> None:  # noqa: ANN001 - any callable
        super().__init__(lambda: iter((function(),)), parent, name="background-task")
        self.items.connect(self._done)
        self.finished.connect(self.deleteLater)
        self.failed.connect(self.deleteLater)

    def _done(self, items: list) -> None:
        self.done.emit(items[0])
