"""Finding complete checkpoints on disk (torch-free).

A checkpoint at step S is the pair `S.safetensors` (every tensor) + `S.json` (everything else, plus the
tensor file's size and SHA-256). The JSON is written last, so its presence and a matching tensor file mean
the checkpoint is complete; anything else is a torn write and is ignored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MAX_META_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CheckpointFiles:
    step: int
    tensors: Path
    meta: Path


def checkpoint_files(folder: Path, step: int) -> CheckpointFiles:
    return CheckpointFiles(step, folder / f"{step:010d}.safetensors", folder / f"{step:010d}.json")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_meta(files: CheckpointFiles) -> dict:
    if files.meta.stat().st_size > MAX_META_BYTES:
        raise ValueError(f"{files.meta} is larger than {MAX_META_BYTES} bytes")
    return json.loads(files.meta.read_text(encoding="utf-8"))


def is_complete(files: CheckpointFiles) -> bool:
    """Both files present and the tensor file has the size the metadata recorded."""
    try:
        meta = read_meta(files)
        return files.tensors.stat().st_size == int(meta["tensors_bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def files_by_step(folder: Path, suffix: str = ".json") -> list[tuple[int, Path]]:
    """(step, path) of the files named `<step><suffix>` in `folder` (checkpoints, evaluations), by step."""
    if not folder.is_dir():
        return []
    return sorted((int(p.stem), p) for p in folder.glob(f"*{suffix}") if p.stem.isdigit())


def complete_checkpoints(folder: Path) -> list[CheckpointFiles]:
    """Complete checkpoints in `folder`, oldest first."""
    found = []
    for step, _ in files_by_step(folder):
        files = checkpoint_files(folder, step)
        if is_complete(files):
            found.append(files)
    return sorted(found, key=lambda f: f.step)


def damaged_checkpoints(folder: Path, unfinished: bool = True) -> list[str]:
    """Why each checkpoint step present in `folder` is not a complete checkpoint ("step 100: ..."), oldest first:
    told to the user instead of "no checkpoint yet" when files are there but none can be loaded.

    `unfinished=False` leaves out tensor files without metadata: a write cut short (the metadata is written
    last), never a checkpoint that was complete, so training may write over it."""
    if not folder.is_dir():
        return []
    steps = sorted({int(p.stem) for p in folder.iterdir() if p.stem.isdigit() and p.suffix in (".json",
                                                                                                ".safetensors")})
    reasons = []
    for step in steps:
        files = checkpoint_files(folder, step)
        if not files.meta.exists():
            if not unfinished:
                continue
            reasons.append(f"step {step}: tensor file without its metadata ({files.meta.name} missing; a write "
                           "that did not finish)")
            continue
        try:
            meta = read_meta(files)
            expected = int(meta["tensors_bytes"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            reasons.append(f"step {step}: metadata {files.meta.name} unreadable ({type(err).__name__}: {err})")
            continue
        if not files.tensors.exists():
            reasons.append(f"step {step}: {files.tensors.name} missing")
        elif files.tensors.stat().st_size != expected:
            reasons.append(f"step {step}: {files.tensors.name} has {files.tensors.stat().st_size:,} bytes, its "
                           f"metadata says {expected:,}")
    return reasons


def only_damaged_checkpoints(folder: Path) -> bool:
    """True when checkpoints were written but none is usable: resuming would silently start over."""
    return latest_checkpoint(folder) is None and bool(damaged_checkpoints(folder, unfinished=False))


def latest_checkpoint(folder: Path) -> CheckpointFiles | None:
    found = complete_checkpoints(folder)
    return found[-1] if found else None
