"""Thread-safe pause / resume / single-step / stop for a training loop running in another thread."""

from __future__ import annotations

import threading


class TrainingControl:
    """The loop calls `wait_for_permission()` before every iteration; the UI (any thread) calls the rest."""

    def __init__(self, paused: bool = False) -> None:
        self._cond = threading.Condition()
        self._paused = paused
        self._stop = False
        self._steps_allowed = 0

    @property
    def paused(self) -> bool:
        with self._cond:
            return self._paused

    @property
    def stop_requested(self) -> bool:
        with self._cond:
            return self._stop

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._steps_allowed = 0
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def step(self, count: int = 1) -> None:
        """While paused, let exactly `count` more iterations run."""
        with self._cond:
            self._steps_allowed += count
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def wait_for_permission(self) -> bool:
        """Block while paused; True to run one iteration, False when a stop was requested."""
        with self._cond:
            while True:
                if self._stop:
                    return False
                if not self._paused:
                    return True
                if self._steps_allowed > 0:
                    self._steps_allowed -= 1
                    return True
                self._cond.wait()
