"""Pinned codes: the latent codes every explorer tool takes its inputs from, their provenance, and their files.

A run keeps its pinned codes in `<run>/latent/codes.safetensors` (the vectors) and `codes.json` (names,
labels, provenance and a checksum of the tensor file), both written crash-safely; a file that was edited or
cut short is reported as a LatentError, never loaded half-way. Images from users' files are converted to the
model's channels and size here too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors_bytes
from safetensors.torch import save as save_tensors_bytes

from workbench.atomic import atomic_write_bytes, atomic_write_text
from workbench.latent.errors import LatentError
from workbench.runs.run import Run

FORMAT = "workbench-latent-codes-1"
SOURCES = ("prior", "encoded", "inverted", "interpolated", "arithmetic", "edited")
TENSOR_FILE = "codes.safetensors"
INDEX_FILE = "codes.json"


@dataclass(frozen=True)
class PinnedCode:
    """One code on the pinned strip, with where it came from."""

    name: str  # "seed 7", "digits #12", "inverted face.png", "A−B+C"
    z: torch.Tensor  # (latent_dim,) float32 on the CPU
    label: int | None  # class for conditional models, else None
    source: str  # "prior", "encoded", "inverted", "interpolated", "arithmetic", "edited"
    detail: str = ""  # e.g. "seed=7", "dataset index 12", "file /x/y.png, loss 0.012, 3 restarts"


def latent_folder(run: Run) -> Path:
    """Where a run keeps what the latent explorer saves (codes, directions)."""
    return Path(getattr(run, "latent_path", None) or Path(run.path) / "latent")  # W's files: WSpaceFiles


# --- files -------------------------------------------------------------------------------------------------------
def save_codes(run: Run, codes: Sequence[PinnedCode]) -> Path:
    """Write the codes to <run>/latent/ (tensors first, the JSON index last); returns the index file's path."""
    tensors: dict[str, torch.Tensor] = {}
    entries: list[dict[str, Any]] = []
    for i, code in enumerate(codes):
        z = torch.as_tensor(code.z).detach().float().cpu().reshape(-1).contiguous()
        if z.numel() == 0 or not torch.isfinite(z).all():
            raise LatentError(f"pinned code {code.name!r} is empty or not finite; it cannot be saved")
        key = f"code_{i}"
        tensors[key] = z
        entries.append({"name": str(code.name), "tensor": key, "label": None if code.label is None else int(code.label),
                        "source": str(code.source), "detail": str(code.detail)})
    data = save_tensors_bytes(tensors)
    folder = latent_folder(run)
    atomic_write_bytes(folder / TENSOR_FILE, data)
    index = {"format": FORMAT, "sha256": hashlib.sha256(data).hexdigest(), "codes": entries}
    path = folder / INDEX_FILE
    atomic_write_text(path, json.dumps(index, indent=1, ensure_ascii=False))
    return path


def load_codes(run: Run) -> list[PinnedCode]:
    """The codes saved in the run ([] when none were saved); LatentError when the files are damaged."""
    folder = latent_folder(run)
    index_path, tensor_path = folder / INDEX_FILE, folder / TENSOR_FILE
    if not index_path.exists():
        return []
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        data = tensor_path.read_bytes()
    except FileNotFoundError as err:
        raise LatentError(f"{tensor_path} is missing: the saved codes cannot be loaded") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise LatentError(f"{index_path} cannot be read ({err}); the saved codes are damaged") from err
    if not isinstance(index, dict) or index.get("format") != FORMAT or not isinstance(index.get("codes"), list):
        raise LatentError(f"{index_path} is not a pinned-codes file of this version ({FORMAT})")
    if index.get("sha256") != hashlib.sha256(data).hexdigest():
        raise LatentError(f"{tensor_path} does not match {index_path.name} (changed or cut short); "
                          "the saved codes are damaged")
    try:
        tensors = load_tensors_bytes(data)
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise LatentError(f"{tensor_path} cannot be read ({err}); the saved codes are damaged") from err
    try:
        return [_entry_code(entry, tensors) for entry in index["codes"]]
    except (KeyError, TypeError, ValueError) as err:
        raise LatentError(f"{index_path} has a damaged entry ({err})") from err


