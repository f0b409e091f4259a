"""Thread-safe pause / resume / single-step / stop for a training loop, asked from another thread of its process
(the window's buttons, Ctrl-C) or, through `listen`, from another process (workbench/runs/control.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class RequestSource(Protocol):
    """Requests from elsewhere (runs.control.RequestTail): `poll()` is cheap, and returns each request once."""

    interval: float

    def poll(self) -> list: ...  # of objects with .action ("pause" | "resume" | "step" | "stop") and .number


class TrainingControl:
    """The loop calls `changes()` and `wait_for_permission()` before every iteration; the UI (any thread) calls the
    rest. Every pause/resume/step/stop is kept until the loop takes it with `changes()`, so the loop can record
    what was applied at which step (as ControlEvents in the run store)."""

    def __init__(self, paused: bool = False) -> None:
        self._cond = threading.Condition()
        self._paused = paused
        self._stop = False
        self._steps_allowed = 0
        self._applied: list[tuple[str, int]] = []  # (action, request number; 0 when asked in this process)
        self._granted: list[tuple[str, int]] = []  # those applied when wait_for_permission last decided
        self._source: RequestSource | None = None
        self._before_wait: Callable[[], None] | None = None

    @property
    def paused(self) -> bool:
        with self._cond:
            return self._paused

    @property
    def stop_requested(self) -> bool:
        with self._cond:
            return self._stop

    def pause(self, request: int = 0) -> None:
        with self._cond:
            self._paused = True
            self._steps_allowed = 0
            self._applied.append(("pause", request))
            self._cond.notify_all()

    def resume(self, request: int = 0) -> None:
        with self._cond:
            self._paused = False
            self._applied.append(("resume", request))
            self._cond.notify_all()

    def step(self, count: int = 1, request: int = 0) -> None:
        """While paused, let exactly `count` more iterations run."""
        with self._cond:
            self._steps_allowed += count
            self._applied.append(("step", request))
            self._cond.notify_all()

    def stop(self, request: int = 0) -> None:
        with self._cond:
            self._stop = True
            self._applied.append(("stop", request))
            self._cond.notify_all()

    # ---- requests of other processes -----------------------------------------------------------------------
    def listen(self, source: RequestSource | None, before_wait: Callable[[], None] | None = None) -> None:
        """Also obey `source` (None: stop listening); it is polled between iterations and while paused.
        `before_wait` runs in the loop's thread each time it is about to wait (the run store commits what it
        recorded, so that another process sees the last steps before a pause)."""
        with self._cond:
            self._source = source
            self._before_wait = before_wait

    def _poll(self) -> None:
        source = self._source
        if source is None:
            return
        for request in source.poll():
            if request.action == "step":
                self.step(request=request.number)
            else:
                getattr(self, request.action)(request=request.number)

    def changes(self) -> list[tuple[str, int]]:
        """(action, request number) of every pause/resume/step/stop since the last call, oldest first; requests of
        other processes that arrived meanwhile are applied first."""
        self._poll()
        with self._cond:
            taken, self._applied = self._applied, []
        return taken

    def granted_changes(self) -> list[tuple[str, int]]:
        """The changes applied up to the moment `wait_for_permission` last decided (what ended its wait, say).
        One applied after that moment is left for the next `changes()`: the iteration already allowed runs, and
        the change is recorded at the step where it takes effect (a pause at step n, then no step n + 1)."""
        with self._cond:
            taken, self._granted = self._granted, []
        return taken

    def wait_for_permission(self) -> bool:
        """Block while paused; True to run one iteration, False when a stop was requested."""
        waited = False
        while True:
            with self._cond:
                if self._stop:
                    return self._decided(False)
                if not self._paused:
                    return self._decided(True)
                if self._steps_allowed > 0:
                    self._steps_allowed -= 1
                    return self._decided(True)
                source, before_wait = self._source, self._before_wait
                if waited or before_wait is None:
                    self._cond.wait(None if source is None else source.interval)
            if not waited and before_wait is not None:
                before_wait()  # outside the lock: the buttons never wait for the disk
            waited = True
            self._poll()

    def _decided(self, allowed: bool) -> bool:
        """(With the lock held.) What was applied until now goes with this decision (`granted_changes`)."""
        self._granted, self._applied = self._granted + self._applied, []
        return allowed
