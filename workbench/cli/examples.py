"""`workbench examples`: the trained examples shipped with the app (read-only; any command that changes one works
on a copy in the workspace).

    workbench examples [--json]     name, method, dataset, steps and the key figure of each example's card

Every command that takes a run also takes an example's name (`workbench sample dcgan-digits -o grid.png`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from workbench.cli.common import format_table


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = sub.add_parser("examples", parents=[common], help="list the trained examples shipped with the app",
                            description="The trained examples shipped with the app. They are read-only: a command "
                                        "that changes one (train --resume, runs rename/tag/note, eval) first copies "
                                        "it into the workspace as a new run named after it.")
    parser.add_argument("--json", action="store_true", help="one JSON object per example, with its whole card")
    return parser


def run(args: argparse.Namespace, workspace: str | None) -> int:
    from workbench.runs.examples import examples_dir, list_examples

    errors: list[str] = []
    examples = list_examples(errors=errors)
    if args.json:
        print(json.dumps([{"name": e.name, "title": e.title, "method": e.method, "dataset": e.dataset,
                           "summary": e.summary, "steps": e.steps, "optimizer_state": e.optimizer_state,
                           "training": e.training, "quality": e.quality, "path": str(e.path)}
                          for e in examples], indent=2, ensure_ascii=False, default=str))
    elif not examples:
        print(f"no examples in {examples_dir() or '(none: $WORKBENCH_EXAMPLES is empty)'}")
    else:
        rows = [[e.name, e.method, e.dataset, str(e.steps), e.key_figure()] for e in examples]
        print(format_table(["NAME", "METHOD", "DATASET", "STEPS", "KEY FIGURE"], rows))
        print(f"\nread-only, in {examples_dir()}; `workbench train --resume NAME` continues a copy", file=sys.stderr)
    for line in errors:
        print(f"damaged: {line}", file=sys.stderr)
    return 0
