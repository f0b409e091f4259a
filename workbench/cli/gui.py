"""`workbench [gui] [--run-script scenario.py]`: open the window (what `workbench` with no command does)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    gui = sub.add_parser("gui", parents=[common], help="open the window (the default)")
    gui.add_argument("--run-script", metavar="PY", help="after the window opens, run this Python file with "
                                                      "`window` and `app` in scope (automation, screenshots)")
    return gui


def run(args: argparse.Namespace, workspace: str | None) -> int:
    from workbench.gui.app import run_app

    return run_app(workspace=workspace, script=getattr(args, "run_script", None))
