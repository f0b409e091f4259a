"""Image files in and out of a translation model, and the absolute-difference map.

Files are decoded with PIL, converted to the model's channels, centre-cropped to a square and resized to the
model's image size (the same preparation as a folder dataset, `workbench.data.folder.load_image`), so a user's
photo meets the network at the size and range it was trained on. Images in the core are float tensors in
[-1, 1] (N×C×H×W); files and arrays that cross threads are uint8 H×W×C.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from workbench.data.folder import IMAGE_EXTENSIONS, load_image
from workbench.translation.errors import TranslationError

__all__ = ["IMAGE_EXTENSIONS", "abs_difference", "load_image_file", "load_label_file", "save_png", "to_uint8"]


def load_image_file(path: str | Path, image_size: int, channels: int) -> torch.Tensor:
    """One image file as a 1×C×S×S tensor in [-1, 1]; TranslationError naming the file when it cannot be read."""
    path = Path(path).expanduser()
    if not path.exists():
        raise TranslationError(f"{path}: no such file")
    if path.is_dir():
        raise TranslationError(f"{path}: is a folder, expected an image file")
    try:
        array = load_image(path, image_size, channels)  # C×H×W in [0, 1]
    except UnidentifiedImageError:
        raise TranslationError(f"{path.name}: not a recognised image format (corrupt, or not an image)") from None
    except Image.DecompressionBombError as err:
        raise TranslationError(f"{path.name}: refused, the image is too large ({err})") from None
    except (OSError, ValueError, SyntaxError) as err:  # truncated data, bad headers, unreadable file
        raise TranslationError(f"{path.name}: cannot decode the image ({err})") from None
    return torch.from_numpy(np.ascontiguousarray(array)).unsqueeze(0).mul(2).sub(1)


def load_label_file(path: str | Path, image_size: int,
                    colors: tuple[tuple[int, int, int], ...]) -> torch.Tensor | None:
    """A label map in SPADE's file format (single-channel or palette image whose pixel value is the class id) as
    the colour label map a label-map model takes, 1×3×S×S in [-1, 1] (ids resized nearest, never blended); None
    when the file is a colour image (a label map drawn in the palette is read as an image). TranslationError
    naming the file when it holds an id the model does not know."""
    from workbench.data.image_files import decode_image
    from workbench.data.label_folders import LABEL_MODES, square_ids
    from workbench.data.label_maps import ids_to_rgb

    path = Path(path).expanduser()
    if not path.is_file():
        return None  # load_image_file words the problem
    image, _reason = decode_image(path)
    if image is None or image.mode not in LABEL_MODES:
        return None
    largest = int(np.asarray(image).max())  # before resizing: an 8-bit copy would wrap 16-bit ids
    if largest >= len(colors):
        raise TranslationError(f"{path.name}: a label map with class id {largest}, but this model knows "
                               f"{len(colors)} classes (ids 0 … {len(colors) - 1})")
    ids = square_ids(image, image_size).astype(np.int64)
    rgb = ids_to_rgb(ids, colors).transpose(2, 0, 1).astype(np.float32) / 127.5 - 1.0
    return torch.from_numpy(np.ascontiguousarray(rgb)).unsqueeze(0)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """N×C×H×W (or C×H×W) in [-1, 1] → uint8 N×H×W×C (or H×W×C): the form that is shown and written."""
    images = torch.as_tensor(images).detach().float().cpu()
    single = images.dim() == 3
    if single:
        images = images.unsqueeze(0)
    if images.dim() != 4:
        raise TranslationError(f"expected images N×C×H×W, got shape {tuple(images.shape)}")
    array = images.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    return array[0] if single else array


def abs_difference(output: torch.Tensor | np.ndarray, reference: torch.Tensor | np.ndarray) -> np.ndarray:
    """|output − reference| averaged over channels, as an H×W float32 map in units of the [0, 1] pixel range.

    Takes tensors in [-1, 1] (C×H×W or 1×C×H×W) or uint8 arrays H×W×C; 0 means identical, 1 means black
    against white. The pixel range (not [-1, 1]) is the unit because that is how people read image errors.
    """
    a, b = _unit_range(output), _unit_range(reference)
    if a.shape != b.shape:
        raise TranslationError(f"cannot compare images of shapes {a.shape} and {b.shape} (H×W×C)")
    return np.abs(a - b).mean(axis=2).astype(np.float32)


def _unit_range(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """An image as float H×W×C in [0, 1]."""
    if isinstance(image, torch.Tensor):
        x = image.detach().float().cpu()
        if x.dim() == 4:
            if x.shape[0] != 1:
                raise TranslationError(f"expected one image, got a batch of {x.shape[0]}")
            x = x[0]
        if x.dim() != 3:
            raise TranslationError(f"expected an image C×H×W, got shape {tuple(x.shape)}")
        return ((x.clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    return array.astype(np.float32)


def save_png(image: np.ndarray, path: Path) -> Path:
    """Write a uint8 H×W×C image as PNG, crash-safe: a temporary file in the same folder, then a rename.

    A batch that is cancelled or killed mid-write therefore never leaves a half-written PNG behind.
    """
    array = np.asarray(image, dtype=np.uint8)
    picture = Image.fromarray(array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array)
    fd, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            picture.save(handle, format="PNG")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
