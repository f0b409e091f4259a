"""`workbench runs [--json]`: every run in the workspace with its method, data, status and progress; a run whose
run.toml cannot be read is listed as damaged, with why."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from workbench.cli.common import format_table
from workbench.config import ConfigError
from workbench.runs import Run, Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    runs = sub.add_parser("runs", parents=[common], help="list the runs in the workspace")
    runs.add_argument("--json", action="store_true", help="machine-readable output")
    return runs


def run(args: argparse.Namespace, workspace: str | None) -> int:
    ws = Workspace(workspace)
    rows = [_run_row(run) for run in ws.runs()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no runs in {ws.runs_dir}")
        return 0
    table = [[r["id"], r["method"], r["data"], r["status"], f"{r['step']}/{r['steps']}",
              r["created"][:16].replace("T", " ")] for r in rows]
    print(format_table(["ID", "METHOD", "DATA", "STATUS", "STEP", "CREATED"], table))
    for r in rows:
        if r["status"] == "damaged":
            print(f"damaged: {r['id']}: {r['error']}")
    return 0


def _run_row(run: Run) -> dict[str, Any]:
    row: dict[str, Any] = {"id": run.id, "method": "?", "data": "?", "status": "unreadable", "step": 0,
                           "steps": 0, "created": "", "path": str(run.path), "error": ""}
    try:
        info = run.info()
        row.update(status=info.status, step=info.step, error=info.error,
                   created=datetime.fromtimestamp(info.created).astimezone().isoformat(timespec="seconds"))
        config = run.config
        row.update(method=config.method_name, data=config.data.name, steps=config.train.steps)
    except ConfigError as err:  # a damaged run.toml, or a run made by a newer version with an unknown method
        row.update(status="damaged", error=str(err))
    return row
