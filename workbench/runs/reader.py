"""A run read from a notebook or a script: its config, status, meta, scalars as a pandas DataFrame, sample images
and stored evaluations.

    import workbench.runs
    run = workbench.runs.open("20250101-120000-dcgan-digits-1a2b")   # an id, unique id prefix or a run folder
    df = run.scalars(["loss_d", "loss_g"])                              # step, wall, tag, value
    wide = run.scalars(wide=True)                                       # one column per tag, indexed by step
    image = run.sample_image(*run.samples()[-1][:2])                    # uint8 H×W×C of the latest grid

Reading never writes to the run (SQLite read-only), so it is safe while the run trains; every call reads what is
recorded now. pandas is imported by the methods that return DataFrames, not with this module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.config import RunConfig
from workbench.runs.meta import RunMeta
from workbench.runs.run import Run, RunInfo
from workbench.runs.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

SCALAR_COLUMNS = ["step", "wall", "tag", "value"]


def open(path_or_id: str | Path, workspace: str | Path | None = None) -> RunReader:  # noqa: A001 - the API's name
    """A reader of the run at `path_or_id` (a run folder), else of the run with that id (or unique id prefix) in
    `workspace` (default: $WORKBENCH_WORKSPACE or the per-user one); FileNotFoundError when there is none."""
    path = Path(path_or_id).expanduser()
    if path.name == Run.CONFIG_FILE:
        path = path.parent
    if (path / Run.CONFIG_FILE).is_file():
        return RunReader(Run(path))
    try:
        return RunReader(Workspace(workspace).run(str(path_or_id)))
    except KeyError as err:
        raise FileNotFoundError(err.args[0]) from None


def read_rgb(path: Path) -> np.ndarray:
    """A stored image as uint8 H×W×3."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


class RunReader:
    def __init__(self, run: Run) -> None:
        self.run = run

    def __repr__(self) -> str:
        return f"RunReader({str(self.run.path)!r})"

    @property
    def id(self) -> str:
        return self.run.id

    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def config(self) -> RunConfig:
        """The run's settings (method, data, train) as frozen dataclasses."""
        return self.run.config

    @property
    def info(self) -> RunInfo:
        """Status, step, pid, host and error, as run.toml says now."""
        return self.run.info()

    @property
    def meta(self) -> RunMeta:
        """Display name, tags and notes."""
        return self.run.meta()

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only SQL query on the run's metrics.sqlite (tables scalars, events, samples; see
        workbench/runs/metrics_db.py), read in one snapshot."""
        with closing(self.run.metrics_reader()) as reader, reader.snapshot() as conn:
            return [] if conn is None else conn.execute(query, params).fetchall()

    def tags(self) -> list[str]:
        """Every scalar tag recorded, sorted."""
        return sorted(row[0] for row in self.sql("SELECT DISTINCT tag FROM scalars"))

    def scalars(self, tags: str | Iterable[str] | None = None, wide: bool = False) -> pd.DataFrame:
        """Every recorded scalar (the losses of each step, measures, evaluations as "eval/<label>"), oldest first.

        Long format: columns step, wall (unix time), tag, value (NaN where the value was not finite). `tags`: one
        tag or several (default all). `wide=True`: one column per tag, indexed by step (the last value recorded
        for a step wins)."""
        import pandas as pd

        where, params = "", ()
        if tags is not None:
            wanted = (tags,) if isinstance(tags, str) else tuple(tags)
            where, params = f" WHERE tag IN ({','.join('?' * len(wanted))})", wanted
        rows = self.sql(f"SELECT step, wall, tag, value FROM scalars{where} ORDER BY id", params)  # noqa: S608
        frame = pd.DataFrame(rows, columns=SCALAR_COLUMNS)
        frame = frame.astype({"step": "int64", "wall": "float64", "value": "float64"})
        if wide:
            frame = frame.pivot_table(index="step", columns="tag", values="value", aggfunc="last", dropna=False)
            frame.columns.name = None
        return frame

    def samples(self) -> list[tuple[int, str, Path]]:
        """(step, name, file) of every stored sample grid and scatter ("samples", a method's visuals...), by step."""
        rows = self.sql("SELECT step, name, path FROM samples ORDER BY step, id")
        return [(int(step), str(name), self.run.path / relative) for step, name, relative in rows]

    def sample_image(self, step: int, name: str = "samples") -> np.ndarray:
        """The grid `name` recorded at `step` as uint8 H×W×3 (RGB); KeyError naming the steps that have one."""
        found = [path for s, n, path in self.samples() if s == step and n == name and path.suffix == ".png"]
        if not found:
            steps = sorted({s for s, n, p in self.samples() if n == name and p.suffix == ".png"})
            raise KeyError(f"run {self.id} has no {name!r} image at step {step}; steps with one: "
                           f"{', '.join(map(str, steps)) or 'none'}")
        return read_rgb(found[-1])

    def evaluations(self) -> pd.DataFrame:
        """The stored evaluations (`workbench eval`), one row per metric: step, label ("FID [digits-cnn, 5k]"),
        value, samples, extractor, created; unreadable files are skipped."""
        import pandas as pd

        from workbench.runs.checkpoint_files import files_by_step

        rows: list[dict[str, Any]] = []
        for step, path in files_by_step(self.run.evaluations_dir):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                extractor = (doc.get("extractor") or {}).get("name")
                rows.extend({"step": step, "label": m["label"], "value": float(m["value"]),
                             "samples": int(doc.get("samples", 0)), "extractor": extractor,
                             "created": float(doc.get("created", math.nan))} for m in doc.get("metrics", []))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
        return pd.DataFrame(rows, columns=["step", "label", "value", "samples", "extractor", "created"])
