"""Shared test set-up: no display needed (Qt offscreen) and a throwaway workspace per test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Runs in tests skip the background classifier that judges class coverage (tested on its own).
os.environ.setdefault("WORKBENCH_CLASS_COVERAGE", "0")  # 2 threads on 2 busy cores thrash

import pytest  # noqa: E402


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A Workspace in a temporary folder, also exported as WORKBENCH_WORKSPACE for subprocesses."""
    from workbench.runs import Workspace

    monkeypatch.setenv("WORKBENCH_WORKSPACE", str(tmp_path / "ws"))
    return Workspace(tmp_path / "ws")
