"""The shipped examples: trained runs in `workbench/models/<name>/`, each a normal run folder plus `card.toml`
(its model card), listed beside the workspace's runs and never modified.

Why a module of its own: the window, the CLI and a notebook all need to find the examples (in a checkout and in an
installed wheel alike: package data next to `workbench/__init__.py`), tell an example from a run of the
workspace, and copy one into the workspace before anything would write to it ("copy on write"). The example's
folder is only ever read: its metrics store is opened immutable, and `Run` refuses every write to a folder that
holds a card (see `Run._refuse_example`).

    WORKBENCH_EXAMPLES=/some/folder   look there instead of the package's `models/` ("" : no examples)
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

import workbench
from workbench.atomic import atomic_write_text, fsync_directory
from workbench.config import ConfigError, read_toml_file
from workbench.runs.meta import RunError
from workbench.runs.run import CARD_FILE, Run, RunStatus
from workbench.runs.workspace import Workspace

ENV_VAR = "WORKBENCH_EXAMPLES"
COPY_TAG = "from-example"
NOTE_FROM = "copied_from_example"  # run.toml [notes] of a copy: the example's name
NOTE_STEP = "example_step"  # ... the step of the example's checkpoint
NOTE_OPTIMIZER = "example_optimizer_state"  # ... "false" when that checkpoint carries no optimizer state
SKIPPED = {CARD_FILE, ".lock", ".meta.lock", "control.json", "metrics.sqlite-wal", "metrics.sqlite-shm",
           "metrics.sqlite-journal", "__pycache__"}

__all__ = ["CARD_FILE", "ENV_VAR", "Example", "continued_steps", "copy_example", "example_of", "examples_dir",
           "find_example", "fresh_optimizer_note", "is_example", "list_examples", "read_example", "write_card"]


@dataclass(frozen=True)
class Example:
    """One shipped example: what its card says, and where its run folder is."""

    name: str
    path: Path
    title: str = ""
    method: str = ""
    dataset: str = ""
    summary: str = ""
    steps: int = 0
    optimizer_state: bool = True
    training: dict[str, Any] = field(default_factory=dict)
    quality: dict[str, Any] = field(default_factory=dict)

    @property
    def run(self) -> Run:
        return Run(self.path)

    def key_figure(self) -> str:
        """The card's first quality figure, "FID [digits-cnn, 5k] 23.4" ("" when the card has none)."""
        for name, value in self.quality.items():
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            return f"{name} {shown}"
        return ""


def examples_dir() -> Path | None:
    """Where the examples are: $WORKBENCH_EXAMPLES (empty: none), else the package's `models/` folder."""
    if ENV_VAR in os.environ:
        value = os.environ[ENV_VAR].strip()
        return Path(value).expanduser() if value else None
    return Path(workbench.__file__).resolve().parent / "models"


