"""Checkpoints as safetensors (tensors) + JSON (everything else), written crash-safely.

Nested state dicts (networks, optimizers, RNG states, counters) are flattened: every tensor goes to the
safetensors file under its path ("G/net.0.weight", "opt_g/state/3/exp_avg"), and the JSON keeps the
structure with {"__tensor__": key} in the tensors' places. Loading never runs pickled code: safetensors and
JSON only, and a checkpoint that does not match the structure it claims fails with a clear message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_tensors_bytes
from safetensors.torch import save as save_tensors_bytes

from workbench.atomic import atomic_write_bytes, atomic_write_text, remove_stale_temporaries
from workbench.runs.checkpoint_files import (
    CheckpointFiles,
    checkpoint_files,
    complete_checkpoints,
    file_sha256,
    read_meta,
)

FORMAT = "workbench-checkpoint-1"


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded; the message says which file and why."""


class NonFiniteStateError(ValueError):
    """A state with NaN or Inf in a tensor: never written as a checkpoint (it would pass for a good one)."""


def non_finite_tensor(tensors: dict[str, torch.Tensor]) -> str | None:
    """'G/net.0.weight (3 NaN, 0 Inf of 4,096 values)' for the first floating tensor that is not all finite."""
    for key, tensor in tensors.items():
        if not (tensor.is_floating_point() or tensor.is_complex()) or tensor.numel() == 0:
            continue
        finite = torch.isfinite(tensor)
        if not bool(finite.all()):
            nan = int(torch.isnan(tensor).sum())
            return f"{key} ({nan:,} NaN, {int((~finite).sum()) - nan:,} Inf of {tensor.numel():,} values)"
    return None


def flatten_state(state: Any, prefix: str = "") -> tuple[Any, dict[str, torch.Tensor]]:
    """Split a nested state into (JSON-able structure, {key: tensor})."""
    tensors: dict[str, torch.Tensor] = {}

    def walk(obj: Any, path: str) -> Any:
        if isinstance(obj, torch.Tensor):
            tensors[path] = obj.detach().to("cpu").contiguous()
            return {"__tensor__": path}
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj):
                return {k: walk(v, f"{path}/{k}" if path else k) for k, v in obj.items()}
            return {"__items__": [[k, walk(v, f"{path}/{k}")] for k, v in obj.items()]}  # int keys
        if isinstance(obj, tuple):
            return {"__tuple__": [walk(v, f"{path}/{i}") for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [walk(v, f"{path}/{i}") for i, v in enumerate(obj)]
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        raise TypeError(f"cannot store {type(obj).__name__} at {path!r} in a checkpoint")

    return walk(state, prefix), tensors


def unflatten_state(structure: Any, tensors: dict[str, torch.Tensor]) -> Any:
    def walk(obj: Any) -> Any:
        if isinstance(obj, dict):
            if set(obj) == {"__tensor__"}:
                key = obj["__tensor__"]
                if key not in tensors:
                    raise CheckpointError(f"checkpoint metadata names tensor {key!r} that the tensor file lacks")
                return tensors[key]
            if set(obj) == {"__items__"}:
                return {k: walk(v) for k, v in obj["__items__"]}
            if set(obj) == {"__tuple__"}:
                return tuple(walk(v) for v in obj["__tuple__"])
            return {k: walk(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        return obj

    return walk(structure)


def save_checkpoint(folder: Path, step: int, state: dict[str, Any], keep_last: int | None = None) -> Path:
    """Write checkpoint `step` atomically (tensors first, metadata last); prune to the newest `keep_last`."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    files = checkpoint_files(folder, step)
    structure, tensors = flatten_state(state)
    bad = non_finite_tensor(tensors)
    if bad is not None:
        raise NonFiniteStateError(f"not writing checkpoint {step}: tensor {bad} is not finite")
    # safetensors refuses tensors that share storage; views into larger storages are copied out.
    payload = save_tensors_bytes(
        {k: (t.clone() if t.untyped_storage().nbytes() != t.nbytes else t) for k, t in tensors.items()}
    )
    atomic_write_bytes(files.tensors, payload)
    meta = {
        "format": FORMAT,
        "step": step,
        "tensors_file": files.tensors.name,
        "tensors_bytes": len(payload),
        "tensors_sha256": file_sha256(files.tensors),
        "state": structure,
    }
    atomic_write_text(files.meta, json.dumps(meta))
    if keep_last:
        for old in complete_checkpoints(folder)[:-keep_last]:
            old.meta.unlink(missing_ok=True)  # metadata first: a half-pruned pair is simply incomplete
            old.tensors.unlink(missing_ok=True)
    return files.tensors


def load_checkpoint(files: CheckpointFiles) -> dict[str, Any]:
    """Read and verify a checkpoint; raises CheckpointError with the reason when it is unusable."""
    try:
        meta = read_meta(files)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"cannot read {files.meta}: {err}") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = f"format {meta.get('format')!r}" if isinstance(meta, dict) else f"a JSON {type(meta).__name__}"
        raise CheckpointError(f"{files.meta} is not a workbench checkpoint ({found})")
    try:
        data = files.tensors.read_bytes()
    except OSError as err:
        raise CheckpointError(f"cannot read {files.tensors}: {err}") from err
    if len(data) != meta.get("tensors_bytes"):
        raise CheckpointError(f"{files.tensors} has {len(data)} bytes, expected {meta.get('tensors_bytes')}")
    import hashlib

    if hashlib.sha256(data).hexdigest() != meta.get("tensors_sha256"):
        raise CheckpointError(f"{files.tensors} does not match its recorded SHA-256 (corrupt or modified)")
    try:
        tensors = load_tensors_bytes(data)
    except Exception as err:  # safetensors raises its own error types for malformed headers
        raise CheckpointError(f"{files.tensors} is not a valid safetensors file: {err}") from err
    bad = non_finite_tensor(tensors)
    if bad is not None:
        raise CheckpointError(f"{files.tensors}: tensor {bad} is not finite; this checkpoint cannot be used")
    try:
        return unflatten_state(meta["state"], tensors)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{files.meta} has a malformed state structure: {err!r}") from err


def load_checkpoint_file(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint given either of its two files."""
    path = Path(path)
    if not path.stem.isdigit():
        raise CheckpointError(f"{path} is not named like a checkpoint (<step>.safetensors)")
    return load_checkpoint(checkpoint_files(path.parent, int(path.stem)))
