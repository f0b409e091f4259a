"""`workbench methods`: the training methods, their families and what a trained run of each offers."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.common import format_table


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return sub.add_parser("methods", parents=[common], help="list the training methods")


def run(args: argparse.Namespace, workspace: str | None) -> int:
    from workbench.methods import available_methods

    rows = [[s.name, s.family, s.summary, ", ".join(s.capability_names)] for s in available_methods()]
    print(format_table(["METHOD", "FAMILY", "SUMMARY", "CAPABILITIES"], rows))
    return 0
