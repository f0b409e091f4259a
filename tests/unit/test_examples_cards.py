"""The shipped examples (workbench/models/<name>/): each is a complete run folder with a valid model card, every
file it ships is listed in the card, the whole folder stays within the size limit, and the final checkpoint
loads with finite weights. Fast: nothing is retrained (scripts/train_examples.py does that)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import tomllib
import torch

# WORKBENCH_EXAMPLES (the app's own override of the examples folder) checks another folder, e.g. a staging one.
MODELS = Path(os.environ.get("WORKBENCH_EXAMPLES") or Path(__file__).resolve().parents[2] / "workbench" / "models")
SIZE_LIMIT = 70_000_000  # bytes (70 MB): the whole folder, as it goes into git and the wheel
REQUIRED = {
    "example": ("name", "title", "method", "dataset", "summary"),
    "training": ("seed", "steps", "cpu_seconds", "wall_seconds", "threads", "machine", "command", "optimizer_state"),
}
RUN_FILES = ("run.toml", "metrics.sqlite", "card.toml")
LEFTOVERS = ("metrics.sqlite-wal", "metrics.sqlite-shm", "metrics.sqlite-journal", ".lock", ".meta.lock",
             "control.json")


def example_folders() -> list[Path]:
    if not MODELS.is_dir():
        return []
    return sorted(p for p in MODELS.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def read_card(folder: Path) -> dict:
    return tomllib.loads((folder / "card.toml").read_text(encoding="utf-8"))


FOLDERS = example_folders()
pytestmark = pytest.mark.skipif(not FOLDERS, reason="no examples in workbench/models")


def test_total_size_within_limit() -> None:
    total = sum(p.stat().st_size for p in MODELS.rglob("*") if p.is_file())
    assert total <= SIZE_LIMIT, f"workbench/models holds {total / 1e6:.1f} MB, over the 60 MB limit"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_card_is_valid(folder: Path) -> None:
    card = read_card(folder)
    for table, keys in REQUIRED.items():
        for key in keys:
            assert key in card.get(table, {}), f"{folder.name}/card.toml: [{table}] lacks {key}"
    example, training = card["example"], card["training"]
    assert example["name"] == folder.name
    assert isinstance(training["steps"], int) and training["steps"] > 0
    assert training["cpu_seconds"] > 0 and training["wall_seconds"] > 0
    assert isinstance(training["optimizer_state"], bool)
    assert f"--only {folder.name}" in training["command"]
    quality = card.get("quality", {})
    assert quality, f"{folder.name}: no quality figures"
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in quality.values())


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_files_exist_and_are_listed(folder: Path) -> None:
    listed = read_card(folder).get("files", {})
    assert listed, f"{folder.name}: card has no [files] table"
    for key in listed:
        assert (folder / key.rstrip("/")).exists(), f"{folder.name}: card lists {key}, which is missing"
    for name in RUN_FILES:
        assert (folder / name).is_file(), f"{folder.name}: {name} missing"
    for name in LEFTOVERS:
        assert not (folder / name).exists(), f"{folder.name}: {name} must not ship"
    for path in folder.rglob("*"):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            covered = rel in listed or any(k.endswith("/") and rel.startswith(k) for k in listed)
            assert covered, f"{folder.name}: {rel} is not listed in card.toml [files]"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_one_final_checkpoint_loads_with_finite_weights(folder: Path) -> None:
    from workbench.config import read_toml_file
    from workbench.training.checkpoints import load_checkpoint_file

    tensors = sorted((folder / "checkpoints").glob("*.safetensors"))
    assert len(tensors) == 1, f"{folder.name}: expected one checkpoint, found {[p.name for p in tensors]}"
    assert tensors[0].with_suffix(".json").is_file()
    card = read_card(folder)
    assert int(tensors[0].stem) == card["training"]["steps"]
    state = load_checkpoint_file(tensors[0])  # verifies the structure and the tensors' hashes
    assert state["step"] == card["training"]["steps"]
    weights = []

    def walk(obj: object) -> None:
        if isinstance(obj, torch.Tensor):
            weights.append(obj)
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)

    walk(state["method"])
    floats = [w for w in weights if w.is_floating_point()]
    assert floats and all(bool(torch.isfinite(w).all()) for w in floats)
    optimizers = [v for v in state["method"].values() if isinstance(v, dict) and set(v) == {"state", "param_groups"}]
    assert optimizers, f"{folder.name}: the checkpoint has no optimizer entries (the app's loader needs them)"
    has_optimizer = any(opt["state"] for opt in optimizers)
    assert has_optimizer == card["training"]["optimizer_state"]
    method = read_toml_file(folder / "run.toml")["method"]
    assert method.get("name", card["example"]["method"]) == card["example"]["method"]


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_curves_are_thinned_evenly_and_end_at_the_last_step(folder: Path) -> None:
    """Packaging keeps one step in k of the per-step scalars (≤ 2,000 points a curve) and each curve's last step;
    the card's [files] says which k."""
    import re
    import sqlite3
    from contextlib import closing

    steps = read_card(folder)["training"]["steps"]
    with closing(sqlite3.connect(f"file:{folder / 'metrics.sqlite'}?mode=ro", uri=True)) as con:
        rows = con.execute("SELECT tag, COUNT(*), MAX(step) FROM scalars WHERE metric = 0 GROUP BY tag").fetchall()
        gaps = {g for (g,) in con.execute(
            "SELECT DISTINCT s.step - (SELECT MAX(p.step) FROM scalars p WHERE p.tag = s.tag AND p.step < s.step "
            "AND p.metric = 0) FROM scalars s WHERE s.metric = 0 AND s.tag = (SELECT MIN(tag) FROM scalars "
            "WHERE metric = 0)") if g is not None}
    assert rows, f"{folder.name}: no training curves"
    assert all(count <= 2001 and last == steps for _tag, count, last in rows), rows[:3]
    described = read_card(folder)["files"]["metrics.sqlite"]
    stride = int(m.group(1)) if (m := re.search(r"one step in (\d+)", described)) else 1
    assert gaps <= {stride, steps % stride or stride}, f"{folder.name}: steps between points {sorted(gaps)}"
