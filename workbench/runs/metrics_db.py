"""Scalars, events and the sample index of one run in SQLite (WAL mode: readable while being written).

The writer lives in the training thread or process and commits in batches (every 50 ms, and whenever
an event or sample is recorded), so the trainer never waits on disk for every step and a watcher sees new rows
within a tenth of a second. Those commits are not fsynced; `flush()` is (before every checkpoint and at the end):
a killed process loses nothing committed, and once checkpoint N is on disk so is every row up to step N.
Readers, in the window or another process, tail new rows by their increasing row id; `changed()` tells them at
the cost of one PRAGMA whether anything was committed since they last looked.

SQLite has no NaN: a NaN value is stored as NULL (hence `value` may be NULL) and read back as NaN, so a
diverged loss is recorded rather than failing the write.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.runs.event_codec import encode
from workbench.runs.events import Event, MetricEvent, SampleEvent, ScatterEvent, StepEvent

# AUTOINCREMENT: ids of rows a resume deletes are never given again, so a reader's "rows after id N" stays true.
SCHEMA = """
CREATE TABLE IF NOT EXISTS scalars (
    id INTEGER PRIMARY KEY AUTOINCREMENT, step INTEGER NOT NULL, wall REAL NOT NULL, tag TEXT NOT NULL, value REAL,
    metric INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS scalars_tag ON scalars(tag, step);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, step INTEGER NOT NULL, wall REAL NOT NULL, kind TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT, step INTEGER NOT NULL, wall REAL NOT NULL, name TEXT NOT NULL,
    path TEXT NOT NULL);
