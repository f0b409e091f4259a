"""`workbench translate RUN INPUT... -o OUT [--direction AtoB|BtoA]`: translate image files with a trained
Pix2Pix, CycleGAN or SPADE run, headless.

    workbench translate RUN photos/ -o translated/               every file in a folder
    workbench translate RUN a.png b.jpg -o out/ --direction BtoA  some files, the reverse way (CycleGAN)

Each input is centre-cropped and resized to the model's image size and written to OUT as a PNG with the same
stem. Unreadable files are skipped and listed at the end. The model is the run's latest checkpoint on the CPU,
through `workbench.translation.TranslationModel.from_run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.cli.common import CLIError, find_run, reported
from workbench.runs import Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The `translate` sub-command, added to `workbench`'s sub-parsers."""
    parser = sub.add_parser(
        "translate", parents=[common], help="translate image files with a Pix2Pix, CycleGAN or SPADE run's latest "
                                            "checkpoint, written as PNGs",
        description="Translate image files (or every file of one folder) with a trained Pix2Pix, CycleGAN or SPADE "
                    "run. "
                    "Inputs are centre-cropped and resized to the model's image size; each translation is written "
                    "to the output folder as a PNG with the input's stem. Unreadable files are skipped and listed. "
                    "Exit status: 0 all written, 1 some files skipped, 2 usage error.")
    parser.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    parser.add_argument("inputs", metavar="INPUT", nargs="+", help="image files, or one folder of images")
    parser.add_argument("-o", "--out", metavar="FOLDER", required=True,
                        help="output folder (created if needed; must not be the input folder)")
    parser.add_argument("--direction", choices=("AtoB", "BtoA"), default="AtoB",
                        help="AtoB: from the run's input domain to its target domain (default); BtoA: the reverse "
                             "(CycleGAN only)")
    return parser


def run(args: argparse.Namespace, workspace: str | None) -> int:
    """Translate the inputs; TranslationError (a user's problem) is reported like the CLI's other errors."""
    from workbench.translation.errors import TranslationError

    inputs = [Path(p).expanduser() for p in args.inputs]
    folders = [p for p in inputs if p.is_dir()]
    if folders and len(inputs) > 1:
        raise CLIError(f"give either one folder or image files, not both ({folders[0]} is a folder)")
    missing = [p for p in inputs if not p.exists()]
    if missing:
        raise CLIError(f"{missing[0]}: no such file or folder")
    run = find_run(Workspace(workspace), args.run)
    with reported(TranslationError):
        from workbench.translation.batch import translate_files, translate_folder
        from workbench.translation.model import TranslationModel

        model = TranslationModel.from_run(run)
        model.check_direction(args.direction)
        if folders:
            progress = translate_folder(model, folders[0], args.out, args.direction)
        else:
            progress = translate_files(model, inputs, args.out, args.direction)
    return _report(model, progress, Path(args.out).expanduser(), args.direction)


def _report(model: Any, progress: Any, out: Path, direction: str) -> int:
    from workbench.translation.batch import output_path, summarize

    step = f" at step {model.step}" if model.step is not None else ""
    print(f"Translating {model.direction_label(direction)} with {model.run.id}{step} "
          f"({model.image_size}×{model.image_size} px) into {out}")
    seen = []
    for item in progress:
        seen.append(item)
        width = len(str(item.total))
        where = f"skipped: {item.problem}" if item.problem else f"→ {output_path(out, item.path)}"
        print(f"[{item.done:>{width}}/{item.total}] {item.path.name} {where}", flush=True)
    print(summarize(seen))
    return 1 if any(item.problem for item in seen) else 0
