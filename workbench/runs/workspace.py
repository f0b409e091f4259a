"""The workspace: the folder holding every run (platformdirs default, `--workspace`, or $WORKBENCH_WORKSPACE).

    <workspace>/runs/<id>/     the runs, listed by `runs()`
    <workspace>/trash/<id>/    runs moved to the trash (`trash_run`), listed by `trashed_runs()`, put back by
                               `restore_run`; the app never deletes a run: emptying the trash is deleting that folder
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from pathlib import Path

from workbench.atomic import atomic_write_text, fsync_directory
from workbench.config import ConfigError, RunConfig
from workbench.runs.run import Run, RunError, RunInfo, RunLockedError, RunStatus

ENV_VAR = "WORKBENCH_WORKSPACE"
TRASHED_FILE = "trashed.json"  # in a trashed run's folder: its id and when it was trashed


def default_workspace_root() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("generative-workbench", appauthor=False)) / "workspace"


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("generative-workbench", "torch", "torchvision", "numpy", "safetensors"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    import platform

    out["python"] = platform.python_version()
    return out


class Workspace:
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root else default_workspace_root()
        self.runs_dir = self.root / "runs"
        self.trash_dir = self.root / "trash"

    def create_run(self, config: RunConfig, name: str | None = None) -> Run:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_id = name or f"{stamp}-{config.method_name}-{config.data.name}-{secrets.token_hex(2)}"
        run = Run(self.runs_dir / run_id)
        run.path.mkdir(parents=True, exist_ok=False)
        for sub in (run.samples_dir, run.checkpoints_dir):
            sub.mkdir()
        run.write(config, RunInfo(id=run_id, created=time.time()), versions=package_versions())
        return run

    def runs(self) -> list[Run]:
        """Every run folder, newest first."""
        if not self.runs_dir.is_dir():
            return []
        folders = [p for p in self.runs_dir.iterdir() if (p / Run.CONFIG_FILE).is_file()]
        return [Run(p) for p in sorted(folders, key=lambda p: p.name, reverse=True)]

    def run(self, run_id: str) -> Run:
        """A run by id, unique id prefix, or path."""
        as_path = Path(run_id)
        if (as_path / Run.CONFIG_FILE).is_file():
            return Run(as_path)
        matches = [r for r in self.runs() if r.id == run_id] or [r for r in self.runs() if r.id.startswith(run_id)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            trashed = " (it is in the trash: `workbench runs restore` puts it back)" if any(
                r.id == run_id for r in self.trashed_runs()) else ""
            raise KeyError(f"no run {run_id!r} in {self.runs_dir}{trashed}")
        raise KeyError(f"{run_id!r} matches several runs: {', '.join(r.id for r in matches[:5])}")

    # ---- the trash: a run is moved, never deleted --------------------------------------------------------------
    def trash_run(self, run: Run | str) -> Path:
        """Move the run's folder to `trash/<id>` (`<id>~2`... when that name is taken) and return where it went.

        Holds the run's training lock while it moves, so no trainer can start on it meanwhile; RunLockedError when
        a process trains it (stop it first), RunError when it is not one of this workspace's runs."""
        run = run if isinstance(run, Run) else self.run(run)
        if not (run.path / Run.CONFIG_FILE).is_file() or run.path.resolve().parent != self.runs_dir.resolve():
            raise RunError(f"{run.path} is not a run of the workspace {self.root}")
        try:
            run.acquire(record_owner=False)
        except (RunLockedError, ConfigError):
            raise RunLockedError(f"run {run.id} is being trained ({_trainer(run)}); stop it first "
                                 f"(`workbench control {run.id} stop`), then move it to the trash") from None
        try:
            _refuse_trained_elsewhere(run)
            self.trash_dir.mkdir(parents=True, exist_ok=True)
            target = self.trash_dir / run.id
            copy = 1
            while target.exists():
                copy += 1
                target = self.trash_dir / f"{run.id}~{copy}"
            os.rename(run.path, target)  # one rename: the folder is in the runs or in the trash, never half
            fsync_directory(self.runs_dir)
            atomic_write_text(target / TRASHED_FILE, json.dumps({"id": run.id, "trashed": time.time()}) + "\n")
        finally:
            run.release()
        return target

    def trashed_runs(self) -> list[Run]:
        """The runs in the trash, the most recently trashed first (each `Run.id` is its name in the trash)."""
        if not self.trash_dir.is_dir():
            return []
        folders = [p for p in self.trash_dir.iterdir() if (p / Run.CONFIG_FILE).is_file()]
        return [Run(p) for p in sorted(folders, key=lambda p: (trash_record(p)[1], p.name), reverse=True)]

    def restore_run(self, name: str) -> Run:
        """Move a trashed run (its name in the trash, or a unique prefix of it) back to `runs/<its id>`;
        RunError when no trashed run matches or a run with that id exists."""
        trashed = self.trashed_runs()
        matches = [r for r in trashed if r.id == name] or [r for r in trashed if r.id.startswith(name)]
        if len(matches) != 1:
            found = f"matches several: {', '.join(r.id for r in matches[:5])}" if matches else "is not in the trash"
            raise RunError(f"{name!r} {found} ({self.trash_dir})")
        run = matches[0]
        target = self.runs_dir / trash_record(run.path)[0]
        if target.exists():
            raise RunError(f"cannot restore {run.id}: a run with id {target.name!r} is already in {self.runs_dir}; "
                           "move that one to the trash first")
        run.acquire(record_owner=False)
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            os.rename(run.path, target)
            fsync_directory(self.trash_dir)
        finally:
            run.release()
        (target / TRASHED_FILE).unlink(missing_ok=True)
        return Run(target)


def trash_record(folder: Path) -> tuple[str, float]:
    """A trashed run's id and when it was trashed (its folder name and time when trashed.json is missing)."""
    try:
        doc = json.loads((folder / TRASHED_FILE).read_text(encoding="utf-8"))
        return str(doc["id"]), float(doc["trashed"])
    except (OSError, ValueError, KeyError, TypeError):
        name = folder.name.rsplit("~", 1)[0] if "~" in folder.name else folder.name
        try:
            return name, folder.stat().st_mtime
        except OSError:
            return name, 0.0


def _trainer(run: Run) -> str:
    try:
        info = run.info()
    except ConfigError:
        return "by another process"
    return f"by process {info.pid} on {info.host}"


def _refuse_trained_elsewhere(run: Run) -> None:
    """The lock is this machine's; a run marked running on another host (a shared disk) may be training there."""
    try:
        info = run.info()
    except ConfigError:  # a damaged run can go to the trash
        return
    if info.status == RunStatus.RUNNING.value and info.host and info.host != socket.gethostname():
        raise RunLockedError(f"run {run.id} is marked as being trained by process {info.pid} on {info.host}; stop "
                             "it there first, then move it to the trash")
