"""Named latent directions and their storage in the run folder.

A direction is a unit vector in a model's latent space with a name ("smile", "scale", "pc1", "sefa3"), the
method that found it and a human provenance line, so a direction seen in the list months later still says
where it came from. They are stored in `<run>/latent/` as two files written crash-safely:

- `directions.safetensors`: one float32 tensor per direction (keys `d0`, `d1`, ...);
- `directions.json`: the records (name, method, provenance, score, key) in list order.

Both files carry the same random `token`; a pair that does not match (a save interrupted between the two
renames, a hand-edited file) is reported as corrupt instead of silently mixing old vectors with new names.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from workbench.atomic import atomic_write_bytes, atomic_write_text
from workbench.latent.errors import LatentError

FOLDER = "latent"
TENSOR_FILE = "directions.safetensors"
RECORD_FILE = "directions.json"
FORMAT_VERSION = 1

METHODS = ("class-means", "svm", "logistic", "predictor-svm", "predictor-logistic", "pca", "ganspace", "sefa")


@dataclass(frozen=True)
class Direction:
    """A named unit vector in latent space; `vector` is normalised on construction so every tool can rely
    on unit norm (an edit amount then means the same distance whatever method found the direction)."""

    name: str
    vector: torch.Tensor  # (latent_dim,) float32, unit norm
    method: str
    provenance: str
    score: float | None = None  # boundary accuracy, explained-variance ratio, normalised eigenvalue...

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise LatentError("a direction needs a non-empty name")
        v = torch.as_tensor(self.vector).detach().to("cpu", torch.float32)
        if v.ndim != 1:
            raise LatentError(f"direction {self.name!r}: the vector must be 1-D (latent_dim,), got shape "
                              f"{tuple(v.shape)}")
        norm = float(v.norm())
        if not math.isfinite(norm) or norm < 1e-12:
            raise LatentError(f"direction {self.name!r} has a zero or non-finite vector")
        if abs(norm - 1.0) > 1e-6:  # leave unit vectors bit-exact (a save/load round trip must not drift)
            v = v / norm
        object.__setattr__(self, "vector", v.clone().contiguous())  # the record owns its vector
        if self.score is not None:
            object.__setattr__(self, "score", float(self.score))

    @property
    def latent_dim(self) -> int:
        return int(self.vector.numel())


def directions_paths(run: Any) -> tuple[Path, Path]:
    """(tensor file, record file) of a run; `run` is a Run or a run folder."""
    folder = Path(getattr(run, "latent_path", None) or Path(getattr(run, "path", run)) / FOLDER)  # W: WSpaceFiles
    return folder / TENSOR_FILE, folder / RECORD_FILE


def save_directions(run: Any, directions: Sequence[Direction]) -> Path:
    """Replace the run's saved directions with `directions` (the whole list, in order); returns the JSON path.

    Names must be unique (they are how the user and the sliders refer to a direction) and all vectors must
    have the same length.
    """
    from safetensors.torch import save

    names = [d.name for d in directions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise LatentError(f"direction names must be unique; repeated: {', '.join(duplicates)}")
    dims = {d.latent_dim for d in directions}
    if len(dims) > 1:
        raise LatentError(f"directions of different lengths cannot be saved together: {sorted(dims)}")
    tensor_path, record_path = directions_paths(run)
    token = uuid.uuid4().hex
    tensors = {f"d{i}": d.vector.contiguous() for i, d in enumerate(directions)}
    records = [{"key": f"d{i}", "name": d.name, "method": d.method, "provenance": d.provenance,
                "score": d.score} for i, d in enumerate(directions)]
    # Vectors first, records last: the JSON is what makes the new set visible.
    atomic_write_bytes(tensor_path, save(tensors, metadata={"token": token, "format_version": str(FORMAT_VERSION)}))
    atomic_write_text(record_path, json.dumps({"format_version": FORMAT_VERSION, "token": token,
                                               "directions": records}, indent=2))
    return record_path


def load_directions(run: Any, latent_dim: int | None = None) -> list[Direction]:
    """The run's saved directions in order; [] when none were saved.

    Raises LatentError when the files are unreadable, do not match each other, or (with `latent_dim`) hold
    vectors of another length than the model's latent space.
    """
    from safetensors import safe_open

    tensor_path, record_path = directions_paths(run)
    if not record_path.exists() and not tensor_path.exists():
        return []
    where = record_path.parent
    try:
        meta = json.loads(record_path.read_text(encoding="utf-8"))
        token = meta["token"]
        records = meta["directions"]
        if not isinstance(records, list):
            raise TypeError("'directions' is not a list")
        with safe_open(str(tensor_path), framework="pt") as f:
            file_token = (f.metadata() or {}).get("token")
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - safe_open has no __iter__
    except Exception as err:  # noqa: BLE001 - JSON, safetensors header and I/O errors alike mean "corrupt"
        raise LatentError(f"the saved directions in {where} are unreadable ({type(err).__name__}: {err}); "
                          f"delete {RECORD_FILE} and {TENSOR_FILE} there to start afresh") from err
    if file_token != token:
        raise LatentError(f"the saved directions in {where} do not match each other ({RECORD_FILE} and "
                          f"{TENSOR_FILE} come from different saves); compute and save them again")
    out = []
    for i, r in enumerate(records):
        try:
            vector = tensors[r["key"]]
            d = Direction(name=str(r["name"]), vector=vector, method=str(r["method"]),
                          provenance=str(r.get("provenance", "")), score=r.get("score"))
        except (KeyError, TypeError, LatentError) as err:
            raise LatentError(f"saved direction #{i} in {where} is corrupt: {err}") from err
        if latent_dim is not None and d.latent_dim != latent_dim:
            raise LatentError(f"saved direction {d.name!r} has {d.latent_dim} dimensions but the model's latent "
                              f"space has {latent_dim}")
        out.append(d)
    return out


def with_direction(directions: Sequence[Direction], new: Direction) -> list[Direction]:
    """The list with `new` added, replacing a direction of the same name in place (saving "smile" again
    overwrites the old "smile" rather than failing on a duplicate)."""
    out = list(directions)
    for i, d in enumerate(out):
        if d.name == new.name:
            out[i] = new
            return out
    return [*out, new]


def canonical_sign(vector: torch.Tensor) -> torch.Tensor:
    """The vector or its negation, whichever has a positive largest-magnitude entry.

    Eigenvectors and principal axes have no sign of their own; fixing one makes "pc1" point the same way on
    every machine and every recomputation, so a saved slider position keeps its meaning.
    """
    v = torch.as_tensor(vector)
    return -v if float(v[int(v.abs().argmax())]) < 0 else v