def read_example(folder: Path) -> Example:
    """The example in `folder`; ConfigError naming card.toml and the field when the card is unusable."""
    card_path = folder / CARD_FILE
    card = read_toml_file(card_path)
    if not (folder / Run.CONFIG_FILE).is_file():
        raise ConfigError(f"{folder}: an example needs a {Run.CONFIG_FILE} beside its {CARD_FILE}")
    tables = {}
    for table in ("example", "training", "quality"):
        value = card.get(table, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{card_path}: [{table}] must be a table")
        tables[table] = value
    example, training = tables["example"], tables["training"]
    texts = {}
    for key in ("name", "title", "method", "dataset", "summary"):
        value = example.get(key, folder.name if key == "name" else "")
        if not isinstance(value, str):
            raise ConfigError(f"{card_path}: [example] {key} = {value!r} must be text")
        texts[key] = value
    steps = training.get("steps", 0)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ConfigError(f"{card_path}: [training] steps = {steps!r} must be a whole number ≥ 0")
    optimizer_state = training.get("optimizer_state", True)
    if not isinstance(optimizer_state, bool):
        raise ConfigError(f"{card_path}: [training] optimizer_state = {optimizer_state!r} must be true or false")
    return Example(path=folder, steps=steps, optimizer_state=optimizer_state, training=dict(training),
                   quality=dict(tables["quality"]), **texts)


def list_examples(folder: Path | None = None, errors: list[str] | None = None) -> list[Example]:
    """Every example in `folder` (default `examples_dir()`), by name; an unusable card is left out and, when
    `errors` is given, its reason appended there (one line each)."""
    folder = examples_dir() if folder is None else folder
    if folder is None or not folder.is_dir():
        return []
    found = []
    for sub in sorted(p for p in folder.iterdir() if (p / CARD_FILE).is_file()):
        try:
            found.append(read_example(sub))
        except ConfigError as err:
            if errors is not None:
                errors.append(str(err))
    return sorted(found, key=lambda e: e.name)


def find_example(name: str, folder: Path | None = None) -> Example | None:
    """The example called `name` (its card's name or its folder's), else None."""
    return next((e for e in list_examples(folder) if name in (e.name, e.path.name)), None)


def is_example(run: Run | Path) -> bool:
    """A shipped example (a folder with a card): read-only, to be copied before anything writes to it."""
    path = Path(getattr(run, "path", run))
    return (path / CARD_FILE).is_file()


def example_of(run: Run) -> Example | None:
    """The Example of an example's run folder (None for other runs or a damaged card)."""
    if not is_example(run):
        return None
    try:
        return read_example(run.path)
    except ConfigError:
        return None


def copy_example(example: Example, workspace: Workspace, name: str | None = None, steps: int | None = None) -> Run:
    """A new run of `workspace` holding a copy of `example` (config, metrics, samples, checkpoints, evaluations),
    named after it; the example is only read. `steps`: the copy's new length (it can then be continued: status
    "stopped"). The copy appears whole or not at all (copied beside the runs, then moved in by one rename)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_id = name or f"{stamp}-{example.name}-{secrets.token_hex(2)}"
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise RunError(f"{run_id!r}: a run id is a plain folder name")
    target = workspace.runs_dir / run_id
    if target.exists():
        raise RunError(f"a run with id {run_id!r} is already in {workspace.runs_dir}")
    staging = workspace.root / f".copying-{run_id}"
    workspace.runs_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(example.path, staging, ignore=lambda _dir, names: [n for n in names if n in SKIPPED])
        _make_writable(staging)
        copy = Run(staging)
        config, info = copy.config, copy.info()
        if steps is not None:
            config = config.replace("train", steps=steps)
            if steps > info.step:
                info.status = RunStatus.STOPPED.value
        info.id, info.created, info.updated, info.pid, info.host = run_id, time.time(), time.time(), 0, ""
        copy.write(config, info)
        notes = {NOTE_FROM: example.name, NOTE_STEP: str(copy.latest_checkpoint_step() or info.step)}
        if not example.optimizer_state:
            notes[NOTE_OPTIMIZER] = "false"
        copy.set_notes(notes)
        meta = copy.meta()
        copy.set_meta(display_name=example.name, tags=[*meta.tags, COPY_TAG] if COPY_TAG not in meta.tags
                      else list(meta.tags))
        os.rename(staging, target)
        fsync_directory(workspace.runs_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Run(target)


def continued_steps(steps: int, done: int) -> int:
    """How long "continue training" makes an example's copy: to its planned length when it stopped short, else
    twice as long."""
    return steps if done < steps else max(done, 1) * 2


def fresh_optimizer_note(run: Run) -> str:
    """One line when continuing `run` (a copy of an example shipped without optimizer state, still at that
    checkpoint) starts fresh optimizers; "" otherwise."""
    try:
        notes = run.notes()
    except ConfigError:
        return ""
    if notes.get(NOTE_OPTIMIZER) != "false" or str(run.latest_checkpoint_step()) != notes.get(NOTE_STEP):
        return ""
    return (f"example {notes.get(NOTE_FROM, '?')} was shipped without optimizer state: training continues from its "
            f"weights with fresh optimizers (their moments start at zero)")


def write_card(folder: Path, card: dict[str, Any]) -> None:
    """Write `card.toml` (for scripts and tests that make examples)."""
    atomic_write_text(folder / CARD_FILE, tomli_w.dumps(card))


def _make_writable(folder: Path) -> None:
    """Package data may be installed read-only; the copy is the user's."""
    for root, dirs, files in os.walk(folder):
        for entry in (*dirs, *files):
            path = Path(root) / entry
            mode = path.stat().st_mode
            if not mode & stat.S_IWUSR:
                path.chmod(mode | stat.S_IWUSR)
    folder.chmod(folder.stat().st_mode | stat.S_IWUSR)
