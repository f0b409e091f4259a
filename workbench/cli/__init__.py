"""The `workbench` command: no subcommand opens the window; subcommands drive the same core headless.

    workbench [--workspace PATH]                       open the window (same as `workbench gui`)
    workbench gui --run-script scenario.py             open it and run an automation script in it
    workbench train --method dcgan --data digits --steps 2000 [--set method.lr_g=1e-4 ...]
    workbench train --config run.toml [--name my-run]  a run from a saved config (a run's run.toml works)
    workbench train --resume RUN [--steps N]           continue a stopped or interrupted run
    workbench train --restart RUN [--steps N]          start over as a new run with RUN's settings
    workbench runs [--json]                            every run in the workspace (with its name and tags)
    workbench runs rename RUN NAME | tag RUN +a -b | note RUN TEXT   a display name, tags, notes
    workbench runs rm RUN [--yes] | restore NAME | trash   move a run to the trash, back, list the trash
    workbench watch RUN [--once]                       follow a run's progress as any process trains it
    workbench control RUN pause|resume|step|stop       control a run that another process trains
    workbench export RUN --tensorboard DIR | --csv F | --parquet F   a run for TensorBoard, pandas, spreadsheets
    workbench sample RUN -n 64 -o grid.png [--seed N]  a grid from the run's latest checkpoint
    workbench eval RUN [-n 5000] [--inception PATH]    score the latest checkpoint (FID, KID, IS...) and store it
    workbench eval RUN --disentanglement [-n 5000]     MIG, DCI, SAP, β-VAE and FactorVAE scores (shapes2d runs)
    workbench latent RUN interpolate|traverse|arithmetic ...   latent-space tools writing PNG/GIF/MP4
    workbench diffusion RUN steps [--steps 5 10 20 50] [-n 200] | invert --index I...   DDPM: FID per DDIM step count
    workbench translate RUN INPUT... -o OUT [--direction BtoA]  Pix2Pix / CycleGAN on image files or a folder
    workbench upscale RUN IMAGE -o OUT.png [--as-lr] [--compare PNG] [--with RUN2]   SRResNet / SRGAN
    workbench methods | datasets                       what can be trained, and on what
    workbench examples                                 the trained examples shipped with the app (read-only)

Every RUN may also be a shipped example's name; a command that changes it first copies it into the workspace.
The workspace is `--workspace`, else $WORKBENCH_WORKSPACE, else the per-user data folder.
Exit status: 0 done, 1 training stopped itself (non-finite loss), 2 usage or configuration error,
130 aborted by a second Ctrl-C.

One module per command, each with `add_parser(subparsers, common) -> the command's parser` and
`run(args, workspace) -> exit status`. `COMMANDS` names them in the order of `workbench --help`: a new command is
its module in this package plus its name in that tuple, nothing else. What commands share is in `common`.
This package and every command module's top level stay free of torch, because the window's start-up goes through
them: commands import heavy things inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from workbench import __version__
from workbench.cli.common import is_user_error

COMMANDS = ("gui", "train", "runs", "watch", "control", "export", "sample", "evaluate", "latent", "diffusion",
            "translate", "upscale", "methods", "datasets", "examples", "import_model")


def version_report() -> str:
    """`workbench --version`: this package, Python, torch with CUDA, torchvision and Qt.

    Imports torch (the CUDA runtime is asked whether a device exists, no context is made) and, through
    gui/qt_version.py, only Qt's core module.
    """
    import platform
    from importlib import metadata

    lines = [f"workbench {__version__}", f"Python {platform.python_version()}"]
    try:
        import torch

        if torch.cuda.is_available():
            cuda = f"CUDA {torch.version.cuda} available, {torch.cuda.device_count()} device(s)"
        elif torch.version.cuda:
            cuda = f"built for CUDA {torch.version.cuda}, no CUDA device available"
        else:
            cuda = "CPU build, CUDA not available"
        lines.append(f"torch {torch.__version__} ({cuda})")
    except ImportError as err:
        lines.append(f"torch not importable: {err}")
    try:
        lines.append(f"torchvision {metadata.version('torchvision')}")
    except metadata.PackageNotFoundError:
        lines.append("torchvision not installed")
    try:
        from workbench.gui.qt_version import qt_versions

        lines.append(qt_versions())
    except ImportError as err:
        lines.append(f"Qt not importable: {err}")
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        print(version_report())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="PATH", default=argparse.SUPPRESS,
                        help="folder holding the runs (default: $WORKBENCH_WORKSPACE or the per-user data folder)")

    parser = argparse.ArgumentParser(
        prog="workbench", parents=[common],
        description="Generative Workbench: train, watch and explore deep generative models, offline. "
                    "With no command, opens the window.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0,
                        help="show the versions of workbench, torch (and CUDA) and Qt, then exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        command = importlib.import_module(f"{__name__}.{name}")
        command.add_parser(sub, common).set_defaults(command_module=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # e.g. `train --nproc` runs it again under torchrun
    except SystemExit as exit_:  # --help, --version, usage errors: argparse has printed why
        return exit_.code if isinstance(exit_.code, int) else 2
    command = getattr(args, "command_module", None) or importlib.import_module(f"{__name__}.gui")  # the window
    try:
        return command.run(args, getattr(args, "workspace", None))
    except KeyboardInterrupt:
        print("workbench: aborted", file=sys.stderr)
        return 130
    except Exception as err:
        if not is_user_error(err):
            raise
        print(f"workbench: error: {err}", file=sys.stderr)
        return 2
