"""`workbench watch RUN [--once]`: follow a run as any process trains it (this machine's CLI or window, or a server
writing to a shared disk): its step, rate and ETA, latest losses, alerts, checkpoints and how it ends, read from
the run store with the same typed reader the window uses.

Without `--once` it prints the run's state, then a line for every alert and checkpoint and a progress line at most
every `--interval` seconds, and exits when the run ends: status 0 when it finished or was stopped, 1 when it
failed or its trainer went away (interrupted); Ctrl-C leaves it watching no more (status 130), training goes on.
A run that is not training exits at once with its state, as `--once` does (for scripts; status 0).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from workbench.cli.common import CLIError, find_run
from workbench.runs import Run, RunStatus, Workspace
from workbench.runs.event_reader import EventReader
from workbench.runs.events import AlertEvent, CheckpointEvent, ControlEvent, Event, LayoutEvent, RunEndEvent
from workbench.runs.progress import Progress

POLL_S = 0.2  # the store is read five times a second (one PRAGMA when nothing is new)
STATUS_S = 1.0  # run.toml is read when nothing was recorded for this long: has the trainer gone away?
FAILED = (RunStatus.FAILED.value, RunStatus.INTERRUPTED.value)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    watch = sub.add_parser("watch", parents=[common], help="follow a run's progress as any process trains it",
                           description="Print a run's progress (step, rate, latest losses, alerts, checkpoints) "
                                       "as any process trains it; exits when the run ends.")
    watch.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    watch.add_argument("--once", action="store_true", help="print the run's state now and exit")
    watch.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                       help="seconds between progress lines (default 1)")
    return watch


def run(args: argparse.Namespace, workspace: str | None) -> int:
    if not args.interval > 0:
        raise CLIError(f"--interval {args.interval}: must be > 0")
    run = find_run(Workspace(workspace), args.run)
    config = run.config  # a damaged run.toml is a user error, reported by the caller
    progress = Progress(total=config.train.steps)
    with closing(EventReader(run)) as reader:
        for event in reader.read_new():
            progress.add(event)
        status = run.info().status
        say(f"run {run.id}: {config.method_name} on {config.data.name}, {config.train.steps} steps; "
            f"{_status_text(run, status)}")
        for line in _state_lines(progress):
            say(line)
        if args.once or status not in (RunStatus.RUNNING.value, RunStatus.CREATED.value):
            return 0 if args.once or status not in FAILED else 1
        try:
            return _follow(run, reader, progress, args.interval)
        except KeyboardInterrupt:
            print(f"stopped watching run {run.id} (its training goes on)", file=sys.stderr)
            return 130


def say(line: str) -> None:
    print(line, flush=True)


def _status_text(run: Run, status: str) -> str:
    info = run.info()
    if status == RunStatus.RUNNING.value:
        return f"training in process {info.pid} on {info.host}"
    if status == RunStatus.CREATED.value:
        return "not trained yet"
    return status + (f" ({info.error})" if info.error else "")


def _state_lines(progress: Progress) -> list[str]:
    lines = [f"{progress.step_text()}  {progress.loss_text()}".rstrip()]
    checkpoint = progress.checkpoint
    lines.append(f"last checkpoint: step {checkpoint.step} ({Path(checkpoint.path).name})" if checkpoint
                 else "no checkpoint yet")
    if progress.alerts:
        last = progress.alerts[-1]
        lines.append(f"{len(progress.alerts)} alert(s); the latest at step {last.step}: {last.message}")
    if progress.end is not None:
        lines.append(f"{progress.end.status} at step {progress.end.step}")
    return lines


def _event_line(event: Event, progress: Progress) -> str:
    """The line an event gets as it happens ("" for steps, samples and measures: the progress line tells them)."""
    if isinstance(event, LayoutEvent):
        return f"training {'resumed' if progress.sessions > 1 else 'started'} at step {event.step}"
    if isinstance(event, AlertEvent):
        return f"{'note' if event.is_note else 'alert'} at step {event.step}: {event.message}"
    if isinstance(event, CheckpointEvent):
        return f"checkpoint at step {event.step}: {Path(event.path).name}"
    if isinstance(event, ControlEvent):
        done = {"pause": "paused", "resume": "resumed", "step": "one step asked", "stop": "stop asked"}
        return f"{done.get(event.action, event.action)} at step {event.step}"
    if isinstance(event, RunEndEvent):
        return f"run {event.status} at step {event.step}"
    return ""


def _follow(run: Run, reader: EventReader, progress: Progress, interval: float) -> int:
    printed_step, printed_at, heard_at, asked_at = progress.step, time.monotonic(), time.monotonic(), 0.0
    if run.info().status == RunStatus.CREATED.value:
        say("waiting for it to start (Ctrl-C to leave)")
    while True:
        events = reader.read_new()
        now = time.monotonic()
        if events:
            heard_at = now
        for event in events:
            if isinstance(event, RunEndEvent) and progress.step != printed_step:  # the last step, with its rate
                say(f"{progress.step_text()}  {progress.loss_text()}".rstrip())
                printed_step = progress.step
            progress.add(event)
            line = _event_line(event, progress)
            if line:
                say(line)
        if progress.end is not None:
            return 0
        if progress.step != printed_step and now - printed_at >= interval:
            say(f"{progress.step_text()}  {progress.loss_text()}".rstrip())
            printed_step, printed_at = progress.step, now
        if now - heard_at >= STATUS_S and now - asked_at >= STATUS_S:  # quiet: is the trainer still there?
            asked_at = now
            info = run.info()
            if info.status in FAILED:
                say(f"run {info.status} at step {progress.step}" + (f": {info.error}" if info.error else ""))
                return 1
            if info.status in (RunStatus.STOPPED.value, RunStatus.FINISHED.value) and not reader.changed():
                say(f"run {info.status} at step {info.step}")
                return 0
        time.sleep(POLL_S)
