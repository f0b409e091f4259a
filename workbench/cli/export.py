"""`workbench export RUN --tensorboard DIR | --csv FILE | --parquet FILE`: a run for other tools (see
workbench/runs/export.py). Several at once are fine.

    --tensorboard DIR   DIR/<run id>/events.out.tfevents...: scalars, sample grids, the config and notes as text;
                        view with `tensorboard --logdir DIR` (export several runs to the same DIR to compare them)
    --csv FILE          the scalars in long format: step,wall,tag,value
    --parquet FILE      the same as a Parquet table (pandas / pyarrow, polars, DuckDB...)
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.common import CLIError, find_run
from workbench.runs import Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    export = sub.add_parser("export", parents=[common], help="export a run to TensorBoard, CSV or Parquet",
                            description="Export a run's scalars (and, for TensorBoard, its samples and config).")
    export.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    export.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard event files to DIR/<run id>/")
    export.add_argument("--csv", metavar="FILE", help="write the scalars as CSV (step, wall, tag, value)")
    export.add_argument("--parquet", metavar="FILE", help="write the scalars as Parquet (step, wall, tag, value)")
    return export


def run(args: argparse.Namespace, workspace: str | None) -> int:
    if not (args.tensorboard or args.csv or args.parquet):
        raise CLIError("export needs at least one of --tensorboard DIR, --csv FILE, --parquet FILE")
    from workbench.runs.export import export_csv, export_parquet, export_tensorboard
    from workbench.runs.reader import RunReader

    reader = RunReader(find_run(Workspace(workspace), args.run))
    reader.config  # noqa: B018 - a damaged run.toml is reported (exit 2) before anything is written
    if args.csv:
        print(f"wrote {export_csv(reader, args.csv)}")
    if args.parquet:
        print(f"wrote {export_parquet(reader, args.parquet)}")
    if args.tensorboard:
        folder = export_tensorboard(reader, args.tensorboard)
        print(f"wrote {folder}; view with: tensorboard --logdir {folder.parent}")
    return 0
