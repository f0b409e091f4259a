"""The `workbench` command: no subcommand opens the window; subcommands drive the same core headless.

    workbench [--workspace PATH]                       open the window (same as `workbench gui`)
    workbench gui --run-script scenario.py             open it and run an automation script in it
    workbench train --method dcgan --data digits --steps 2000 [--set method.lr_g=1e-4 ...]
    workbench train --config run.toml [--name my-run]  a run from a saved config (a run's run.toml works)
    workbench train --resume RUN [--steps N]           continue a stopped or interrupted run
    workbench train --restart RUN [--steps N]          start over as a new run with RUN's settings
    workbench runs [--json]                            every run in the workspace
    workbench sample RUN -n 64 -o grid.png [--seed N]  a grid from the run's latest checkpoint
    workbench eval RUN [-n 5000] [--inception PATH]    score the latest checkpoint (FID, KID, IS...) and store it
    workbench eval RUN --disentanglement [-n 5000]     MIG, DCI, SAP, β-VAE and FactorVAE scores (shapes2d runs)
    workbench latent RUN interpolate|traverse|arithmetic ...   latent-space tools writing PNG/GIF/MP4
    workbench translate RUN INPUT... -o OUT [--direction BtoA]  Pix2Pix / CycleGAN on image files or a folder
    workbench upscale RUN IMAGE -o OUT.png [--as-lr] [--compare PNG] [--with RUN2]   SRResNet / SRGAN
    workbench methods | datasets                       what can be trained, and on what

The workspace is `--workspace`, else $WORKBENCH_WORKSPACE, else the per-user data folder.
Exit status: 0 done, 1 training stopped itself (non-finite loss), 2 usage or configuration error,
130 aborted by a second Ctrl-C.

This module stays free of torch: the window's start-up goes through it. The commands live in
`workbench.cli_commands` and import torch only when they run.
"""

from __future__ import annotations

import argparse
import sys

