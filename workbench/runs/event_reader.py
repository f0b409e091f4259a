"""The run store read back as the events the training loop yielded: what the window and `workbench watch` show
of a run trained by any process.

    reader = EventReader(run)          # or the run folder, or its metrics.sqlite
    for event in reader.read_new():    # the events recorded since the last call, in order, each once
        ...

A step's scalars come back as one StepEvent (its rate and ETA recomputed from the recorded wall times, the run's
length taken from the session's LayoutEvent), a measure as a MetricEvent, a sample or scatter with its file
(`path`, absolute) instead of its pixels. `read_new()` costs one PRAGMA when nothing was committed since the last
call, so it can be called many times a second.
"""

from __future__ import annotations

import math
import sqlite3
from collections import deque
from pathlib import Path
from typing import Any

from workbench.runs.event_codec import decode
from workbench.runs.events import (
    Event,
    LayoutEvent,
    MetricEvent,
    SampleEvent,
    ScatterEvent,
    StepEvent,
)
from workbench.runs.metrics_db import MetricsReader

RATE_WINDOW = 50  # steps, as the training loop measures its rate
METRICS_FILE = "metrics.sqlite"


class _Step:
    """The scalars of one step while they are collected (rows of one StepEvent are consecutive)."""

    __slots__ = ("step", "wall", "scalars")

    def __init__(self, step: int, wall: float) -> None:
        self.step, self.wall, self.scalars = step, wall, {}


class EventReader:
    """Tails a run's store as typed events. `source`: a Run, a run folder or a metrics.sqlite file."""

    def __init__(self, source: Any) -> None:
        if hasattr(source, "metrics_path"):  # a Run
            self._run = source
            metrics = Path(source.metrics_path)
        else:
            self._run = None
            path = Path(source)
            metrics = path if path.suffix == ".sqlite" else path / METRICS_FILE
        self.folder = metrics.parent
        self.store = MetricsReader(metrics)
        self.total_steps = 0  # the run's length, from the latest LayoutEvent read
        self._recent: deque[tuple[int, float]] = deque(maxlen=RATE_WINDOW)
        self._configured: int | None = None
        self._version: int | None = None  # the store's data_version at the last read

    def changed(self) -> bool:
        """Whether anything may have been recorded since the last `read_new` (cheap: one PRAGMA)."""
        version = self.store.data_version()
        return version is not None and version != self._version

    def skip_existing(self) -> None:
        """Start after what is recorded now (it is shown already): `read_new` returns only what comes next."""
        self._version = self.store.data_version()
        self.store.skip_existing()

    def read_new(self) -> list[Event]:
        """Every event recorded since the last call, in the order they happened (by step, then time)."""
        version = self.store.data_version()
        if version is None or version == self._version:
            return []
        try:
            with self.store.snapshot() as conn:
                if conn is None:
                    return []
                scalars, samples, others = (self.store.new_rows(t) for t in ("scalars", "samples", "events"))
        except sqlite3.Error:  # e.g. locked for longer than the timeout by a writer on a slow disk: next time
            return []
        self._version = version  # a commit made since `version` was taken is read next time (rows by id: once)
        keyed: list[tuple[int, float, int, int, Any]] = []
        current: _Step | None = None
        for row_id, step, wall, tag, value, metric in scalars:
            value = math.nan if value is None else float(value)
            if metric:
                keyed.append((step, wall, 1, row_id, MetricEvent(step, wall, tag, value)))
                continue
            if current is None or current.step != step or current.wall != wall:
                current = _Step(step, wall)
                keyed.append((step, wall, 1, row_id, current))
            current.scalars[tag] = value
        for row_id, step, wall, name, relative in samples:
            path = str(self.folder / relative)
            event = (ScatterEvent(step, wall, name, path=path) if relative.endswith(".npz")
                     else SampleEvent(step, wall, name, path=path))
            keyed.append((step, wall, 1, row_id, event))
        for row_id, step, wall, kind, message in others:
            event = decode(step, wall, kind, message)
            if event is not None:  # a kind of a newer version
                keyed.append((step, wall, 0 if isinstance(event, LayoutEvent) else 2, row_id, event))
        keyed.sort(key=lambda k: k[:4])
        return [self._finish(k[4]) for k in keyed]

    def _finish(self, item: Any) -> Event:
        if isinstance(item, LayoutEvent):
            self.total_steps = item.total_steps or self._configured_steps()
            self._recent.clear()  # a new session: the rate starts again
            return item
        if not isinstance(item, _Step):
            return item
        self._recent.append((item.step, item.wall))
        (s0, w0), (s1, w1) = self._recent[0], self._recent[-1]
        rate = (s1 - s0) / (w1 - w0) if w1 > w0 and s1 > s0 else 0.0
        total = self.total_steps or self._configured_steps()
        eta = (total - item.step) / rate if rate > 0 and total else None
        return StepEvent(item.step, item.wall, item.scalars, rate, eta, total)

    def _configured_steps(self) -> int:
        """The run's length from its config (read once), for stores whose layout did not record it."""
        if self._configured is None:
            self._configured = 0
            try:
                if self._run is not None:
                    self._configured = int(self._run.config.train.steps)
            except Exception:  # noqa: BLE001 - a damaged run.toml: the length is simply unknown
                pass
        return self._configured

    def close(self) -> None:
        """Close the store (`contextlib.closing(EventReader(run))` closes it at the end of a block)."""
        self.store.close()
