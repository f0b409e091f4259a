"""A run in a few numbers, for the runs table and the HParams view: its config as flat fields (`method.lr_g`,
`data.batch_size`...) and its recorded figures (the last and best value of each loss, of each evaluation metric
stored by the Evaluate tab or `train.eval_every`, and of each measure the loop records, e.g. sample diversity).

Cheap enough to call for 100+ runs on every poll of the window:
- nothing is read while the run store's files are unchanged (`store_version`: two `stat`s);
- when they changed, only the rows added since the last read are looked at (a range of row ids: a live run costs
  the few rows of the last second), and the newest value of each changed tag is one lookup on the (tag, step)
  index;
- a new training session (a resume, which may drop rows past its checkpoint) starts the run's summary afresh.

Torch-free and Qt-free.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from workbench.config import RunConfig
from workbench.runs.event_codec import decode
from workbench.runs.events import LayoutEvent
from workbench.runs.metrics_db import readonly_uri
from workbench.runs.run import Run, file_version

EVAL_PREFIX = "eval/"  # as workbench.evaluation.store.TAG_PREFIX
LOWER_IS_BETTER = ("FID", "KID", "KL from uniform", "reconstruction MSE")
SPREAD = ("KID std", "IS std")  # how much a metric varied, not how good the model is: no "best"
LAST, BEST = "last", "best"

Value = float | int | str | bool


def metric_direction(name: str) -> int:
    """-1 when lower is better (losses, FID...), +1 when higher is (IS, accuracy, PSNR, MIG...), 0 for a spread."""
    name = name.removeprefix(EVAL_PREFIX).split(" [", 1)[0]
    if name in SPREAD:
        return 0
    return -1 if name.startswith(LOWER_IS_BETTER) else 1


def figure_key(tag: str, which: str) -> str:
    """The name of a figure: "loss_g (last)", "FID [digits-cnn, 500] (best)"."""
    return f"{tag.removeprefix(EVAL_PREFIX)} ({which})"


def figure_parts(key: str) -> tuple[str, str]:
    """(tag name, "last" | "best") of a figure key."""
    name, _, which = key.rpartition(" (")
    return name, which.rstrip(")")


# ---- the config as flat fields ---------------------------------------------------------------------------------


def config_fields(config: RunConfig) -> dict[str, Value]:
    """`{"method.name": "dcgan", "method.lr_g": 0.0002, "data.batch_size": 64, ...}`: every field of every section
    (new fields need no code here); values that are not numbers, text or flags are shown as text."""
    out: dict[str, Value] = {}
    for section, values in config.to_dict().items():
        for name, value in values.items():
            out[f"{section}.{name}"] = value if isinstance(value, int | float | str | bool) else str(value)
    return out


def differing_fields(configs: Iterable[dict[str, Value]]) -> list[str]:
    """The fields whose values are not the same in every one of `configs` (a field only some have counts), in
    section order: what changed between runs."""
    configs = list(configs)
    if len(configs) < 2:
        return []
    keys: dict[str, None] = {}
    for config in configs:
        keys.update(dict.fromkeys(config))
    missing = object()
    return [key for key in keys if len({repr(config.get(key, missing)) for config in configs}) > 1]


# ---- the recorded figures --------------------------------------------------------------------------------------


def store_version(run: Run) -> tuple:
    """What changes whenever something is committed to the run's store (the database and its write-ahead log)."""
    path = run.metrics_path
    return file_version(path), file_version(path.with_name(path.name + "-wal"))


@dataclass
class _Tag:
    metric: bool  # a measure of the model (MetricEvent, evaluation), not one of a step's scalars
    last: float = math.nan
    last_at: tuple[int, int] = (-1, -1)  # (step, row id) of `last`
    low: float = math.nan
    high: float = math.nan


@dataclass
class _Summary:
    version: tuple = (None, None)
    scalar_id: int = 0  # rows up to this id are in `tags`
    event_id: int = 0
    sessions: int = 0  # layout events seen: another one means rows may have been dropped
    losses: tuple[str, ...] = ()
    tags: dict[str, _Tag] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)