def _entry_code(entry: dict[str, Any], tensors: dict[str, torch.Tensor]) -> PinnedCode:
    z = tensors[entry["tensor"]]
    if z.ndim != 1:
        raise ValueError(f"code {entry['tensor']!r} has shape {tuple(z.shape)}, expected a vector")
    label = entry.get("label")
    return PinnedCode(name=str(entry["name"]), z=z.float(), label=None if label is None else int(label),
                      source=str(entry["source"]), detail=str(entry.get("detail", "")))


# --- making codes ------------------------------------------------------------------------------------------------
def prior_code(space: Any, seed: int, label: int | None = None) -> PinnedCode:
    """The prior sample of `seed` (the same seed always gives the same code); a conditional model's class is
    `label` (class 0 when None)."""
    z = space.prior(1, seed=seed)[0]
    name, detail = f"seed {seed}", f"seed={seed}"
    if space.classes:
        label = int(space.checked_labels(label, 1)[0])
        name += f" · {space.classes[label]}"
        detail += f", class {space.classes[label]}"
    else:
        label = None
    return PinnedCode(name=name, z=z, label=label, source="prior", detail=detail)


def encoded_codes(space: Any, images: torch.Tensor, names: Sequence[str],
                  labels: torch.Tensor | None = None, details: Sequence[str] | None = None) -> list[PinnedCode]:
    """Encode real images into pinned codes (one per image, named by `names`); LatentError without an encoder.

    A conditional VAE encodes with `labels`, or with each image's best-fitting class when they are not given.
    """
    if len(names) != images.shape[0]:
        raise LatentError(f"{images.shape[0]} images need {images.shape[0]} names, got {len(names)}")
    if details is not None and len(details) != len(names):
        raise LatentError(f"{len(names)} images need {len(names)} details, got {len(details)}")
    if space.classes and space.has_encoder:
        labels = space.classify(images) if labels is None else space.checked_labels(labels, images.shape[0])
    codes = space.encode(images, labels)
    out = []
    for i, name in enumerate(names):
        label = int(labels[i]) if space.classes and labels is not None else None
        detail = details[i] if details is not None else f"encoded by {space.method_name}"
        out.append(PinnedCode(name=str(name), z=codes[i].clone(), label=label, source="encoded", detail=detail))
    return out


def load_image_file(path: str | Path, image_shape: tuple[int, int, int]) -> torch.Tensor:
    """A user's image file (PNG, JPEG, BMP...) as the model sees images: 1×C×H×W in [-1, 1].

    Converted to grayscale or RGB, centre-cropped to the model's aspect ratio and resized (bicubic); EXIF
    rotation is applied. LatentError naming the file when it cannot be read as an image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    from workbench.data.image_files import open_image, to_8bit

    path = Path(path).expanduser()
    channels, height, width = (int(v) for v in image_shape)
    if channels not in (1, 3):
        raise LatentError(f"cannot convert {path.name} to {channels} channels (only 1 or 3)")
    try:
        img = to_8bit(open_image(path), channels)  # upright; 16-bit and float images scaled, not clipped
        img = ImageOps.fit(img, (width, height), method=Image.Resampling.BICUBIC)
        array = np.asarray(img, dtype=np.float32) / 127.5 - 1.0
    except FileNotFoundError as err:
        raise LatentError(f"image file {path} does not exist") from err
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as err:
        raise LatentError(f"{path.name} cannot be read as an image ({err})") from err
    tensor = torch.from_numpy(array)
    tensor = tensor[None] if channels == 1 else tensor.permute(2, 0, 1)
    return tensor.unsqueeze(0).clamp(-1, 1).contiguous()
