"""The workspace: the folder holding every run (platformdirs default, `--workspace`, or $WORKBENCH_WORKSPACE)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from workbench.config import RunConfig
from workbench.runs.run import Run, RunInfo

ENV_VAR = "WORKBENCH_WORKSPACE"


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
            raise KeyError(f"no run {run_id!r} in {self.runs_dir}")
        raise KeyError(f"{run_id!r} matches several runs: {', '.join(r.id for r in matches[:5])}")