_SUMMARIES: dict[Path, _Summary] = {}


def run_summary(run: Run) -> dict[str, float]:
    """The run's figures: "<loss> (last)" / "(best)" for each loss of its method, the same for each evaluation
    metric ("FID [digits-cnn, 500] (best)": lowest for FID/KID, highest for IS, accuracy, PSNR, MIG...) and for
    each measure the loop records; "<scalar> (last)" for its other scalars. NaN where a value diverged; {} for a
    run with no store yet. Cached per run by the store's file version (see the module's docstring)."""
    version = store_version(run)
    summary = _SUMMARIES.get(run.path)
    if summary is not None and summary.version == version:
        return summary.figures
    if version[0] is None:
        _SUMMARIES.pop(run.path, None)
        return {}
    summary = summary or _Summary()
    try:
        with closing(sqlite3.connect(readonly_uri(run.metrics_path), uri=True, timeout=1.0)) as conn:
            conn.execute("BEGIN")  # one snapshot: every query sees the same commits
            summary = _read(conn, summary)
    except sqlite3.Error:  # being created, locked for longer than the timeout: the previous figures for now
        return summary.figures
    # Taken again after the read: a first read-only connection may create the empty write-ahead log; a commit in
    # between is seen at the next one (a writer's close changes the files again)
    summary.version = store_version(run)
    summary.figures = _figures(summary)
    _SUMMARIES[run.path] = summary
    return summary.figures


def forget_summaries() -> None:
    """Drop every cached summary (a workspace was closed)."""
    _SUMMARIES.clear()


def _read(conn: sqlite3.Connection, summary: _Summary) -> _Summary:
    layouts = conn.execute("SELECT id, step, wall, kind, message FROM events WHERE kind = 'layout' AND id > ? "
                           "ORDER BY id", (summary.event_id,)).fetchall()
    if layouts and summary.sessions:  # a new session: a resume may have dropped rows, so read everything again
        return _read(conn, _Summary())
    for row in layouts:
        event = decode(*row[1:])
        if isinstance(event, LayoutEvent):
            summary.losses = event.losses
    summary.sessions += len(layouts)
    summary.event_id = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    has_metric = "metric" in {row[1] for row in conn.execute("PRAGMA table_info(scalars)")}
    metric = "max(metric)" if has_metric else "0"
    rows = conn.execute(f"SELECT tag, {metric}, min(value), max(value), max(id) FROM scalars WHERE id > ? "  # noqa: S608
                        "GROUP BY tag", (summary.scalar_id,)).fetchall()
    for tag, is_metric, low, high, newest in rows:
        known = summary.tags.setdefault(tag, _Tag(bool(is_metric)))
        known.metric = known.metric or bool(is_metric)
        if low is not None:
            known.low = low if math.isnan(known.low) else min(known.low, low)
            known.high = high if math.isnan(known.high) else max(known.high, high)
        step, value, row_id = conn.execute(  # the value at the newest step (an evaluation may come late)
            "SELECT step, value, id FROM scalars WHERE tag = ? ORDER BY step DESC, id DESC LIMIT 1", (tag,)
        ).fetchone()
        known.last, known.last_at = (math.nan if value is None else float(value)), (step, row_id)
        summary.scalar_id = max(summary.scalar_id, newest)
    return summary


def _figures(summary: _Summary) -> dict[str, float]:
    out: dict[str, float] = {}
    losses = [t for t in summary.losses if t in summary.tags]
    others = sorted(t for t in summary.tags if t not in summary.losses)
    for tag in [*losses, *others]:
        known = summary.tags[tag]
        out[figure_key(tag, LAST)] = known.last
        direction = -1 if tag in summary.losses else (metric_direction(tag) if known.metric else 0)
        if direction:
            out[figure_key(tag, BEST)] = known.low if direction < 0 else known.high
    return out

