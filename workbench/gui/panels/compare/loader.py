"""The compared runs' stores, read on a worker thread in pieces: curves grow run by run while a million rows
load, and keep growing while the runs train.

Each run has a `StoreTail`: its `MetricsReader`, read from where the last read stopped (rows by id, as every
reader of the run store), at most CHUNK_ROWS rows a time. `read_tails` takes a piece of each run in turn until
READ_BUDGET_S has passed, so that a run selected while another loads gets its first points at once, and the
window applies a few small pieces at a time instead of one 20-million-row result. A run whose store does not
exist yet (just created) reads as nothing until it does. Qt-free: the panel runs it on a LatestRequestWorker.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field

import numpy as np

from workbench.runs import Run
from workbench.runs.metrics_db import MetricsReader

CHUNK_ROWS = 50_000  # rows a query: ~60 ms of SQLite on the development machines
READ_BUDGET_S = 0.2  # a read hands its pieces over after this long, so the curves grow visibly


@dataclass
class Chunk:
    """What one read of one run found: points per tag, image grids, and whether rows are left."""

    tail: StoreTail
    scalars: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)  # steps, walls, values
    grids: list[tuple[int, str, str]] = field(default_factory=list)  # (step, name, absolute PNG path)
    more: bool = False
    rows: int = 0


class StoreTail:
    """One run's store, read onwards from the last read. One thread at a time uses it (the panel's reader)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.reader = MetricsReader(run.metrics_path)
        self.rows_read = 0
        self.rows_known = 0  # the store's rows when last asked (for the loading progress)
        self._version: int | None = None
        self._more = True

    @property
    def loading(self) -> bool:
        return self._more

    def read(self, max_rows: int = CHUNK_ROWS) -> Chunk | None:
        """The rows added since the last read (at most `max_rows` scalars); None when nothing changed."""
        version = self.reader.data_version()
        if version is None or (version == self._version and not self._more):
            self._more = self._more and version is not None  # no store yet: nothing to load until there is one
            return None
        try:
            with self.reader.snapshot() as conn:
                if conn is None:
                    return None
                if self.rows_read == 0 or not self._more:
                    self.rows_known = conn.execute("SELECT coalesce(max(id), 0) FROM scalars").fetchone()[0]
                rows = self.reader.new_rows("scalars", max_rows)
                samples = self.reader.new_rows("samples")
        except sqlite3.Error:  # locked for longer than the timeout by a writer on a slow disk: the next poll
            self._version, self._more = None, False
            return None
        self._version = version
        self._more = len(rows) == max_rows
        self.rows_read += len(rows)
        chunk = Chunk(self, _by_tag(rows), more=self._more, rows=len(rows))
        folder = self.reader.path.parent
        chunk.grids = [(step, name, str(folder / path)) for _, step, _, name, path in samples
                       if not path.endswith(".npz")]  # point sets (toy GANs) are not grids
        return chunk

    def close(self) -> None:
        self.reader.close()


def _by_tag(rows: list[tuple]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rows (id, step, wall, tag, value, metric) as arrays per tag; a NULL value (a NaN) becomes NaN."""
    if not rows:
        return {}
    _, steps, walls, tags, values, _ = zip(*rows, strict=True)
    n = len(rows)
    steps_array = np.fromiter(steps, dtype=np.int64, count=n)
    walls_array = np.fromiter(walls, dtype=np.float64, count=n)
    values_array = np.array(values, dtype=np.float64)  # None → NaN
    names = list(dict.fromkeys(tags))
    if len(names) == 1:
        return {names[0]: (steps_array, walls_array, values_array)}
    tag_array = np.array(tags, dtype=object)
    out = {}
    for name in names:
        mask = tag_array == name
        out[name] = (steps_array[mask], walls_array[mask], values_array[mask])
    return out


def read_tails(tails: list[StoreTail], budget_s: float = READ_BUDGET_S, max_rows: int = CHUNK_ROWS) -> list[Chunk]:
    """A piece of each tail in turn, round after round, until none has rows left or `budget_s` has passed."""
    started = time.perf_counter()
    chunks: list[Chunk] = []
    pending = list(tails)
    while pending:
        next_round = []
        for tail in pending:
            chunk = tail.read(max_rows)
            if chunk is not None:
                chunks.append(chunk)
                if chunk.more:
                    next_round.append(tail)
            if time.perf_counter() - started >= budget_s:
                return chunks
        pending = next_round
    return chunks