from workbench import __version__
from workbench.cli_latent import add_latent_parser
from workbench.cli_translate import add_translate_parser
from workbench.cli_upscale import add_upscale_parser


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors that are the user's to fix: printed as one line, exit status 2."""
    from workbench.cli_commands import CLIError
    from workbench.config import ConfigError
    from workbench.runs.run import RunLockedError

    errors: list[type[BaseException]] = [CLIError, ConfigError, RunLockedError]
    if "workbench.training.checkpoints" in sys.modules:  # only loaded (with torch) by commands that need it
        from workbench.training.checkpoints import CheckpointError

        errors.append(CheckpointError)
    return tuple(errors)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="PATH", default=argparse.SUPPRESS,
                        help="folder holding the runs (default: $WORKBENCH_WORKSPACE or the per-user data folder)")

    parser = argparse.ArgumentParser(
        prog="workbench", parents=[common],
        description="Generative Workbench: train, watch and explore deep generative models, offline. "
                    "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", parents=[common], help="open the window (the default)")
    gui.add_argument("--run-script", metavar="PY", help="after the window opens, run this Python file with "
                                                      "`window` and `app` in scope (automation, screenshots)")

    train = sub.add_parser("train", parents=[common], help="create a run and train it, or resume one",
                           description="Create a run in the workspace and train it, or continue one with --resume.")
    what = train.add_argument_group("what to train")
    what.add_argument("--method", metavar="NAME", help="training method (see `workbench methods`)")
    what.add_argument("--data", metavar="NAME", help="dataset (see `workbench datasets`; default digits)")
    what.add_argument("--root", metavar="PATH", help="image folder for --data folder")
    what.add_argument("--config", metavar="TOML", help="start from a saved config (a run's run.toml works too)")
    what.add_argument("--set", dest="overrides", metavar="SECTION.FIELD=VALUE", action="append", default=[],
                      help="set any config field, e.g. --set method.beta=4 --set train.sample_every=50 "
                           "(repeatable; applied after the other flags)")
    what.add_argument("--name", metavar="RUN_ID", help="run id (default: date-method-data-random)")
    how = train.add_argument_group("how")
    how.add_argument("--steps", type=int, metavar="N", help="total training steps (with --resume: extend the run)")
    how.add_argument("--seed", type=int, metavar="N", help="seed for weights, data order and noise")
    how.add_argument("--device", choices=("cpu", "cuda", "mps"), help="where the networks run")
    how.add_argument("--batch-size", type=int, metavar="N", help="images per step")
    how.add_argument("--image-size", type=int, metavar="N", help="square image size, a power of two")
    again = train.add_mutually_exclusive_group()
    again.add_argument("--resume", metavar="RUN", help="continue this run (id, unique id prefix or folder) "
                                                        "from its latest checkpoint")
    again.add_argument("--restart", metavar="RUN", help="start over: a new run with RUN's settings, trained from "
                                                         "step 0 (RUN, its metrics and checkpoints stay as they are)")

    runs = sub.add_parser("runs", parents=[common], help="list the runs in the workspace")
    runs.add_argument("--json", action="store_true", help="machine-readable output")

    sample = sub.add_parser("sample", parents=[common], help="write a grid of samples from a run's latest checkpoint")
    sample.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    sample.add_argument("-n", "--count", type=int, default=64, metavar="N", help="number of images (default 64)")
    sample.add_argument("-o", "--output", metavar="PNG", help="output file (default <run>-step<N>.png here)")
    sample.add_argument("--seed", type=int, default=0, metavar="N", help="latent seed (default 0)")

    ev = sub.add_parser("eval", parents=[common], help="score a run's latest checkpoint and store the metrics",
                        description="Compute the metrics that fit the run's method (FID, KID, IS, precision/recall, "
                                    "mode coverage; reconstruction MSE/PSNR; conditional accuracy; modes covered "
                                    "for 2-D mixtures), print them and store them in the run.")
    ev.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    ev.add_argument("-n", "--samples", type=int, default=5000, metavar="N", help="generated samples (default 5000)")
    ev.add_argument("--inception", metavar="PATH", help="local InceptionV3 weights (pytorch-fid's "
                    "pt_inception-2015-12-05-6726825d.pth) for paper-comparable FIDs; default: the dataset's "
                    "own classifier CNN")
    ev.add_argument("--seed", type=int, default=0, metavar="N", help="sampling seed (default 0)")
    ev.add_argument("--json", action="store_true", help="print the stored JSON instead of a table")
    ev.add_argument("--disentanglement", action="store_true", help="instead: the disentanglement report (MIG, "
                    "DCI, SAP, β-VAE and FactorVAE scores) of a model with an encoder trained on shapes2d or "
                    "shapes2d-correlated; -n is then the number of encoded images")

    add_latent_parser(sub, common)
    add_translate_parser(sub, common)
    add_upscale_parser(sub, common)
    sub.add_parser("methods", parents=[common], help="list the training methods")
    sub.add_parser("datasets", parents=[common], help="list the built-in datasets")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors: argparse has printed why
        return exit_.code if isinstance(exit_.code, int) else 2
    workspace = getattr(args, "workspace", None)

    if args.command in (None, "gui"):
        from workbench.gui.app import run_app

        return run_app(workspace=workspace, script=getattr(args, "run_script", None))

    from workbench import cli_commands, cli_latent, cli_translate, cli_upscale

    command = {
        "train": cli_commands.train,
        "runs": cli_commands.list_runs,
        "sample": cli_commands.sample,
        "eval": cli_commands.evaluate,
        "methods": cli_commands.list_methods,
        "datasets": cli_commands.list_datasets,
        "latent": cli_latent.latent,
        "translate": cli_translate.translate,
        "upscale": cli_upscale.upscale,
    }[args.command]
    try:
        return command(args, workspace)
    except KeyboardInterrupt:
        print("workbench: aborted", file=sys.stderr)
        return 130
    except Exception as err:
        if not isinstance(err, _expected_errors()):
            raise
        print(f"workbench: error: {err}", file=sys.stderr)
        return 2
