"""Helper processes that die with the process that started them, and a lock file for cached work.

A helper (e.g. the classifier that judges class coverage) runs in a child process so that it shares no random
number generator with training. It must never outlive its parent, whether the parent exits normally, is
stopped with Ctrl-C or is killed with SIGKILL: the child watches its parent's pid and exits as soon as it is
re-parented. `PR_SET_PDEATHSIG` is not used because it fires when the *thread* that started the child ends,
and the window starts helpers from short-lived worker threads.

Two processes must not do the same cached work at once: `FileLock` is an advisory `flock` on a file beside the
cache, released by the kernel when its holder dies, so a killed holder never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PARENT_PID_ENV = "WORKBENCH_PARENT_PID"
WATCH_INTERVAL_S = 0.25


def spawn_tied_child(module: str, args: list[str], *, log: Path, nice: int = 10,
                     env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start `python -m module args…` with low priority, output appended to `log`; it exits with this process."""
    log.parent.mkdir(parents=True, exist_ok=True)
    child_env = dict(os.environ if env is None else env)
    child_env[PARENT_PID_ENV] = str(os.getpid())
    preexec = (lambda: os.nice(nice)) if os.name == "posix" and nice else None
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", module, *args], stdout=out, stderr=out, env=child_env,
                                stdin=subprocess.DEVNULL, preexec_fn=preexec)


def exit_with_parent() -> None:
    """In a child started by `spawn_tied_child`: exit at once when the parent is gone (checked 4× a second).

    Call it first thing in the child's entry point, before heavy imports.
    """
    raw = os.environ.get(PARENT_PID_ENV, "")
    if not raw.isdigit():
        return
    parent = int(raw)
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(WATCH_INTERVAL_S)
            if os.getppid() != parent:
                os._exit(0)  # no cleanup: nothing half-written survives (caches are written atomically)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class FileLock:
    """An exclusive advisory lock on `path` (created if missing); the kernel drops it when the holder dies."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """Take the lock; with `blocking=False`, False when another process (or open file) holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def held_elsewhere(self) -> bool:
        """True while someone else holds the lock (checked by taking and releasing it)."""
        if self._fd is not None:
            return False
        if not self.acquire(blocking=False):
            return True
        self.release()
        return False

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
