"""The `workbench` subcommands. Each takes the parsed arguments and the --workspace value, returns an exit
status, and raises ConfigError / CLIError / RunLockedError / CheckpointError for problems the user can fix
(`workbench.cli.main` prints those as one line). torch is imported inside the commands that need it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig, field_types
from workbench.data import available_datasets, dataset_spec
from workbench.methods import available_methods, method_settings_class, method_spec
from workbench.methods.registry import check_data_kind, load_run_config
from workbench.runs import Run, RunStatus, Workspace
from workbench.runs.checkpoint_files import only_damaged_checkpoints


class CLIError(Exception):
    """A user error found by the CLI itself (unknown run, nothing to resume); printed without a traceback."""


POSTFIX_INTERVAL_S = 0.2  # the progress bar's loss read-out changes at most 5 times a second
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


# ---- shared helpers ---------------------------------------------------------------------------------------
def find_run(workspace: Workspace, ref: str) -> Run:
    try:
        return workspace.run(ref)
    except KeyError as err:
        raise CLIError(err.args[0]) from None


def parse_value(raw: str, typ: type) -> Any:
    """A command-line string as a value of the field's type; left as text when it does not parse, so that
    the config's own validation reports it with the field's name and allowed range."""
    if typ is bool:
        low = raw.lower()
        return True if low in _TRUE else False if low in _FALSE else raw
    for number in (int, float):
        if typ is number:
            try:
                return number(raw)
            except ValueError:
                return raw
    return raw


def apply_override(doc: dict[str, dict[str, Any]], text: str) -> None:
    """Apply one `--set section.field=value` to a config mapping (validated later, by RunConfig)."""
    key, sep, raw = text.partition("=")
    section, _, name = key.strip().partition(".")
    if not sep or not name:
        raise ConfigError(f"--set {text!r}: expected SECTION.FIELD=VALUE, e.g. --set method.beta=4")
    method_name = doc.get("method", {}).get("name")
    if section == "method" and not method_name:
        raise ConfigError("[method] needs a name: choose one with --method")
    classes = {"method": method_settings_class(method_name) if method_name else None,
               "data": DataConfig, "train": TrainConfig}
    if section not in classes:
        raise ConfigError(f"--set {key.strip()}: unknown section {section!r}; valid: method, data, train")
    if section == "method" and name == "name":
        raise ConfigError("--set method.name: choose the method with --method")
    cls = classes[section]
    known = sorted(f.name for f in dataclasses.fields(cls))
    if name not in known:
        raise ConfigError(f"unknown setting {section}.{name}; valid: {', '.join(known)}")
    doc.setdefault(section, {})[name] = parse_value(raw.strip(), field_types(cls)[name])


def _read_config_file(path: str) -> dict[str, Any]:
    import tomllib

    try:
        doc = tomllib.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"--config: {path} is not UTF-8 text (byte {err.start}: {err.reason})") from None
    except OSError as err:
        raise ConfigError(f"--config: cannot read {path}: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"--config: {path} is not valid TOML: {err}") from None
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
    check_data_kind(config.method_name, spec.name, spec.kind)
    if spec.needs_root:
        if not config.data.root:
            raise ConfigError(f"data.root: dataset {spec.name!r} needs a folder: pass --root PATH")
        if not Path(config.data.root).is_dir():
            raise ConfigError(f"data.root: folder {config.data.root!r} does not exist")


# ---- train ------------------------------------------------------------------------------------------------
def train(args: argparse.Namespace, workspace: str | None) -> int:
    ws = Workspace(workspace)
    total_steps = None
    if getattr(args, "restart", None):
        run = _restarted_run(args, ws)
    elif args.resume:
        run = _resumed_run(args, ws)
        total_steps = args.steps
    else:
        run = _new_run(args, ws)
    return _train_run(run, resume_hint=_resume_command(run, workspace), total_steps=total_steps)


def _new_run(args: argparse.Namespace, ws: Workspace) -> Run:
    config = config_from_args(args)
    _check_runnable(config)
    _check_run_name(ws, args.name)
    return ws.create_run(config, name=args.name)


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
    done = run.latest_checkpoint_step()
    if only_damaged_checkpoints(run.checkpoints_dir):
        raise CLIError(f"run {run.id} has {run.missing_checkpoint_text()}; nothing was changed. To start over "
                       f"with the same settings as a new run: workbench train --restart {run.id}")
    done = done or 0
    if args.steps is not None and args.steps != config.train.steps:
        if args.steps <= done:
            raise CLIError(f"--steps {args.steps}: run {run.id} already has a checkpoint at step {done}")
    elif info.status == RunStatus.FINISHED.value:
        raise CLIError(f"run {run.id} has finished ({info.step}/{config.train.steps} steps); "
                       f"pass --steps N to train it further")
    return run


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


def _train_run(run: Run, resume_hint: str, total_steps: int | None = None) -> int:
    from tqdm import tqdm

    from workbench.methods import method_class
    from workbench.training.control import TrainingControl
    from workbench.training.events import AlertEvent, RunEndEvent, StepEvent
    from workbench.training.runner import run_training

    config = run.config
    loss_names = method_class(config.method_name).loss_names
    control = TrainingControl()
    end_status, diverged, last_postfix = None, False, 0.0
    bar = None  # opened at the first step, so that building the dataset and networks does not skew the rate
    try:
        with _ctrl_c_stops(control, tqdm.write), closing(run_training(run, control, total_steps)) as events:
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
                    tqdm.write(f"alert at step {event.step}: {event.message}", file=sys.stderr)
                    if event.kind == "non_finite":  # the loop has paused; a script cannot press resume
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


# ---- runs -------------------------------------------------------------------------------------------------
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


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in (headers, *rows)]
    return "\n".join(lines)


def list_runs(args: argparse.Namespace, workspace: str | None) -> int:
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


# ---- sample -----------------------------------------------------------------------------------------------
def sample(args: argparse.Namespace, workspace: str | None) -> int:
    if not 1 <= args.count <= 1024:
        raise CLIError(f"-n {args.count}: the number of images must be in [1, 1024]")
    if args.seed < 0:
        raise CLIError(f"--seed {args.seed}: must be ≥ 0")
    run = find_run(Workspace(workspace), args.run)
    _require_generator(run, "sample")

    from PIL import Image

    from workbench.images import image_grid
    from workbench.runs.checkpoint_files import latest_checkpoint
    from workbench.training.checkpoints import load_checkpoint
    from workbench.training.session import TrainingSession

    files = latest_checkpoint(run.checkpoints_dir)
    if files is None:
        raise CLIError(f"run {run.id} has {run.missing_checkpoint_text()}; train it first")
    session = TrainingSession(run.config.replace("train", device="cpu", mixed_precision=False))
    state = load_checkpoint(files)
    # The training-noise generator is irrelevant for sampling, and a CUDA generator's state does not fit a CPU one.
    if "noise_rng" in state.get("method", {}):
        state["method"]["noise_rng"] = session.method.noise.get_state()
    session.load_state_dict(state)
    samples = session.method.sample(args.count, seed=args.seed)
    if samples.ndim == 5:  # voxel grids: rendered thumbnails, as in the live view
        from workbench.data.voxel_render import thumbnail_grid

        grid = thumbnail_grid(samples)
    else:
        grid = image_grid(samples)
    out = Path(args.output or f"{run.id}-step{files.step}.png").expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(out)
    print(f"{out}: {args.count} samples from {run.id} at step {files.step} (seed {args.seed})")
    return 0


def _require_generator(run: Run, command: str) -> None:
    """Image-to-image runs draw nothing from noise: point to the commands that use them instead."""
    spec = method_spec(run.config.method_name)
    if spec.generates:
        return
    instead = "workbench translate" if "translate" in spec.capabilities else "workbench upscale"
    raise CLIError(f"run {run.id} trains {spec.name!r}, which maps input images to output images and samples "
                   f"nothing from noise: `workbench {command}` does not apply; use `{instead} {run.id} ...`")


# ---- eval -------------------------------------------------------------------------------------------------
def evaluate(args: argparse.Namespace, workspace: str | None) -> int:
    if not 2 <= args.samples <= 1_000_000:
        raise CLIError(f"-n {args.samples}: the number of samples must be in [2, 1000000]")
    if args.seed < 0:
        raise CLIError(f"--seed {args.seed}: must be ≥ 0")
    ws = Workspace(workspace)
    run = find_run(ws, args.run)
    _require_generator(run, "eval")
    if run.latest_checkpoint_step() is None:
        raise CLIError(f"run {run.id} has {run.missing_checkpoint_text()}; train it first "
                       f"(`workbench train --resume {run.id}`)")

    from workbench.evaluation.run_evaluation import EvaluationError, evaluate_run, format_value

    def say(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr)

    if getattr(args, "disentanglement", False):
        return _evaluate_disentanglement(args, run, say)
    try:
        result = evaluate_run(run, samples=args.samples, inception=args.inception, seed=args.seed,
                              workspace_root=ws.root, progress=say)
    except EvaluationError as err:
        raise CLIError(str(err)) from None
    if args.json:
        print(json.dumps({**result.to_dict(), "path": str(result.path)}, indent=2, ensure_ascii=False))
        return 0
    print(f"run {run.id} at step {result.step} ({result.method} on {result.dataset}), {result.samples} samples, "
          f"seed {result.seed}")
    print(f"feature extractor: {result.extractor_text()}")
    print(format_table(["METRIC", "VALUE"], [[label, format_value(v)] for label, v in result.rows()]))
    for note in result.notes:
        print(f"note: {note}")
    print(f"stored in {result.path} and as eval/ scalars at step {result.step} ({result.seconds:.1f} s)")
    return 0


def _evaluate_disentanglement(args: argparse.Namespace, run: Run, say: Any) -> int:
    from workbench.evaluation.disentanglement import evaluate_disentanglement
    from workbench.evaluation.store import evaluations_dir, format_value
    from workbench.latent.errors import LatentError

    if args.inception:
        raise CLIError("--inception does not apply to --disentanglement (it needs no feature extractor)")
    try:
        report = evaluate_disentanglement(run, args.samples, seed=args.seed, progress=say)
    except LatentError as err:
        raise CLIError(str(err)) from None
    path = evaluations_dir(run) / f"{report.step}.json"
    if args.json:
        print(json.dumps({"run": run.id, "step": report.step, "label": report.label,
                          "metrics": report.labelled_scores(), "factors": list(report.factor_names),
                          "matrices": {k: v.tolist() for k, v in report.matrices.items()}, "path": str(path)},
                         indent=2, ensure_ascii=False))
        return 0
    print(f"run {run.id} at step {report.step} ({run.config.method_name} on {report.dataset}), seed {report.seed}")
    print(format_table(["METRIC", "VALUE"], [[label, format_value(v)]
                                             for label, v in report.labelled_scores().items()]))
    print(f"stored in {path} (matrices beside it) and as eval/ scalars at step {report.step} "
          f"({report.seconds:.1f} s)")
    return 0


# ---- methods, datasets ------------------------------------------------------------------------------------
def list_methods(args: argparse.Namespace, workspace: str | None) -> int:
    rows = [[s.name, s.family, s.summary, ", ".join(s.capabilities)] for s in available_methods()]
    print(format_table(["METHOD", "FAMILY", "SUMMARY", "CAPABILITIES"], rows))
    return 0


def list_datasets(args: argparse.Namespace, workspace: str | None) -> int:
    rows = []
    for s in available_datasets():
        options = ["needs --root PATH"] if s.needs_root else []
        options += ["labelled"] if s.labelled else []
        options.append(f"{s.default_channels} channel{'s' if s.default_channels > 1 else ''} by default")
        rows.append([s.name, s.summary, ", ".join(options)])
    print(format_table(["DATASET", "SUMMARY", "OPTIONS"], rows))
    return 0
