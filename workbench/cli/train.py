"""`workbench train`: create a run in the workspace and train it, continue one (--resume) or start one over with
its settings (--restart), with a progress bar on stderr.

    workbench train --method dcgan --data digits --steps 2000 [--set method.lr_g=1e-4 ...]
    workbench train --config run.toml [--name my-run]  a run from a saved config (a run's run.toml works)
    workbench train --resume RUN [--steps N]           continue a stopped or interrupted run; an example
                                                       (`workbench examples`) is copied first, then continued
    workbench train --restart RUN [--steps N]          start over as a new run with RUN's settings

The first Ctrl-C stops after the current step and writes a checkpoint; a second aborts (exit status 130). Exit
status 1: training stopped itself on a non-finite loss.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from workbench.cli.common import CLIError, apply_override, find_run
from workbench.config import ConfigError, DataConfig, RunConfig, read_toml_file
from workbench.data import dataset_spec
from workbench.methods import method_settings_class
from workbench.methods.registry import check_data_kind, check_trainable, load_run_config
from workbench.runs import Run, RunStatus, Workspace
from workbench.runs.checkpoint_files import only_damaged_checkpoints
from workbench.runs.examples import continued_steps, is_example

POSTFIX_INTERVAL_S = 0.2  # the progress bar's loss read-out changes at most 5 times a second


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
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
    how.add_argument("--nproc", type=int, metavar="N", help="train with N processes on this machine (starts "
                     "torchrun; data parallel: each process takes 1/N of every batch of --batch-size images)")
    again = train.add_mutually_exclusive_group()
    again.add_argument("--resume", metavar="RUN", help="continue this run (id, unique id prefix or folder) "
                                                        "from its latest checkpoint")
    again.add_argument("--restart", metavar="RUN", help="start over: a new run with RUN's settings, trained from "
                                                         "step 0 (RUN, its metrics and checkpoints stay as they are)")
    return train


def run(args: argparse.Namespace, workspace: str | None) -> int:
    from workbench.child_process import exit_with_parent
    from workbench.cli import train_distributed
    from workbench.training.distributed import DistributedContext

    exit_with_parent()  # started by the window (several processes): gone with it

    context = DistributedContext.from_env()
    if context is None and args.nproc is not None and args.nproc != 1:
        _check_before_launch(args, Workspace(workspace))  # a bad setting is said once, before any process starts
        return train_distributed.launch(args.nproc, train_distributed.without_nproc(args.argv))

    def lead() -> tuple[Run, int | None, Any]:
        ws = Workspace(workspace)
        total_steps = None
        if getattr(args, "restart", None):
            run = _restarted_run(args, ws)
        elif args.resume:
            run = _resumed_run(args, ws)
            total_steps = args.steps
        else:
            run = _new_run(args, ws)
        hint = _resume_command(run, workspace)
        return run, total_steps, lambda: _train_run(run, hint, total_steps, context)

    if context is not None:
        return train_distributed.run_in_group(context, lead)
    _run, _steps, train = lead()
    return train()


# ---- the run's config ------------------------------------------------------------------------------------------------
def _read_config_file(path: str) -> dict[str, Any]:
    try:
        doc = read_toml_file(Path(path).expanduser(), shown=path)
    except ConfigError as err:
        raise ConfigError(f"--config: {err}") from None
    for extra in ("run", "versions", "notes"):  # a run folder's run.toml also records its status and more
        doc.pop(extra, None)
    for section, value in doc.items():
        if not isinstance(value, dict):
            raise ConfigError(f"--config: {path}: {section} = {value!r} must be a table ([{section}])")
    return {k: dict(v) for k, v in doc.items()}


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The RunConfig for `train`: --config (or defaults for --method/--data), then the flags, then --set."""
    if args.config:
        doc = _read_config_file(args.config)
        saved = doc.get("method", {}).get("name")
        if args.method and saved and args.method != saved:
            raise ConfigError(f"--method {args.method} contradicts name = {saved!r} in [method] of {args.config}")
        if args.method:
            doc.setdefault("method", {})["name"] = args.method
    elif args.method:
        method_settings_class(args.method)  # an unknown name fails here, listing the valid ones
        data_name = args.data or DataConfig().name
        doc = {"method": {"name": args.method},
               "data": {"name": data_name, "channels": dataset_spec(data_name).default_channels}, "train": {}}
    else:
        raise CLIError("train needs --method NAME (see `workbench methods`), --config FILE or --resume RUN")
    flags = (("data", "name", args.data), ("data", "image_size", args.image_size),
             ("data", "batch_size", args.batch_size), ("train", "steps", args.steps), ("train", "seed", args.seed),
             ("train", "device", args.device),
             ("data", "root", str(Path(args.root).expanduser().resolve()) if args.root else None))
    for section, name, value in flags:
        if value is not None:
            doc.setdefault(section, {})[name] = value
    for text in args.overrides:
        apply_override(doc, text)
    return load_run_config(doc)


