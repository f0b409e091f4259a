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


def complete_checkpoints(folder: Path) -> list[CheckpointFiles]:
    """Complete checkpoints in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for meta in folder.glob("*.json"):
        if not meta.stem.isdigit():
            continue
        files = checkpoint_files(folder, int(meta.stem))
        if is_complete(files):
            found.append(files)
    return sorted(found, key=lambda f: f.step)


def latest_checkpoint(folder: Path) -> CheckpointFiles | None:
    found = complete_checkpoints(folder)
    return found[-1] if found else None
