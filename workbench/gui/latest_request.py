"""One background thread that computes only the newest request: the worker behind every live preview.

A slider drag, a threshold change or a click through inputs asks for a new result many times a second, and only
the last one matters. `LatestRequestWorker.submit` replaces a request that has not started yet (it is dropped,
and counted in `skipped`), so the thread never works through a backlog and the view never falls behind the user.
Each result travels to the GUI thread through a queued signal to a slot of the worker (a QObject that lives in
the GUI thread), where `ready(request_id, result)` is emitted; an exception becomes `failed(request_id, message,
details)` and is also reported to the window's error display (`ErrorReporter`), so it is never lost on stderr.
`discard()` drops what was asked before (e.g. for a model that was just unloaded) and `shutdown()` stops and
joins the thread.

Used by the Latent sliders, the Voxels shapes and the Super-resolution and Translation previews.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from workbench.gui.error_reporter import active_reporter, describe_exception


@dataclass(frozen=True)
class _Outcome:
    request_id: int
    result: Any = None
    failure: tuple[str, str, str] | None = None  # (message, details, the error display's line) when it raised


class LatestRequestWorker(QObject):
    """Computes `compute(request)` on its own thread for the newest request only; signals arrive in the GUI thread.

    Create it in the GUI thread. `compute` runs in the worker thread: no Qt there, only plain data in and out.
    """

    ready = Signal(int, object)  # request id, result
    failed = Signal(int, str, str)  # request id, message, details (a traceback)
    _finished = Signal(object)  # emitted in the worker thread, queued to `_deliver` in the GUI thread

    def __init__(self, compute: Callable[[Any], Any], name: str = "latest-request",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._compute = compute
        self._name = name
        self._condition = threading.Condition()
        self._pending: tuple[int, Any] | None = None
        self._next_id = 0
        self._valid_from = 1  # results of requests with a smaller id are dropped (see `discard`)
        self._in_flight = 0  # taken by the thread and not yet delivered
        self._closed = False
        self.skipped = 0  # requests replaced before the thread started them
        self.thread: threading.Thread | None = None  # started with the first request
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # ---- the GUI thread ------------------------------------------------------------------------------------
    def submit(self, request: Any) -> int:
        """Ask for `request`, replacing one not started yet; returns its id (`ready` and `failed` carry it)."""
        with self._condition:
            if self._closed:
                return self._next_id
            if self._pending is not None:
                self.skipped += 1
            self._next_id += 1
            self._pending = (self._next_id, request)
            self._condition.notify()
        if self.thread is None:
            self.thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
            self.thread.start()
        return self._next_id

    def discard(self) -> None:
        """Drop the pending request and the results of every request made so far (they are out of date)."""
        with self._condition:
            self._pending = None
            self._valid_from = self._next_id + 1

    @property
    def latest_id(self) -> int:
        """The id of the newest request submitted (0 before the first)."""
        return self._next_id

    @property
    def busy(self) -> bool:
        """A request is waiting, being computed or its result not yet delivered."""
        with self._condition:
            return self._pending is not None or self._in_flight > 0

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Process events until every result is delivered (scripts and tests); True if it got there in time."""
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.002)
        QCoreApplication.processEvents()
        return not self.busy

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop the thread after the request it is computing; True if it ended within `timeout` seconds."""
        with self._condition:
            self._closed = True
            self._pending = None
            self._condition.notify()
        if self.thread is not None:
            self.thread.join(timeout)
            return not self.thread.is_alive()
        return True

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        with self._condition:
            self._in_flight -= 1
            stale = self._closed or outcome.request_id < self._valid_from
        if stale:
            return
        if outcome.failure is None:
            self.ready.emit(outcome.request_id, outcome.result)
            return
        message, details, line = outcome.failure
        self.failed.emit(outcome.request_id, message, details)
        reporter = active_reporter()
        if reporter is not None:
            reporter.report(line, details)

    # ---- the worker thread ---------------------------------------------------------------------------------
    def _serve(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                (request_id, request), self._pending = self._pending, None
                self._in_flight += 1
            try:
                outcome = _Outcome(request_id, self._compute(request))
            except Exception as err:  # delivered to the GUI thread: `failed` and the window's error display
                line, details = describe_exception(*sys.exc_info(), thread=self._name)
                outcome = _Outcome(request_id, failure=(f"{type(err).__name__}: {err}", details, line))
            try:
                self._finished.emit(outcome)
            except RuntimeError:  # the worker's QObject was deleted meanwhile: nobody is left to show it
                return