def _check_runnable(config: RunConfig) -> None:
    """Problems found before a run folder is created, so a typo does not leave a failed run behind."""
    from workbench.training.devices import resolve_device

    resolve_device(config.train.device)
    spec = dataset_spec(config.data.name)
    check_data_kind(config.method_name, spec.name, spec.kinds)
    if spec.needs_root:
        if not config.data.root:
            raise ConfigError(f"data.root: dataset {spec.name!r} needs a folder: pass --root PATH")
        if not Path(config.data.root).is_dir():
            raise ConfigError(f"data.root: folder {config.data.root!r} does not exist")


# ---- new, resumed or restarted run -----------------------------------------------------------------------------------
def _new_run(args: argparse.Namespace, ws: Workspace) -> Run:
    config = config_from_args(args)
    _check_runnable(config)
    _check_run_name(ws, args.name)
    return ws.create_run(config, name=args.name)


def _check_before_launch(args: argparse.Namespace, ws: Workspace) -> None:
    """What `--nproc` would refuse in every process: the settings, and a batch that does not divide."""
    from workbench.training.distributed import check_batch

    if args.nproc < 1:
        raise CLIError(f"--nproc {args.nproc}: give 1 or more processes")
    if args.resume or getattr(args, "restart", None):
        config = find_run(ws, args.resume or args.restart).config
    else:
        config = config_from_args(args)
        _check_runnable(config)
        _check_run_name(ws, args.name)
    check_batch(config.data.batch_size, args.nproc)


def _check_run_name(ws: Workspace, name: str | None) -> None:
    if name is None:
        return
    if not name or "/" in name or name.startswith("."):
        raise CLIError(f"--name {name!r}: a run id is a plain folder name")
    if (ws.runs_dir / name).exists():
        raise CLIError(f"--name {name!r}: a run with that id already exists in {ws.runs_dir}")


def _settings_flags(args: argparse.Namespace, *allowed: str) -> list[str]:
    """The settings flags given on the command line, except `allowed`."""
    given = (("--method", args.method), ("--data", args.data), ("--root", args.root), ("--config", args.config),
             ("--name", args.name), ("--seed", args.seed), ("--device", args.device),
             ("--batch-size", args.batch_size), ("--image-size", args.image_size), ("--set", args.overrides or None))
    return [flag for flag, value in given if value is not None and flag not in allowed]


def _resumed_run(args: argparse.Namespace, ws: Workspace) -> Run:
    changed = _settings_flags(args)
    if changed:
        raise CLIError(f"--resume continues a run with its saved config; only --steps may change "
                       f"(got {', '.join(changed)})")
    run = find_run(ws, args.resume)
    config, info = run.config, run.info()
    check_trainable(config.method_name, run.id)  # an imported model: said before its steps are
    done = run.latest_checkpoint_step()
    if only_damaged_checkpoints(run.checkpoints_dir):
        raise CLIError(f"run {run.id} has {run.missing_checkpoint_text()}; nothing was changed. To start over "
                       f"with the same settings as a new run: workbench train --restart {run.id}")
    done = done or 0
    if args.steps is not None and args.steps != config.train.steps:
        if args.steps <= done:
            raise CLIError(f"--steps {args.steps}: run {run.id} already has a checkpoint at step {done}")
    elif is_example(run):
        args.steps = continued_steps(config.train.steps, done)  # "continue training" an example
        print(f"example {run.id}: continuing to {args.steps} steps (--steps N to choose)", file=sys.stderr)
    elif info.status == RunStatus.FINISHED.value:
        raise CLIError(f"run {run.id} has finished ({info.step}/{config.train.steps} steps); "
                       f"pass --steps N to train it further")
    if is_example(run):  # checked above, before anything is copied: the copy is what trains
        run = find_run(ws, args.resume, write=True, steps=args.steps)
    return run  # a checkpoint without optimizer state is said by the loop (a note at the first step)


