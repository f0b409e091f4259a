"""One run folder: `run.toml` (config, status, versions), `metrics.sqlite`, `samples/`, `checkpoints/`."""

from __future__ import annotations

import errno
import os
import socket
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import tomli_w

from workbench.atomic import atomic_write_text
from workbench.child_process import FileLock
from workbench.config import ConfigError, RunConfig, read_toml_file
from workbench.methods.registry import load_run_config
from workbench.runs.meta import RunError, RunMeta, read_meta, update_meta
from workbench.runs.metrics_db import MetricsReader, MetricsWriter

CARD_FILE = "card.toml"  # a shipped example's model card: its folder is read-only (workbench/runs/examples.py)

__all__ = ["CARD_FILE", "Run", "RunError", "RunInfo", "RunLockedError", "RunMeta", "RunStatus", "file_version"]


class RunStatus(str, Enum):
    CREATED = "created"
    RUNNING = "running"
    STOPPED = "stopped"
    FINISHED = "finished"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # was running in a process that is gone

    @property
    def resumable(self) -> bool:
        return self in (RunStatus.CREATED, RunStatus.STOPPED, RunStatus.FAILED, RunStatus.INTERRUPTED)


class RunLockedError(RuntimeError):
    """Another process (or another worker in this one) is training this run."""


@dataclass
class RunInfo:
    """The [run] section of run.toml: who trains it, how far it got, and how it ended."""

    id: str
    created: float
    status: str = RunStatus.CREATED.value
    step: int = 0
    pid: int = 0
    host: str = ""
    error: str = ""
    updated: float = field(default_factory=time.time)


