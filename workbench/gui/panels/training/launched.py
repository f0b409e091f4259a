"""Runs the window trains in several processes: `workbench train --resume RUN --nproc N` as a child that dies with
the window (and its torchrun processes with it), steered through the run's control channel like any run."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from workbench.child_process import spawn_tied_child
from workbench.runs import Run
from workbench.runs.control import RunControl

LOG_NAME = "processes.log"  # in the run folder: torchrun's and process 0's output


class LaunchedRuns:
    """The multi-process trainings this window started, by run folder."""

    def __init__(self) -> None:
        self._children: dict[Path, subprocess.Popen] = {}

    def launch(self, run: Run, processes: int) -> None:
        """Train `run` (a new run, or one to continue) with `processes` processes on this machine."""
        args = ["train", "--workspace", str(run.path.parent.parent), "--resume", run.id, "--nproc", str(processes)]
        self._children[run.path] = spawn_tied_child("workbench", args, log=run.path / LOG_NAME, nice=0)

    def alive(self, run: Run | None) -> bool:
        child = self._children.get(run.path) if run is not None else None
        return child is not None and child.poll() is None

    def any_alive(self) -> bool:
        return any(child.poll() is None for child in self._children.values())

    def request(self, run: Run, action: str) -> None:
        """Pause, resume, step or stop: process 0 reads the request and its decision holds every process."""
        RunControl(run).request(action)

    def shutdown(self, timeout: float) -> bool:
        """Ask every live training to stop (each writes a checkpoint) and wait for them; True when all ended."""
        alive = {path: child for path, child in self._children.items() if child.poll() is None}
        for path in alive:
            try:
                RunControl(Run(path)).request("stop")
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for child in alive.values():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()  # its processes follow it (they watch the launcher)
        return not self.any_alive()
