"""One row of the runs table per run folder, read from disk cheaply enough to poll a workspace of 100+ runs.

A row is described again only when one of its files changed (run.toml, meta.json, and, while figures are shown,
the run store: a `stat` each), or while the run is running (its step moves, and its trainer may have died). A
running run's step comes from its store, through one reader kept open per running run; everything else a row
shows comes from workbench/evaluation/summary.py.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.config import ConfigError
from workbench.evaluation.summary import config_fields, run_summary, store_version
from workbench.gui.panels.runs.columns import CONFIG, DAMAGED, FIGURE
from workbench.runs import MetricsReader, Run, RunError
from workbench.runs.examples import Example, example_of
from workbench.runs.meta import META_FILE
from workbench.runs.run import RunStatus, file_version


@dataclass(frozen=True)
class RunRow:
    """What the table knows of one run: `values` maps column keys (see columns.py) to numbers or text."""

    run: Run
    status: str
    values: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why the run is damaged (its run.toml cannot be read)
    meta_error: str = ""  # why its meta.json cannot be read (the row is listed all the same)
    tags: tuple[str, ...] = ()
    example: str = ""  # a shipped example's summary (read-only: changes go to a copy); "" for the workspace's runs

    @property
    def id(self) -> str:
        return self.run.id

    @property
    def damaged(self) -> bool:
        return self.status == DAMAGED

    def config(self) -> dict[str, Any]:
        """The config fields ("method.lr_g" → value)."""
        return {k.removeprefix(CONFIG): v for k, v in self.values.items() if k.startswith(CONFIG)}

    def figure_keys(self) -> list[str]:
        return [k for k in self.values if k.startswith(FIGURE)]

    def matches(self, words: list[str]) -> bool:
        """Every word is in the id, name, tags or notes (case ignored)."""
        haystack = " ".join(str(self.values.get(k, "")) for k in ("id", "run", "tags", "notes")).lower()
        return all(word in haystack for word in words)


def _example_tip(example: Example) -> str:
    figure = example.key_figure()
    return "\n".join(line for line in (
        f"{example.title or example.name}: a trained example shipped with the app (read-only).",
        example.summary, f"{example.method} on {example.dataset}, {example.steps} steps"
        + (f"; {figure}" if figure else ""),
        "Continue training, rename, tags or notes first copy it into your workspace as a new run.") if line)


def damaged_reason(run: Run, err: Exception) -> str:
    """One line, with the run's folder shortened to its id."""
    reason = " ".join(str(err).split()) or type(err).__name__
    return reason.replace(str(run.path / Run.CONFIG_FILE), Run.CONFIG_FILE).replace(str(run.path), run.id)


class RowReader:
    """Rows of runs, cached by their files' versions; holds a store reader per running run (see `keep_readers`).

    Reading a run's figures the first time scans its store once (about 6 ms for 12,000 rows): `start(budget_s)`
    bounds what one refresh spends on that, the rows left over keep their old figures and are `pending`, for the
    next refresh to read (at least one per refresh, so every row gets there)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[tuple, RunRow]] = {}  # run id → (the files' versions, its row)
        self._readers: dict[str, MetricsReader] = {}  # run id → reader of a running run's store
        self._steps: dict[str, int] = {}  # run id → the newest step its reader found
        self.pending: set[str] = set()  # runs whose figures wait for the next refresh
        self._deadline = math.inf
        self._reads = 0

    def start(self, budget_s: float = math.inf) -> None:
        """A refresh starts: figures are read for `budget_s` seconds at most (and for one run at least)."""
        self._deadline, self._reads = time.perf_counter() + budget_s, 0

    def row(self, run: Run, figures: bool) -> RunRow:
        """`run`'s row; with `figures`, its recorded figures too (read again only when its store changed)."""
        versions = (file_version(run.path / Run.CONFIG_FILE), file_version(run.path / META_FILE),
                    store_version(run) if figures else None)
        known = self._rows.get(run.id)
        if known is not None and known[0] == versions and None not in versions[:1] and \
                known[1].status != RunStatus.RUNNING.value:
            return known[1]
        read_figures = figures and (known is None or known[0][2] != versions[2])
        late = read_figures and self._reads > 0 and time.perf_counter() > self._deadline
        row = self._describe(run, figures and not late)
        if late:  # the old figures (if any) for now; read at the next refresh
            stale = {k: v for k, v in known[1].values.items() if k.startswith(FIGURE)} if known else {}
            row = replace(row, values={**row.values, **stale})
            versions = (*versions[:2], known[0][2] if known else None)
            self.pending.add(run.id)
        else:
            self._reads += read_figures
            self.pending.discard(run.id)
        self._rows[run.id] = (versions, row)
        return row

    def _describe(self, run: Run, figures: bool) -> RunRow:
        values: dict[str, Any] = {"id": run.id, "run": run.id}
        meta_error, tags = "", ()
        example = example_of(run)
        try:
            meta = run.meta()
            values.update(run=meta.display_name or run.id, tags=", ".join(meta.tags), notes=meta.notes)
            tags = meta.tags
        except RunError as err:
            meta_error = str(err)
        if example is not None:
            values.update(run=f"{example.name} · example", tags="example (read-only)", notes=example.summary)
        try:
            info = run.info()
            config = run.config
        except (ConfigError, OSError, ValueError, TypeError, KeyError, AttributeError) as err:
            # ValueError covers UnicodeDecodeError; TypeError / KeyError a [run] table with missing fields
            values.update(method="?", data="?", status=DAMAGED, step=damaged_reason(run, err))
            return RunRow(run, DAMAGED, values, damaged_reason(run, err), meta_error, tags)
        step = info.step
        if info.status == RunStatus.RUNNING.value:  # run.toml's step moves only at checkpoints
            step = max(step, self._last_recorded_step(run))
        values.update(method=config.method_name, data=config.data.name, status=info.status, step=step,
                      total=config.train.steps, created=info.created)
        values.update({CONFIG + k: v for k, v in config_fields(config).items()})
        if figures:
            values.update({FIGURE + k: v for k, v in run_summary(run).items()})
        if example is not None:
            values["status"] = "example"
            return RunRow(run, info.status, values, "", meta_error, ("example",), _example_tip(example))
        return RunRow(run, info.status, values, "", meta_error, tags)

    def _last_recorded_step(self, run: Run) -> int:
        """The newest step in the run's store, through one reader per running run (kept open between polls)."""
        reader = self._readers.get(run.id)
        if reader is None:
            reader = self._readers[run.id] = run.metrics_reader()
        if reader.changed():  # one PRAGMA; the query only when something was recorded since
            self._steps[run.id] = reader.last_step() or 0
        return self._steps.get(run.id, 0)

    def keep_readers(self, running: set[str]) -> None:
        """Close the store readers of runs that are not running any more."""
        for run_id in [r for r in self._readers if r not in running]:
            self._readers.pop(run_id).close()
            self._steps.pop(run_id, None)

    def forget(self, keep: set[str] | None = None) -> None:
        """Drop the rows of runs not in `keep` (gone from the workspace), or all of them."""
        for run_id in [r for r in self._rows if keep is None or r not in keep]:
            del self._rows[run_id]
        self.keep_readers(set() if keep is None else keep & set(self._readers))

    def close(self) -> None:
        self.forget()