def file_version(path: Path) -> tuple[int, int, int] | None:
    """What changes whenever `path` is rewritten (run.toml is replaced, never edited in place): a poller can
    tell from one stat that it need not read the file again. None when it cannot be looked at."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_ino, stat.st_size


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as err:
        return err.errno == errno.EPERM
    return True


class Run:
    CONFIG_FILE = "run.toml"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = FileLock(self.path / ".lock")
        self._config: RunConfig | None = None

    # ---- files -------------------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.path.name

    @property
    def workspace_root(self) -> Path:
        """The folder for what runs share (the feature extractors' cache): the workspace holding this run, or,
        for a run outside any workspace (a shipped example, a folder named on the command line), a per-user
        cache folder, so that nothing is written beside it (an installed package may be read-only)."""
        if self.path.parent.name == "runs":  # <workspace>/runs/<id>
            return self.path.parent.parent
        import platformdirs

        return Path(platformdirs.user_cache_dir("generative-workbench", appauthor=False))

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.sqlite"

    @property
    def samples_dir(self) -> Path:
        return self.path / "samples"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def evaluations_dir(self) -> Path:
        return self.path / "evaluations"

    def _read_toml(self) -> dict[str, Any]:
        return read_toml_file(self.path / self.CONFIG_FILE,
                              missing=f"{self.path} is not a run folder (no {self.CONFIG_FILE})")

    @property
    def config(self) -> RunConfig:
        if self._config is None:
            doc = self._read_toml()
            try:
                self._config = load_run_config({k: doc[k] for k in ("method", "data", "train") if k in doc})
            except ConfigError as err:
                raise ConfigError(f"{self.path / self.CONFIG_FILE}: {err}") from None
        return self._config

    def info(self) -> RunInfo:
        """The [run] table; ConfigError naming the file when it is missing or malformed (a damaged run)."""
        doc = self._read_toml().get("run")
        where = self.path / self.CONFIG_FILE
        if not isinstance(doc, dict) or not {"id", "created"} <= set(doc):
            raise ConfigError(f"{where}: no [run] table with id and created (an empty or damaged run file)")
        known = RunInfo.__dataclass_fields__
        info = RunInfo(**{k: v for k, v in doc.items() if k in known})
        for name, types in (("id", str), ("created", (int, float)), ("status", str), ("step", int), ("pid", int),
                            ("host", str), ("error", str), ("updated", (int, float))):
            if not isinstance(getattr(info, name), types) or isinstance(getattr(info, name), bool):
                raise ConfigError(f"{where}: [run] {name} = {getattr(info, name)!r} is not a valid value")
        if info.status not in {s.value for s in RunStatus}:
            raise ConfigError(f"{where}: [run] status {info.status!r} is not one of "
                              f"{', '.join(s.value for s in RunStatus)}")
        if info.status == RunStatus.RUNNING.value and info.host == socket.gethostname() and not _pid_alive(info.pid):
            info.status = RunStatus.INTERRUPTED.value
        return info

    @property
    def status(self) -> RunStatus:
        return RunStatus(self.info().status)

    def _refuse_example(self) -> None:
        """A shipped example is never written to: its changes go to a copy in the workspace."""
        if (self.path / CARD_FILE).is_file():
            raise RunError(f"{self.path.name} is a shipped example and read-only; copy it into the workspace first "
                           f"(any command that changes it does so, e.g. `workbench train --resume {self.path.name}`)")

    def write(self, config: RunConfig, info: RunInfo, versions: dict[str, str] | None = None) -> None:
        self._refuse_example()
        doc: dict[str, Any] = {"run": vars(info).copy()}
        previous: dict[str, Any] = {}
        if (self.path / self.CONFIG_FILE).exists():
            previous = self._read_toml()
        doc["versions"] = versions or previous.get("versions", {})
        if previous.get("notes"):
            doc["notes"] = previous["notes"]
        doc.update(config.to_dict())
        atomic_write_text(self.path / self.CONFIG_FILE, tomli_w.dumps(doc))
        self._config = config

    def notes(self) -> dict[str, str]:
        """What the method recorded about how it trained (e.g. which content loss SRGAN used): [notes]."""
        return {str(k): str(v) for k, v in self._read_toml().get("notes", {}).items()}

    def set_notes(self, notes: dict[str, str]) -> None:
        """Merge `notes` into run.toml's [notes] table."""
        self._refuse_example()
        doc = self._read_toml()
        doc["notes"] = {**doc.get("notes", {}), **{str(k): str(v) for k, v in notes.items()}}
        atomic_write_text(self.path / self.CONFIG_FILE, tomli_w.dumps(doc))

    def update(self, **changes: Any) -> RunInfo:
        info = self.info()
        for k, v in changes.items():
            setattr(info, k, v.value if isinstance(v, RunStatus) else v)
        info.updated = time.time()
        self.write(self.config, info)
        return info

    # ---- what a person says about it (meta.json: never written by the trainer) ------------------------------
    def meta(self) -> RunMeta:
        """Display name, tags and notes; RunError naming meta.json when that file is damaged."""
        return read_meta(self.path)

    def set_meta(self, display_name: str | None = None, tags: tuple[str, ...] | list[str] | None = None,
                 notes: str | None = None) -> RunMeta:
        """Change the given fields (None: keep as is); RunError, and nothing written, when one breaks its rule
        (workbench/runs/meta.py) or meta.json is damaged. Safe while the run trains."""
        self._refuse_example()
        return update_meta(self.path, display_name, tags, notes)

    def change_tags(self, add: tuple[str, ...] | list[str] = (), remove: tuple[str, ...] | list[str] = ()) -> RunMeta:
        """Add and remove tags in one locked read-modify-write (two processes tagging at once lose nothing)."""
        self._refuse_example()
        return update_meta(self.path, add_tags=add, remove_tags=remove)

    @property
    def display_name(self) -> str:
        """The name a person gave the run, else its id (also when meta.json is damaged: listing goes on)."""
        try:
            return self.meta().display_name or self.id
        except RunError:
            return self.id

    # ---- ownership ---------------------------------------------------------------------------------------
    def acquire(self, record_owner: bool = True) -> None:
        """Take the training lock (an flock on `.lock`); fails if anyone else trains this run.

        `record_owner=False` leaves run.toml alone: the caller records pid and host once it really starts."""
        self._refuse_example()
        if not self._lock.acquire(blocking=False):
            info = self.info()
            raise RunLockedError(f"run {self.id} is being trained by process {info.pid} on {info.host}")
        if record_owner:
            self.update(pid=os.getpid(), host=socket.gethostname())

    def release(self) -> None:
        self._lock.release()

    # ---- data --------------------------------------------------------------------------------------------
    def metrics_writer(self) -> MetricsWriter:
        return MetricsWriter(self.metrics_path)

    def metrics_reader(self) -> MetricsReader:
        return MetricsReader(self.metrics_path)

    def sample_steps(self) -> list[int]:
        return sorted(int(p.stem.rsplit("_", 1)[1]) for p in self.samples_dir.glob("samples_*.png"))

    def latest_checkpoint_step(self) -> int | None:
        from workbench.runs.checkpoint_files import latest_checkpoint

        found = latest_checkpoint(self.checkpoints_dir)
        return None if found is None else found.step

    def missing_checkpoint_text(self, detailed: bool = True) -> str:
        """Why there is no checkpoint to load: "no checkpoint yet", or which checkpoint files are damaged (their
        files are left as they are); `detailed=False` only counts them, for one-line titles."""
        from workbench.runs.checkpoint_files import damaged_checkpoints

        damaged = damaged_checkpoints(self.checkpoints_dir)
        if not damaged:
            return "no checkpoint yet"
        if not detailed:
            return f"no complete checkpoint ({len(damaged)} damaged)"
        more = f"; and {len(damaged) - 2} more" if len(damaged) > 2 else ""
        return f"no complete checkpoint: {'; '.join(damaged[-2:])}{more}"
