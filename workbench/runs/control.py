"""Pause, resume, step or stop a run that another process trains (the CLI, a script, the window, `torchrun`).

The channel is a small file in the run folder, `control.json`, holding the latest requests, each with a number:

    {"requests": [{"number": 1717171717123, "action": "pause", "time": 1717171717.1, "pid": 4242, "host": "lab"}]}

Why a file and not a table in metrics.sqlite: the trainer is the only writer of that database and commits in
batches from its own thread; a second writer would take its write lock and could stall a step. Here requesters
write and the trainer only reads, and reading costs it nearly nothing: it looks at the file at most every
`POLL_S` (one clock read per iteration otherwise) and re-reads it only when its mtime, inode or size changed (one
`stat`). Requests are numbered, and the trainer applies every request numbered above the last it applied, in
order, so two quick requests (step, step) are two requests, never one; the file keeps the latest `KEEP` of them.
Requesters write the whole file atomically (workbench/atomic.py), one at a time (a lock file beside it).
Numbers are milliseconds since the epoch, or the previous number + 1 when that is larger: they keep increasing even
when the file is deleted. A trainer starts after the requests that are in the file when it starts (those were
meant for an earlier session).

The trainer acknowledges what it applied in the run store: a ControlEvent (`control:<action>`, the request's
number) recorded at the step where it took effect, which `watch`, the window and `RunControl.wait` read back.
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from workbench.atomic import atomic_write_text
from workbench.child_process import FileLock
from workbench.config import ConfigError
from workbench.runs.event_codec import decode
from workbench.runs.events import ControlEvent
from workbench.runs.reader import RunReader
from workbench.runs.run import Run, RunError, RunStatus, file_version

ACTIONS = ("pause", "resume", "step", "stop")
CONTROL_FILE = "control.json"
CONTROL_LOCK = ".control.lock"
KEEP = 64  # requests kept in the file: more than the trainer can miss between two looks
POLL_S = 0.05  # the trainer looks at the file at most this often


class RunNotRunningError(RunError):
    """The run has no trainer to take a request (finished, stopped, interrupted...); the message says which."""


@dataclass(frozen=True)
class ControlRequest:
    number: int
    action: str
    time: float = 0.0
    pid: int = 0
    host: str = ""


def read_requests(path: Path) -> list[ControlRequest]:
    """The requests in a control file, oldest first; [] when there is none or it cannot be read (a damaged file
    must not stop a trainer: the next request rewrites it)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out = [ControlRequest(int(r["number"]), str(r["action"]), float(r.get("time", 0.0)), int(r.get("pid", 0)),
                              str(r.get("host", ""))) for r in doc["requests"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return sorted((r for r in out if r.action in ACTIONS), key=lambda r: r.number)


@dataclass(frozen=True)
class ControlState:
    """What a window needs for its buttons: is a trainer there, is it paused, and if not, why."""

    running: bool
    paused: bool
    step: int
    reason: str  # "" when running, else why requests cannot be made ("finished", "interrupted"...)


class RunControl:
    """Requests to the process training `run`, and what it acknowledged. The API the window and the CLI share:

        control = RunControl(run)
        number = control.request("pause")        # RunNotRunningError when no process trains the run
        event = control.wait(number, timeout=5)  # the ControlEvent once the trainer applied it, or None
    """

    def __init__(self, run: Run | str | Path) -> None:
        self.run = run if isinstance(run, Run) else Run(run)
        self.path = self.run.path / CONTROL_FILE

    def check_running(self) -> None:
        """RunNotRunningError, with the reason, unless the run is marked running by a live process."""
        try:
            info = self.run.info()
        except ConfigError as err:
            raise RunNotRunningError(f"run {self.run.id} cannot be controlled: {err}") from None
        if info.status != RunStatus.RUNNING.value:
            why = {RunStatus.CREATED.value: "it has not been trained yet",
                   RunStatus.INTERRUPTED.value: f"its trainer (process {info.pid}) is gone"}.get(info.status, "")
            raise RunNotRunningError(f"run {self.run.id} is not running ({info.status}"
                                     + (f": {why}" if why else "") + "); nothing to "
                                     + ("pause, step or stop" if info.status != RunStatus.CREATED.value else "control"))

    def request(self, action: str) -> int:
        """Ask the run's trainer to `action` ("pause", "resume", "step": one iteration while paused, "stop": a
        checkpoint and status stopped) between two steps; returns the request's number (for `wait`)."""
        if action not in ACTIONS:
            raise RunError(f"{action!r} is not a control request; valid: {', '.join(ACTIONS)}")
        self.check_running()
        with FileLock(self.run.path / CONTROL_LOCK):
            requests = read_requests(self.path)
            last = requests[-1].number if requests else 0
            number = max(last + 1, time.time_ns() // 1_000_000)
            requests.append(ControlRequest(number, action, time.time(), os.getpid(), socket.gethostname()))
            doc = {"requests": [vars(r) for r in requests[-KEEP:]]}
            atomic_write_text(self.path, json.dumps(doc, indent=1) + "\n")
        return number

    def acknowledged(self) -> list[ControlEvent]:
        """What the trainers of this run applied of the requests made here, oldest first (from the run store)."""
        rows = RunReader(self.run).sql("SELECT step, wall, kind, message FROM events WHERE kind LIKE 'control:%' "
                                       "ORDER BY id")
        events = (decode(*row) for row in rows)
        return [e for e in events if isinstance(e, ControlEvent) and e.request]

    def wait(self, number: int, timeout: float) -> ControlEvent | None:
        """The trainer's acknowledgement of request `number`, waiting up to `timeout` seconds; None when it has not
        come (the trainer applies requests between steps: a long step delays it) or the trainer ended first."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((e for e in self.acknowledged() if e.request == number), None)
            if found is not None or time.monotonic() >= deadline:
                return found
            try:
                if self.run.info().status != RunStatus.RUNNING.value:
                    return next((e for e in self.acknowledged() if e.request == number), None)
            except ConfigError:
                return None
            time.sleep(POLL_S)

    def state(self) -> ControlState:
        """Running or not (and why), and paused or not: the latest pause/resume its trainer recorded this session."""
        try:
            self.check_running()
        except RunNotRunningError as err:
            step = 0
            try:
                step = self.run.info().step
            except ConfigError:
                pass
            return ControlState(False, False, step, str(err))
        row = RunReader(self.run).sql(  # the latest pause or resume since the session started
            "SELECT kind FROM events WHERE kind IN ('control:pause', 'control:resume') AND id > "
            "(SELECT coalesce(max(id), 0) FROM events WHERE kind = 'layout') ORDER BY id DESC LIMIT 1")
        return ControlState(True, row == [("control:pause",)], recorded_step(self.run), "")


def recorded_step(run: Run) -> int:
    """How far the run is: its newest recorded step (run.toml's step moves only at checkpoints)."""
    with closing(run.metrics_reader()) as reader:
        return reader.last_step() or 0


class RequestTail:
    """The trainer's side: the requests made since it started, each once, in order; `poll()` is what the training
    loop calls between steps and costs one clock read unless `POLL_S` has passed, then one `stat`."""

    interval = POLL_S

    def __init__(self, run_folder: Path) -> None:
        self.path = Path(run_folder) / CONTROL_FILE
        self._version = file_version(self.path)
        existing = read_requests(self.path)
        self._last = existing[-1].number if existing else 0
        self._checked = time.monotonic()

    def poll(self) -> list[ControlRequest]:
        now = time.monotonic()
        if now - self._checked < self.interval:
            return []
        self._checked = now
        version = file_version(self.path)
        if version == self._version:
            return []
        self._version = version
        new = [r for r in read_requests(self.path) if r.number > self._last]
        if new:
            self._last = new[-1].number
        return new
