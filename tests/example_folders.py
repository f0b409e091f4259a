"""Tiny shipped examples for tests: a trained run copied as an example folder, and a folder's fingerprint."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from workbench.runs import Run
from workbench.runs.examples import write_card


def make_example(run: Run, folder: Path, name: str, optimizer_state: bool = False) -> Path:
    """`run` made into a shipped example: its store out of WAL mode, optionally no optimizer state, a card."""
    target = folder / name
    shutil.copytree(run.path, target, ignore=shutil.ignore_patterns(".lock", "*-wal", "*-shm", "control.json"))
    with sqlite3.connect(target / "metrics.sqlite") as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    if not optimizer_state:
        strip_optimizer_state(target / "checkpoints")
    write_card(target, {
        "example": {"name": name, "title": f"Tiny {name}", "method": run.config.method_name, "dataset": "digits",
                    "summary": "a test example"},
        "training": {"seed": 0, "steps": run.config.train.steps, "cpu_seconds": 1.0, "wall_seconds": 1.0,
                     "threads": 1, "machine": "test", "command": "pytest", "optimizer_state": optimizer_state},
        "quality": {"FID [digits-cnn, 500]": 123.4},
        "files": {},
    })
    return target


def strip_optimizer_state(checkpoints: Path) -> None:
    """Rewrite every checkpoint in `checkpoints` without its optimizers' state (as the shipped examples are)."""
    from workbench.training.checkpoints import load_checkpoint_file, save_checkpoint

    for path in sorted(checkpoints.glob("*.safetensors")):
        state = load_checkpoint_file(path)
        for key in [k for k in state["method"] if k.startswith("opt")]:
            del state["method"][key]
        save_checkpoint(checkpoints, int(path.stem), state)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of `folder` and its content hash (what must not change)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