def _restarted_run(args: argparse.Namespace, ws: Workspace) -> Run:
    """A new run with the settings of `--restart RUN` (and --steps, --name): the old run is left untouched."""
    changed = _settings_flags(args, "--name")
    if changed:
        raise CLIError(f"--restart starts over with the run's saved config; only --steps and --name may be given "
                       f"(got {', '.join(changed)})")
    old = find_run(ws, args.restart)
    config = old.config
    if args.steps is not None:
        config = config.replace("train", steps=args.steps)
    _check_runnable(config)
    _check_run_name(ws, args.name)
    run = ws.create_run(config, name=args.name)
    run.set_notes({"restarted_from": old.id})
    print(f"run {run.id}: a new run with the settings of {old.id} (which is left as it was)", file=sys.stderr)
    return run


def _resume_command(run: Run, workspace: str | None) -> str:
    where = f" --workspace {workspace}" if workspace else ""
    return f"workbench{where} train --resume {run.id}"


@contextmanager
def _ctrl_c_stops(control: Any, say: Any) -> Iterator[None]:
    """First Ctrl-C: graceful stop (checkpoint, status 'stopped'); second: KeyboardInterrupt (abort)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return
    presses = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            raise KeyboardInterrupt
        control.stop()
        say("stopping after this step and writing a checkpoint; press Ctrl-C again to abort without one",
            file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _train_run(run: Run, resume_hint: str, total_steps: int | None = None, distributed: Any = None) -> int:
    from tqdm import tqdm

    from workbench.methods import method_class
    from workbench.runs.events import AlertEvent, RunEndEvent, StepEvent
    from workbench.training.control import TrainingControl
    from workbench.training.runner import run_training

    config = run.config
    loss_names = method_class(config.method_name).loss_names
    control = TrainingControl()
    end_status, diverged, last_postfix = None, False, 0.0
    bar = None  # opened at the first step, so that building the dataset and networks does not skew the rate
    try:
        events = run_training(run, control, total_steps, distributed)
        with _ctrl_c_stops(control, tqdm.write), closing(events):
            for event in events:
                if isinstance(event, StepEvent):
                    if bar is None:
                        bar = tqdm(total=event.total_steps, initial=event.step - 1, desc=config.method_name,
                                   unit="it", file=sys.stderr, dynamic_ncols=True)
                    now = time.monotonic()
                    if now - last_postfix >= POSTFIX_INTERVAL_S or event.step == event.total_steps:
                        shown = {k: f"{event.scalars[k]:.4g}" for k in loss_names if k in event.scalars}
                        bar.set_postfix(shown or event.scalars, refresh=False)
                        last_postfix = now
                    bar.update(event.step - bar.n)
                elif isinstance(event, AlertEvent):
                    what = "note" if event.is_note else "alert"
                    tqdm.write(f"{what} at step {event.step}: {event.message}", file=sys.stderr)
                    if event.kind in ("non_finite", "out_of_memory"):  # paused; a script cannot press resume
                        diverged = True
                        control.stop()
                elif isinstance(event, RunEndEvent):
                    end_status = event.status
    except KeyboardInterrupt:  # second Ctrl-C: run_training has marked the run interrupted
        end_status = "aborted"
    finally:
        if bar is not None:
            bar.close()
    info = run.info()
    if end_status in ("stopped", "aborted"):
        kept = run.latest_checkpoint_step()
        print(f"{end_status} at step {bar.n if bar else info.step}/{run.config.train.steps}; "
              + (f"latest good checkpoint: step {kept}" if kept is not None else "no checkpoint yet"),
              file=sys.stderr)
        print(f"resume with: {resume_hint}", file=sys.stderr)
    print(f"run {run.id}: {info.status} at step {info.step}/{run.config.train.steps}")
    print(f"folder: {run.path}")
    return 130 if end_status == "aborted" else 1 if diverged else 0
