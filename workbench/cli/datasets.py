"""`workbench datasets`: the built-in datasets and what each needs (a folder, labels, channels)."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.common import format_table


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return sub.add_parser("datasets", parents=[common], help="list the built-in datasets")


def run(args: argparse.Namespace, workspace: str | None) -> int:
    from workbench.data import available_datasets

    rows = []
    for s in available_datasets():
        options = ["needs --root PATH"] if s.needs_root else []
        options += ["labelled"] if s.labelled else []
        options.append(f"{s.default_channels} channel{'s' if s.default_channels > 1 else ''} by default")
        rows.append([s.name, s.summary, ", ".join(options)])
    print(format_table(["DATASET", "SUMMARY", "OPTIONS"], rows))
    return 0
