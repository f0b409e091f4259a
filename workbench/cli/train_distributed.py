"""`workbench train` across processes: `--nproc N` starts torchrun on this machine; under torchrun (its RANK and
WORLD_SIZE in the environment) process 0 creates or resumes the run and records it, and every other process
follows it (see workbench.training.distributed).

    workbench train --nproc 2 --method gan --batch-size 64 --steps 1000      # two processes, one machine
    torchrun --nproc-per-node 4 -m workbench train --method dcgan --device cuda --batch-size 256
    torchrun --nnodes 2 --node-rank 0 --nproc-per-node 8 --rdzv-backend c10d \\
        --rdzv-endpoint host0:29500 -m workbench train --resume RUN            # the run folder on a shared disk
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import NoReturn

from workbench.child_process import PARENT_PID_ENV
from workbench.runs import Run
from workbench.training.distributed import DistributedContext, finish, share, start, together

LAUNCHER_PID_ENV = "WORKBENCH_LAUNCHER_PID"  # the `workbench train --nproc` process that started torchrun
WATCH_INTERVAL_S = 0.5


def launch(nproc: int, argv: list[str]) -> int:
    """Run this same command under torchrun with `nproc` processes (`argv`: the command line without --nproc);
    torchrun's exit status. The processes exit when this one is gone, even killed with SIGKILL."""
    env = dict(os.environ, **{LAUNCHER_PID_ENV: str(os.getpid())})
    env.pop(PARENT_PID_ENV, None)  # the window's tie is this process's; torchrun's processes watch this one
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
               "-m", "workbench", *argv]
    child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
    try:
        return child.wait()
    except KeyboardInterrupt:  # torchrun passes the Ctrl-C on to its processes: process 0 stops with a checkpoint
        return child.wait()


def without_nproc(argv: list[str]) -> list[str]:
    """The command line with `--nproc N` / `--nproc=N` taken out."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            out.append(arg)
    return out


def exit_with_launcher() -> None:
    """Under `workbench train --nproc`: exit as soon as the launching process is gone."""
    raw = os.environ.get(LAUNCHER_PID_ENV, "")
    if not raw.isdigit():
        return
    launcher = int(raw)

    def watch() -> None:
        while True:
            time.sleep(WATCH_INTERVAL_S)
            try:
                os.kill(launcher, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="launcher-watch", daemon=True).start()


def run_in_group(context: DistributedContext,
                 lead: Callable[[], tuple[Run, int | None, Callable[[], int]]]) -> NoReturn:
    """Process 0 runs `lead`: it finds or creates the run and returns it, its new length (None: as stored) and the
    function that trains it; the others train their slice of that run. Ends the process with the exit status."""
    from workbench.training.runner import follow_training

    exit_with_launcher()
    start(context)
    try:
        if context.is_main:
            run, total_steps, train = lead()
            share((str(run.path), total_steps), context)
            code = train()
        else:
            path, total_steps = share(None, context)
            status = follow_training(Run(path), context, total_steps)
            code = 0 if status in ("finished", "stopped") else 1
        together()  # no process leaves the group while another still talks to it (Gloo aborts on a closed peer)
    except BaseException:
        finish()
        raise
    # Everything is written and closed. Leave without tearing the process group down: Gloo's threads sometimes
    # end the interpreter's shutdown with "terminate called without an active exception" (SIGABRT), which
    # torchrun would report as a failed run (seen in about 1 run in 50).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
