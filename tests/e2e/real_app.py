"""The command that starts the real `workbench` executable on an X display, for the end-to-end tests."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def workbench_executable() -> str:
    """The console script installed beside this Python (the checkout's .venv), else the one on PATH, else ""."""
    exe = Path(sys.executable).with_name("workbench")
    return str(exe) if exe.exists() else shutil.which("workbench") or ""


def app_command(screen: str = "1600x1000") -> list[str]:
    """`workbench`, under `xvfb-run` with a `screen`-sized X screen when there is no display; skips the calling
    test, saying why, when the executable or Xvfb is missing."""
    exe = workbench_executable()
    if not exe:
        pytest.skip("the workbench console script is not installed (run scripts/setup.sh)")
    if os.environ.get("DISPLAY"):
        return [exe]
    if not shutil.which("xvfb-run"):
        pytest.skip("no display and no xvfb-run: install Xvfb (scripts/setup.sh does)")
    return ["xvfb-run", "-a", "-s", f"-screen 0 {screen}x24", exe]
