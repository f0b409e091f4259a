"""`workbench control RUN pause|resume|step|stop`: control a run that another process trains (a `workbench train`,
a script, the window), through the run's control file (workbench/runs/control.py).

    pause    the trainer waits after its current step
    resume   it goes on
    step     while paused: exactly one more iteration
    stop     after the current step: a checkpoint, then status "stopped" (resume it later with train --resume)

The trainer applies a request between two steps and records it in the run store; this command waits up to
`--timeout` seconds for that and says at which step it took effect (a very long step can take longer: the request
stays, and is applied then). Exit status 2 when the run is not running, with the reason.
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.common import CLIError, find_run
from workbench.runs import RunControl, Workspace
from workbench.runs.control import ACTIONS
from workbench.runs.examples import is_example

DONE = {"pause": "paused at step {step}", "resume": "resumed at step {step}",
        "step": "one step asked at step {step}", "stop": "stopping at step {step}: a checkpoint, then status stopped"}


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    control = sub.add_parser("control", parents=[common], help="pause, resume, step or stop a run another process "
                                                               "trains",
                             description="Pause, resume, single-step or stop a run trained by another process "
                                         "(the CLI, a script, the window).")
    control.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    control.add_argument("action", choices=ACTIONS, help="pause | resume | step (one iteration while paused) | "
                                                         "stop (checkpoint, then status stopped)")
    control.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                         help="how long to wait for the trainer to apply it (default 10; 0: do not wait)")
    return control


def run(args: argparse.Namespace, workspace: str | None) -> int:
    if args.timeout < 0:
        raise CLIError(f"--timeout {args.timeout}: must be ≥ 0")
    run = find_run(Workspace(workspace), args.run)
    if is_example(run):
        raise CLIError(f"{run.id} is a shipped example: no process trains it (continue it with "
                       f"`workbench train --resume {run.id}`, which trains a copy)")
    control = RunControl(run)
    number = control.request(args.action)  # RunNotRunningError (exit 2) with the reason
    applied = control.wait(number, args.timeout) if args.timeout > 0 else None
    if applied is None:
        print(f"run {run.id}: {args.action} requested; the trainer applies it between two steps")
    else:
        print(f"run {run.id}: " + DONE[args.action].format(step=applied.step))
    return 0
