"""A user's image files as the models see them: decoded once, upright, scaled (never clipped) to 8 bits.

PIL's `convert("L")` / `convert("RGB")` clips pixel values above 255, so a 16-bit PNG (mode "I;16"), a 32-bit
integer image ("I") or a float image ("F") would load as nearly white. `to_8bit` scales them first:
- "I;16" (and its byte orders): by 65535;
- "I": by the file's bit depth where the format records it (TIFF's BitsPerSample, signed or not), else by
  65535 when every value fits 16 bits (PGM, older PNG readers); other values cannot be scaled and are refused;
- "F": taken as [0, 1] when every value is within it; other ranges (and NaN) are refused with the range found.
Every other mode (8-bit, palette, CMYK, 16-bit RGB, which PIL reads as 8-bit "RGB") goes through PIL's
`convert` as before, bit for bit. EXIF orientation is applied, so a phone photo is used the way it is shown.
Images smaller than MIN_IMAGE_SIDE on a side are refused: enlarging a few pixels to the training size gives a
blur, not a picture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# The smallest side of a usable image: the built-in digits are 8×8.
MIN_IMAGE_SIDE = 8

_TIFF_BITS_PER_SAMPLE = 258
_TIFF_SAMPLE_FORMAT = 339  # 1 unsigned integer, 2 signed integer, 3 float


class ImageValueError(ValueError):
    """The image decodes but its pixel values cannot be mapped to [0, 1]; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _tiff_depth(image: Image.Image) -> tuple[int | None, bool]:
    """Bits per sample and whether the samples are signed, when the file records them (TIFF)."""
    tags = getattr(image, "tag_v2", None)
    if tags is None:
        return None, False
    bits = tags.get(_TIFF_BITS_PER_SAMPLE)
    if isinstance(bits, tuple):
        bits = bits[0] if bits else None
    sample_format = tags.get(_TIFF_SAMPLE_FORMAT)
    if isinstance(sample_format, tuple):
        sample_format = sample_format[0] if sample_format else None
    return (int(bits) if bits else None), sample_format == 2


def pixel_scale(image: Image.Image) -> float | None:
    """The value that maps to 1.0 for high-bit-depth modes; None for the modes PIL converts correctly itself.

    ImageValueError with the reason when the values cannot be scaled (see the module docstring).
    """
    mode = image.mode
    if mode.startswith("I;16"):
        return 65535.0
    if mode not in ("I", "F"):
        return None
    values = np.asarray(image)
    if mode == "F":
        if not np.isfinite(values).all():
            raise ImageValueError("the 32-bit float pixels include NaN or infinite values")
        low, high = float(values.min()), float(values.max())
        if low < 0.0 or high > 1.0:
            raise ImageValueError(f"32-bit float pixels range from {low:g} to {high:g}; only floats in [0, 1] can be "
                                  f"read (save the image with 8- or 16-bit integers, or scale it to [0, 1])")
        return 1.0
    low, high = int(values.min()), int(values.max())
    if low < 0:
        raise ImageValueError(f"integer pixels go down to {low}; negative values cannot be shown (save the image "
                              f"with unsigned 8- or 16-bit integers)")
    bits, signed = _tiff_depth(image)
    if bits and 1 < bits <= 32:
        return float(2 ** (bits - 1 if signed else bits) - 1)
    if high <= 65535:
        return 65535.0
    raise ImageValueError(f"32-bit integer pixels up to {high} and no bit depth recorded to scale them by (save "
                          f"the image with 8- or 16-bit integers)")


def to_8bit(image: Image.Image, channels: int) -> Image.Image:
    """The image as 8-bit "L" (channels 1) or "RGB" (channels 3), high-bit-depth values scaled, not clipped."""
    mode = "L" if channels == 1 else "RGB"
    scale = pixel_scale(image)
    if scale is None:
        return image if image.mode == mode else image.convert(mode)
    values = np.asarray(image).astype(np.float32)
    gray = np.clip(np.rint(values * np.float32(255.0 / scale)), 0, 255).astype(np.uint8)
    gray_image = Image.fromarray(gray)
    return gray_image if channels == 1 else gray_image.convert(mode)


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (the image itself when it has none)."""
    if "exif" not in image.info and image.format not in ("TIFF", "MPO"):  # nothing to read: skip parsing (per item)
        return image
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(image)
    return image


def image_problem(image: Image.Image) -> str | None:
    """Why a decoded image cannot be used for training (too small, unscalable values), or None."""
    if image.width < MIN_IMAGE_SIDE or image.height < MIN_IMAGE_SIDE:
        return (f"image is {image.width}×{image.height} pixels, smaller than the minimum "
                f"{MIN_IMAGE_SIDE}×{MIN_IMAGE_SIDE}")
    try:
        pixel_scale(image)
    except ImageValueError as err:
        return err.reason
    return None


def open_image(path: Path) -> Image.Image:
    """The file completely decoded and upright; raises PIL's errors (UnidentifiedImageError, OSError, …)."""
    with Image.open(path) as img:
        img.load()
        return upright(img)


def decode_image(path: Path) -> tuple[Image.Image | None, str | None]:
    """The decoded, upright image and None, or None and why the file cannot be used (one decode per file)."""
    try:
        image = open_image(path)
    except UnidentifiedImageError:
        return None, "not a recognised image format"
    except Image.DecompressionBombError as err:
        return None, f"refused: {err}"
    except (OSError, ValueError, SyntaxError) as err:  # truncated data, bad headers
        return None, f"cannot decode: {err}"
    problem = image_problem(image)
    return (None, problem) if problem else (image, None)


def centre_square(image: Image.Image, size: int, resample: Image.Resampling = Image.Resampling.BICUBIC
                  ) -> Image.Image:
    """The largest centred square of `image`, resized to size×size (bicubic for photos, NEAREST for label maps
    whose pixel values are class ids and must never be blended). Cropped before resizing, so no pixel outside the
    square leaks into its edge (a resize `box` would let the filter read past it)."""
    if image.size == (size, size):
        return image
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize((size, size), resample)
