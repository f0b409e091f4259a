"""Scalars, events and the sample index of one run in SQLite (WAL mode: readable while being written).

The writer lives in the training thread or process and commits in batches (every half second or on flush),
so the trainer never waits on disk for every step. Readers, in the window or another process, tail new rows
by their increasing row id.

SQLite has no NaN: a NaN value is stored as NULL (hence `value` may be NULL) and read back as NaN, so a
diverged loss is recorded rather than failing the write.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS scalars (
    id INTEGER PRIMARY KEY, step INTEGER NOT NULL, wall REAL NOT NULL, tag TEXT NOT NULL, value REAL);
CREATE INDEX IF NOT EXISTS scalars_tag ON scalars(tag, step);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, step INTEGER NOT NULL, wall REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY, step INTEGER NOT NULL, wall REAL NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL);
"""


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, timeout=10.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns (checkpoints rely on it)
        conn.executescript(f"BEGIN;{SCHEMA}COMMIT;")  # one transaction: a reader sees every table or none
    return conn


class MetricsWriter:
    """Buffered writer; `flush()` commits durably (fsync of the WAL) and runs before every checkpoint."""

    def __init__(self, path: str | Path, commit_interval: float = 0.5) -> None:
        self.path = Path(path)
        self.conn = _connect(self.path, readonly=False)
        self.commit_interval = commit_interval
        self._scalars: list[tuple[int, float, str, float]] = []
        self._last_commit = time.monotonic()

    def add_scalars(self, step: int, wall: float, values: dict[str, float]) -> None:
        self._scalars.extend((step, wall, tag, float(v)) for tag, v in values.items())
        if time.monotonic() - self._last_commit >= self.commit_interval:
            self.flush()

    def add_event(self, step: int, wall: float, kind: str, message: str) -> None:
        self.conn.execute("INSERT INTO events(step, wall, kind, message) VALUES (?,?,?,?)",
                          (step, wall, kind, message))
        self.flush()

    def add_sample(self, step: int, wall: float, name: str, relative_path: str) -> None:
        self.conn.execute("INSERT INTO samples(step, wall, name, path) VALUES (?,?,?,?)",
                          (step, wall, name, relative_path))
        self.flush()

    def flush(self) -> None:
        if self._scalars:
            self.conn.executemany("INSERT INTO scalars(step, wall, tag, value) VALUES (?,?,?,?)", self._scalars)
            self._scalars.clear()
        self.conn.commit()
        self._last_commit = time.monotonic()

    def truncate_after(self, step: int) -> None:
        """Drop rows past `step`: a resumed run replays those steps from its checkpoint."""
        for table in ("scalars", "events", "samples"):
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
    """Read-only view for the window and the CLI; `read_new_*` return only rows not seen before."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn: sqlite3.Connection | None = None
        self.last_scalar_id = 0
        self.last_event_id = 0
        self.last_sample_id = 0

    def _connection(self) -> sqlite3.Connection | None:
        if self.conn is None and self.path.exists():
            try:
                self.conn = _connect(self.path, readonly=True)
                self.conn.execute("SELECT 1 FROM scalars, events, samples LIMIT 1")
            except sqlite3.Error:
                self.conn = None  # created but schema not written yet: try again on the next poll
        return self.conn

    def read_new_scalars(self, limit: int = 2_000_000) -> dict[str, np.ndarray]:
        """tag → array of rows (step, wall, value) added since the last call."""
        conn = self._connection()
        if conn is None:
            return {}
        rows = conn.execute(
            "SELECT id, step, wall, tag, value FROM scalars WHERE id > ? ORDER BY id LIMIT ?",
            (self.last_scalar_id, limit),
        ).fetchall()
        if not rows:
            return {}
        self.last_scalar_id = rows[-1][0]
        out: dict[str, list[tuple[int, float, float]]] = {}
        for _, step, wall, tag, value in rows:
            out.setdefault(tag, []).append((step, wall, value))
        return {tag: np.asarray(v, dtype=np.float64) for tag, v in out.items()}

    def read_new_events(self) -> list[tuple[int, float, str, str]]:
        conn = self._connection()
        if conn is None:
            return []
        rows = conn.execute(
            "SELECT id, step, wall, kind, message FROM events WHERE id > ? ORDER BY id", (self.last_event_id,)
        ).fetchall()
        if rows:
            self.last_event_id = rows[-1][0]
        return [r[1:] for r in rows]

    def read_new_samples(self) -> list[SampleRecord]:
        conn = self._connection()
        if conn is None:
            return []
        rows = conn.execute(
            "SELECT id, step, name, path FROM samples WHERE id > ? ORDER BY id", (self.last_sample_id,)
        ).fetchall()
        if rows:
            self.last_sample_id = rows[-1][0]
        return [SampleRecord(step, name, path) for _, step, name, path in rows]

    def last_step(self) -> int | None:
        """The step of the newest scalar row (one indexed lookup): how far a live run really is, where run.toml's
        step only moves at checkpoints. None while the file or its schema does not exist yet."""
        conn = self._connection()
        if conn is None:
            return None
        try:
            row = conn.execute("SELECT step FROM scalars ORDER BY id DESC LIMIT 1").fetchone()
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
