"""A comparison as one PNG: the views side by side, each with its name and PSNR / SSIM under it, then the metric
convention and what was done to the input, so that the figure can be read without the app.

Views are enlarged by a whole-number factor with nearest-neighbour sampling: smoothing would hide exactly the
pixel-level differences between bicubic, SRResNet and SRGAN that the figure is meant to show.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from workbench.superres.comparison import Comparison

PAD = 8  # pixels around and between the views
FONT_SIZE = 13
SMALL_FONT_SIZE = 12
MIN_VIEW_SIDE = 192  # default zoom: the smallest whole number that shows each view at least this large
MAX_ZOOM = 16
BACKGROUND = (255, 255, 255)
TEXT = (20, 20, 20)
MUTED = (90, 90, 90)


def default_zoom(comparison: Comparison) -> int:
    """The smallest whole-number enlargement that makes the longer side of a view at least MIN_VIEW_SIDE."""
    h, w = comparison.size
    return max(1, min(MAX_ZOOM, math.ceil(MIN_VIEW_SIDE / max(h, w))))


# PIL's default font has no σ, ×, ÷ or →: DejaVu Sans (system fonts, or the copy matplotlib ships) is used where it
# is installed, else the default font with those signs spelled in ASCII.
ASCII_SIGNS = {"σ": "sigma", "×": "x", "÷": "/", "→": "->", "∞": "inf", "“": '"', "”": '"', "·": "-", "−": "-"}


@functools.lru_cache(maxsize=1)
def _unicode_font_file() -> str | None:
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    try:
        ImageFont.truetype("DejaVuSans.ttf", 12)  # PIL looks in the system's font folders
        return "DejaVuSans.ttf"
    except OSError:
        return None


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    file = _unicode_font_file()
    return ImageFont.truetype(file, size) if file is not None else ImageFont.load_default(size=size)


def _text(text: str) -> str:
    """`text` as the font can draw it."""
    if _unicode_font_file() is not None:
        return text
    for sign, ascii_text in ASCII_SIGNS.items():
        text = text.replace(sign, ascii_text)
    return text


def _text_width(draw: ImageDraw.ImageDraw, text: str, font) -> int:  # noqa: ANN001 - a PIL font
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    return int(math.ceil(right - left))


def render_comparison(comparison: Comparison, zoom: int | None = None) -> np.ndarray:
    """The figure as uint8 H×W×3: views left to right at `zoom`× (default: `default_zoom`), captions under each,
    the convention and the input's description at the bottom."""
    zoom = default_zoom(comparison) if zoom is None else int(zoom)
    if not 1 <= zoom <= 64:
        raise ValueError(f"zoom {zoom}: must be a whole number in [1, 64]")
    h, w = comparison.size
    font, small = _font(FONT_SIZE), _font(SMALL_FONT_SIZE)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line = FONT_SIZE + 5
    captions = [(_text(view.name), _text(view.caption)) for view in comparison.views]
    widths = [max(w * zoom, _text_width(scratch, a, font) + 4, _text_width(scratch, b, small) + 4) for a, b in captions]
    footer = [_text(t) for t in (comparison.convention, comparison.describe(), *comparison.notes)]
    footer_width = max(_text_width(scratch, text, small) for text in footer)
    width = max(PAD + sum(cw + PAD for cw in widths), footer_width + 2 * PAD)
    caption_top = PAD + h * zoom + 4
    footer_top = caption_top + 2 * line + PAD
    height = footer_top + len(footer) * line + PAD
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    x = PAD
    for view, (name, caption), column in zip(comparison.views, captions, widths, strict=True):
        picture = Image.fromarray(view.image)
        if zoom > 1:
            picture = picture.resize((w * zoom, h * zoom), Image.Resampling.NEAREST)
        canvas.paste(picture, (x + (column - w * zoom) // 2, PAD))
        for row, (text, face, colour) in enumerate(((name, font, TEXT), (caption, small, MUTED))):
            tx = x + (column - _text_width(draw, text, face)) // 2
            draw.text((tx, caption_top + row * line), text, fill=colour, font=face)
        x += column + PAD
    for row, text in enumerate(footer):
        draw.text((PAD, footer_top + row * line), text, fill=TEXT if row == 0 else MUTED, font=small)
    return np.asarray(canvas)


def save_comparison_png(comparison: Comparison, path: str | Path, zoom: int | None = None) -> Path:
    """Write `render_comparison(comparison, zoom)` as a PNG (parent folders are created; ".png" is appended to
    another extension); returns the path written."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".png":
        path = path.with_name(path.name + ".png")  # a PNG is written; the name says so
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(render_comparison(comparison, zoom)).save(path)
    return path