"""
TABLES = ("scalars", "events", "samples")
# the columns a reader gets after the row id; `metric` (1: a MetricEvent's value, 0: one of a step's scalars) is
# missing from stores written before it existed, where every scalar reads as a step's
COLUMNS = {"scalars": "step, wall, tag, value, metric", "events": "step, wall, kind, message",
           "samples": "step, wall, name, path"}


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def readonly_uri(path: Path) -> str:
    """The URI that opens a store for reading. A shipped example's store (a card.toml beside it) is immutable:
    SQLite then creates no -wal / -shm file in the example's folder, which may be read-only."""
    immutable = "&immutable=1" if (Path(path).parent / "card.toml").is_file() else ""
    return f"file:{path}?mode=ro{immutable}"


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(readonly_uri(path), uri=True, timeout=5.0, check_same_thread=False)
    else:
        if (Path(path).parent / "card.toml").is_file():
            raise PermissionError(f"{path} belongs to a shipped example and is never written; copy the example "
                                  "into the workspace first")
        conn = sqlite3.connect(path, timeout=10.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # commits reach the OS at once; flush() makes them durable
        conn.executescript(f"BEGIN;{SCHEMA}COMMIT;")  # one transaction: a reader sees every table or none
        if "metric" not in _columns(conn, "scalars"):  # a store written before MetricEvents were marked
            conn.execute("ALTER TABLE scalars ADD COLUMN metric INTEGER NOT NULL DEFAULT 0")
            conn.commit()
    return conn


class MetricsWriter:
    """Buffered writer of events (`add`) or raw rows; `flush()` commits durably and runs before every checkpoint."""

    def __init__(self, path: str | Path, commit_interval: float = 0.05) -> None:
        self.path = Path(path)
        self.conn = _connect(self.path, readonly=False)
        self.commit_interval = commit_interval
        self._scalars: list[tuple[int, float, str, float, int]] = []
        self._last_commit = time.monotonic()

    def add(self, event: Event) -> None:
        """Record `event`; a sample's or scatter's file must already be written (its `path`, absolute or relative
        to the run folder, is stored relative to it)."""
        if isinstance(event, StepEvent):
            self.add_scalars(event.step, event.wall, event.scalars)
        elif isinstance(event, MetricEvent):
            self.add_metrics(event.step, event.wall, {event.name: event.value})
        elif isinstance(event, SampleEvent | ScatterEvent):
            path = Path(event.path)
            folder = self.path.parent
            relative = path.relative_to(folder) if path.is_absolute() and path.is_relative_to(folder) else path
            self.add_sample(event.step, event.wall, event.name, relative.as_posix())
        else:
            self.add_event(event.step, event.wall, *encode(event))

    def add_scalars(self, step: int, wall: float, values: dict[str, float], metric: bool = False) -> None:
        self._scalars.extend((step, wall, tag, float(v), int(metric)) for tag, v in values.items())
        if time.monotonic() - self._last_commit >= self.commit_interval:
            self._commit()

    def add_metrics(self, step: int, wall: float, values: dict[str, float]) -> None:
        """Measures of the model at `step` (read back as MetricEvents, not as scalars of that step)."""
        self.add_scalars(step, wall, values, metric=True)

    def add_event(self, step: int, wall: float, kind: str, message: str) -> None:
        self.conn.execute("INSERT INTO events(step, wall, kind, message) VALUES (?,?,?,?)",
                          (step, wall, kind, message))
        self._commit()

    def add_sample(self, step: int, wall: float, name: str, relative_path: str) -> None:
        self.conn.execute("INSERT INTO samples(step, wall, name, path) VALUES (?,?,?,?)",
                          (step, wall, name, relative_path))
        self._commit()

    def _commit(self) -> None:
        if self._scalars:
            self.conn.executemany("INSERT INTO scalars(step, wall, tag, value, metric) VALUES (?,?,?,?,?)",
                                  self._scalars)
            self._scalars.clear()
        self.conn.commit()
        self._last_commit = time.monotonic()

    def flush(self) -> None:
        """Commit everything recorded so far and fsync it: it survives a power cut from here on.

        The commits before were made with synchronous=NORMAL (written to the WAL file, not synced), so syncing
        this commit alone would not do: the whole WAL file is synced, which is what synchronous=FULL does."""
        self._commit()
        try:
            fd = os.open(self.path.with_name(self.path.name + "-wal"), os.O_RDWR)
        except FileNotFoundError:  # nothing written since the last checkpoint of the WAL into the database
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def truncate_after(self, step: int) -> None:
        """Drop rows past `step`: a resumed run replays those steps from its checkpoint."""
        for table in TABLES:
            self.conn.execute(f"DELETE FROM {table} WHERE step > ?", (step,))  # noqa: S608 - fixed names
        self.conn.commit()

    def close(self) -> None:
        self.flush()
        self.conn.close()


@dataclass(frozen=True)
class SampleRecord:
    step: int
    name: str
    path: str


class MetricsReader:
    """Read-only view for the window and the CLI; `read_new_*` / `new_rows` return only rows not seen before."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn: sqlite3.Connection | None = None
        self.last_ids = dict.fromkeys(TABLES, 0)
        self._columns = dict(COLUMNS)
        self._data_version: int | None = None

    @property
    def last_scalar_id(self) -> int:
        return self.last_ids["scalars"]

    def _connection(self) -> sqlite3.Connection | None:
        if self.conn is None and self.path.exists():
            try:
                self.conn = _connect(self.path, readonly=True)
                self.conn.execute("SELECT 1 FROM scalars, events, samples LIMIT 1")
                if "metric" not in _columns(self.conn, "scalars"):
                    self._columns["scalars"] = COLUMNS["scalars"].replace("metric", "0")
            except sqlite3.Error:
                self.close()  # created but schema not written yet: try again on the next poll
        return self.conn

    def data_version(self) -> int | None:
        """A number that changes whenever another connection commits (None while there is no store): one PRAGMA,
        no query, so a watcher can ask many times a second for nothing."""
        conn = self._connection()
        if conn is None:
            return None
        try:
            return conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None

    def changed(self) -> bool:
        """Whether anything may have been committed since the last call (True the first time)."""
        version = self.data_version()
        if version is None or version == self._data_version:
            return False
        self._data_version = version
        return True

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection | None]:
        """One read transaction: every query inside sees the same committed state (rows of one commit together)."""
        conn = self._connection()
        if conn is None:
            yield None
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def skip_existing(self) -> None:
        """Count every row recorded so far as seen: `new_rows` returns only what comes after."""
        with self.snapshot() as conn:
            if conn is not None:
                for table in TABLES:
                    query = f"SELECT coalesce(max(id), 0) FROM {table}"  # noqa: S608 - fixed names
                    self.last_ids[table] = conn.execute(query).fetchone()[0]

    def new_rows(self, table: str, limit: int = -1) -> list[tuple]:
        """(id, *COLUMNS[table]) of the rows added to `table` since the last call, in id order; at most `limit`
        (-1: all), the rest come with the next calls (a million-row store is read in pieces)."""
        conn = self._connection()
        if conn is None:
            return []
        rows = conn.execute(
            f"SELECT id, {self._columns[table]} FROM {table} WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
            (self.last_ids[table], limit),
        ).fetchall()
        if rows:
            self.last_ids[table] = rows[-1][0]
        return rows

    def read_new_scalars(self) -> dict[str, np.ndarray]:
        """tag → array of rows (step, wall, value) added since the last call."""
        out: dict[str, list[tuple[int, float, float]]] = {}
        for _, step, wall, tag, value, _metric in self.new_rows("scalars"):
            out.setdefault(tag, []).append((step, wall, value))
        return {tag: np.asarray(v, dtype=np.float64) for tag, v in out.items()}

    def read_new_events(self) -> list[tuple[int, float, str, str]]:
        return [row[1:] for row in self.new_rows("events")]

    def read_new_samples(self) -> list[SampleRecord]:
        return [SampleRecord(step, name, path) for _, step, _, name, path in self.new_rows("samples")]

    def last_step(self) -> int | None:
        """The step of the newest scalar row (one indexed lookup): how far a live run really is, where run.toml's
        step only moves at checkpoints. None while the file or its schema does not exist yet."""
        conn = self._connection()
        if conn is None:
            return None
        steps_only = "WHERE metric = 0" if "metric" in self._columns["scalars"] else ""  # not an evaluation's
        try:
            row = conn.execute(f"SELECT step FROM scalars {steps_only} ORDER BY id DESC LIMIT 1").fetchone()  # noqa: S608
        except sqlite3.Error:  # e.g. locked for longer than the timeout by a writer on a slow disk
            return None
        return None if row is None else int(row[0])

    def scalar_tags(self) -> list[str]:
        conn = self._connection()
        return [] if conn is None else [r[0] for r in conn.execute("SELECT DISTINCT tag FROM scalars")]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
