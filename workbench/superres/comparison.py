"""Side-by-side views of one image upscaled by bicubic interpolation and by trained SR models, with PSNR / SSIM.

An image a user opens is either the high-resolution original (HR: it is cropped to a multiple of the scale,
as SR benchmarks do, and its low-resolution version is made by an antialiased bicubic downscale, as the
training data is) or a low-resolution image with no original (only the upscaled views, no metrics).
`build_comparison` returns the views in reading order: "LR (nearest)", "bicubic", one per model, and "HR" when
it is known; every view is uint8 H×W×3 at the HR size, so the same pixel coordinates line up in all of them.
Metrics follow `workbench.superres.metrics` (RGB, a border of `scale` pixels cropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from workbench.data.image_files import ImageValueError, to_8bit, upright
from workbench.superres.errors import SuperResolutionError
from workbench.superres.metrics import CONVENTION, sr_psnr, sr_ssim

VIEW_LR = "LR (nearest)"
VIEW_BICUBIC = "bicubic"
VIEW_HR = "HR"
MAX_HR_PIXELS = 4096 * 4096  # ~16.8 megapixels per view: five views of that size are already 250 MB
SSIM_WINDOW = 11  # the Gaussian window (σ = 1.5) SSIM slides over the image: smaller crops have no SSIM
DEFAULT_SCALE = 4  # the scale of the bicubic baseline when no model is chosen (DataConfig.scale's default)
EXAMPLES_DATASET = "sr-photos"


@dataclass(frozen=True)
class ComparisonView:
    """One named image at the HR size with its scores against HR (None when there is no HR to compare to)."""

    name: str
    image: np.ndarray  # uint8 H×W×3
    kind: str  # "lr", "bicubic", "model" or "hr"
    psnr: float | None = None
    ssim: float | None = None
    detail: str = ""  # e.g. the model's run and step

    @property
    def caption(self) -> str:
        """The metrics line shown under the view."""
        if self.kind == "hr":
            return "reference (original)"
        if self.psnr is None and self.ssim is None:
            return "no HR: no metrics"
        parts = []
        if self.psnr is not None:
            parts.append("PSNR ∞" if np.isinf(self.psnr) else f"PSNR {self.psnr:.2f} dB")
        parts.append(f"SSIM {self.ssim:.4f}" if self.ssim is not None else "SSIM n/a (too small)")
        return " · ".join(parts)


@dataclass(frozen=True)
class Comparison:
    """The views of one input image, the scale, and what was done to the input."""

    views: tuple[ComparisonView, ...]
    scale: int
    lr: np.ndarray  # uint8 h×w×3, what the models were given
    hr: np.ndarray | None  # uint8 H×W×3 (cropped to a multiple of the scale), None for a low-resolution input
    source: str = ""  # where the image came from (a file name, "sr-photos test #3")
    notes: tuple[str, ...] = field(default=())  # cropping, channel conversion, missing SSIM

    @property
    def has_hr(self) -> bool:
        return self.hr is not None

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of every view."""
        return self.views[0].image.shape[:2]

    @property
    def convention(self) -> str:
        """The metric convention line for this scale (shown in the pane and printed in the export)."""
        return CONVENTION.format(border=self.scale)

    def view(self, name: str) -> ComparisonView:
        for view in self.views:
            if view.name == name:
                return view
        raise KeyError(f"no view {name!r}; views: {', '.join(v.name for v in self.views)}")

    def describe(self) -> str:
        """One line: the input, its role, and the sizes."""
        h, w = self.size
        lh, lw = self.lr.shape[:2]
        what = f"{self.source}: " if self.source else ""
        if self.has_hr:
            return (f"{what}HR {w}×{h} → LR {lw}×{lh} (bicubic ÷{self.scale}, antialiased) → upscaled ×{self.scale} "
                    f"to {w}×{h}")
        return f"{what}LR {lw}×{lh} → upscaled ×{self.scale} to {w}×{h} (no HR: no metrics)"


# ---- images -----------------------------------------------------------------------------------------------------
def to_rgb(image: np.ndarray) -> np.ndarray:
    """uint8 H×W, H×W×1, H×W×3 or H×W×4 (alpha dropped) → C-contiguous uint8 H×W×3."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise SuperResolutionError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise SuperResolutionError(f"expected an H×W, H×W×1, H×W×3 or H×W×4 image, got shape {image.shape}")
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])


def to_gray_rgb(image: np.ndarray) -> np.ndarray:
    """RGB → luma (ITU-R 601, as PIL's "L"), repeated to 3 channels so that it is still shown as RGB."""
    gray = np.asarray(Image.fromarray(to_rgb(image)).convert("L"))
    return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))


def read_image(path: str | Path) -> np.ndarray:
    """An image file as uint8 H×W×3 (grayscale repeated, alpha dropped, EXIF orientation applied, high bit depths
    scaled by `workbench.data.image_files.to_8bit`); SuperResolutionError if unreadable."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise SuperResolutionError(f"{path}: no such file")
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_HR_PIXELS:  # the header's size: refused before decoding
                raise SuperResolutionError(f"{path.name}: {img.width}×{img.height} is too large (at most "
                                           f"{MAX_HR_PIXELS:,} pixels); crop it first")
            img.load()
            if img.width < 1 or img.height < 1:
                raise SuperResolutionError(f"{path.name}: the image has no pixels")
            rgb = to_8bit(upright(img), 3)  # 16-bit and float images scaled, not clipped
            return np.array(rgb, dtype=np.uint8)  # a writable copy
    except ImageValueError as err:
        raise SuperResolutionError(f"{path.name}: {err.reason}") from None
    except UnidentifiedImageError:
        raise SuperResolutionError(f"{path.name}: not a recognised image format") from None
    except Image.DecompressionBombError as err:
        raise SuperResolutionError(f"{path.name}: refused: {err}") from None
    except (OSError, ValueError, SyntaxError) as err:  # truncated data, bad headers
        raise SuperResolutionError(f"{path.name}: cannot decode the image: {err}") from None


def crop_to_multiple(image: np.ndarray, scale: int) -> np.ndarray:
    """The top-left H' × W' of `image` with H', W' multiples of `scale` (SR benchmarks' "modcrop")."""
    h, w = image.shape[:2]
    return np.ascontiguousarray(image[:h - h % scale, :w - w % scale])


def _tensor(image: np.ndarray) -> torch.Tensor:
    image = np.ascontiguousarray(image)
    if not image.flags.writeable:  # read-only arrays (from PIL) cannot be shared with torch
        image = image.copy()
    return torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255.0)


def _uint8(tensor: torch.Tensor) -> np.ndarray:
    return tensor[0].clamp(0, 1).mul(255.0).round().byte().permute(1, 2, 0).contiguous().numpy()


def bicubic_downscale(hr: np.ndarray, scale: int) -> np.ndarray:
    """uint8 H×W×C → uint8 (H/scale)×(W/scale)×C by PIL's antialiased bicubic filter: the very function the
    super-resolution datasets make their LR inputs with, so the models see what they were trained on.

    H and W must be multiples of `scale` (see `crop_to_multiple`)."""
    from workbench.data.image_pairs import bicubic_downscale as downscale_batch

    h, w = hr.shape[:2]
    if h % scale or w % scale:
        raise SuperResolutionError(f"{w}×{h} is not a multiple of the scale ×{scale}; crop it first")
    return np.ascontiguousarray(downscale_batch(np.ascontiguousarray(hr)[None], scale)[0])


def bicubic_upscale(lr: np.ndarray, scale: int) -> np.ndarray:
    """uint8 h×w×C → uint8 (h·scale)×(w·scale)×C by bicubic interpolation (the baseline every SR paper reports)."""
    h, w = lr.shape[:2]
    out = F.interpolate(_tensor(lr), size=(h * scale, w * scale), mode="bicubic", align_corners=False)
    return _uint8(out)


def nearest_upscale(lr: np.ndarray, scale: int) -> np.ndarray:
    """uint8 h×w×C → every pixel repeated scale × scale times: the LR image shown at the HR size."""
    return np.ascontiguousarray(np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1))


# ---- the comparison ---------------------------------------------------------------------------------------------
def common_scale(models: Sequence, scale: int | None = None) -> int:
    """The one scale of `models` (or `scale`, or DEFAULT_SCALE without models); refuses models that differ."""
    scales = {int(m.scale) for m in models}
    if len(scales) > 1:
        described = ", ".join(f"{m.label} is ×{m.scale}" for m in models)
        raise SuperResolutionError(f"models of different scales cannot be compared on one image ({described}); "
                                   f"choose models with the same scale")
    if scales:
        (found,) = scales
        if scale is not None and scale != found:
            raise SuperResolutionError(f"scale ×{scale} was asked for but the models upscale ×{found}")
        return found
    chosen = DEFAULT_SCALE if scale is None else int(scale)
    if chosen < 2:
        raise SuperResolutionError(f"scale ×{chosen}: must be at least 2")
    return chosen


def _channels(models: Sequence) -> int:
    channels = {int(m.channels) for m in models}
    if len(channels) > 1:
        described = ", ".join(f"{m.label} has {m.channels}" for m in models)
        raise SuperResolutionError(f"models with different channel counts cannot be compared on one image "
                                   f"({described})")
    return channels.pop() if channels else 3


def _model_output(model, lr: np.ndarray) -> np.ndarray:  # noqa: ANN001 - a SuperResolutionModel
    """The model's upscaling of RGB `lr` as RGB (a 1-channel model gets the luma and its output is repeated)."""
    x = lr[:, :, :1] if model.channels == 1 else lr
    return to_rgb(model.upscale_uint8(np.ascontiguousarray(x)))


def build_comparison(image: np.ndarray, models: Sequence = (), *, as_lr: bool = False, scale: int | None = None,
                     source: str = "") -> Comparison:
    """The views of `image` (uint8 H×W[×C]): LR (nearest), bicubic, one per model, and HR unless `as_lr`.

    `models` are SuperResolutionModels of one scale (else SuperResolutionError); `scale` is used when there are
    none. With HR known, each view but HR gets PSNR and SSIM against it.
    """
    unique: dict[str, object] = {}
    for model in models:
        unique.setdefault(model.label, model)  # a run chosen twice shows once
    models = list(unique.values())
    s = common_scale(models, scale)
    channels = _channels(models)
    rgb = to_rgb(image)
    notes: list[str] = []
    if channels == 1 and not _is_gray(rgb):
        rgb = to_gray_rgb(rgb)
        notes.append("converted to grayscale (luma) for the 1-channel models")
    h, w = rgb.shape[:2]
    hr: np.ndarray | None = None
    if as_lr:
        lr = rgb
        if h * w * s * s > MAX_HR_PIXELS:
            raise SuperResolutionError(f"a {w}×{h} image upscaled ×{s} would have {h * w * s * s:,} pixels (at most "
                                       f"{MAX_HR_PIXELS:,}); crop it first")
    else:
        if min(h, w) < 2 * s:
            raise SuperResolutionError(f"a {w}×{h} image is too small to use as HR at ×{s} (at least {2 * s}×{2 * s} "
                                       f"pixels); tick “treat as low-resolution” to upscale it instead")
        hr = crop_to_multiple(rgb, s)
        if hr.shape[:2] != (h, w):
            notes.append(f"HR cropped from {w}×{h} to {hr.shape[1]}×{hr.shape[0]} (a multiple of ×{s})")
        lr = bicubic_downscale(hr, s)
    upscaled: list[ComparisonView] = [
        ComparisonView(VIEW_LR, nearest_upscale(lr, s), "lr", detail=f"the {lr.shape[1]}×{lr.shape[0]} input, "
                                                                      f"each pixel repeated {s}×{s}"),
        ComparisonView(VIEW_BICUBIC, bicubic_upscale(lr, s), "bicubic", detail=f"bicubic interpolation ×{s}"),
    ]
    for model in models:
        detail = f"checkpoint step {model.step}" if model.step is not None else model.display_name
        upscaled.append(ComparisonView(model.label, _model_output(model, lr), "model", detail=detail))
    if hr is None:
        return Comparison(tuple(upscaled), s, lr, None, source, tuple(notes))
    with_ssim = min(hr.shape[:2]) - 2 * s >= SSIM_WINDOW
    if not with_ssim:
        notes.append(f"no SSIM: {hr.shape[1]}×{hr.shape[0]} minus the {s}-pixel border is smaller than SSIM's "
                     f"{SSIM_WINDOW}×{SSIM_WINDOW} window")
    scored = [ComparisonView(v.name, v.image, v.kind, sr_psnr(v.image, hr, s),
                             sr_ssim(v.image, hr, s) if with_ssim else None, v.detail) for v in upscaled]
    scored.append(ComparisonView(VIEW_HR, hr, "hr", detail="the original"))
    return Comparison(tuple(scored), s, lr, hr, source, tuple(notes))


def _is_gray(rgb: np.ndarray) -> bool:
    return bool(np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 0], rgb[:, :, 2]))


# ---- examples from the built-in data ----------------------------------------------------------------------------
def held_out_examples(count: int = 12, image_size: int = 128, scale: int = 2) -> list[tuple[str, np.ndarray]]:
    """Up to `count` held-out HR crops of the built-in sr-photos data (its test split: photos no training crop
    comes from), spread over the split: (name, uint8 image_size×image_size×3) pairs, to open as HR."""
    from workbench.config import ConfigError, DataConfig
    from workbench.data.build import build_dataset

    try:
        config = DataConfig(name=EXAMPLES_DATASET, image_size=image_size, channels=3, scale=scale, batch_size=1)
        dataset = build_dataset(config, split="test")
    except ConfigError as err:
        raise SuperResolutionError(f"cannot build the {EXAMPLES_DATASET} examples: {err}") from err
    n = min(int(count), len(dataset))
    if n == 0:
        return []
    # evenly spread over the split, which lists the crops photo by photo: every held-out photo is represented
    indices = torch.from_numpy(np.linspace(0, len(dataset) - 1, n).round().astype(np.int64))
    _, hr = dataset.get_batch(indices)
    images = hr.clamp(-1, 1).add(1).mul(127.5).round().byte().permute(0, 2, 3, 1).contiguous().numpy()
    return [(f"{EXAMPLES_DATASET} test #{int(i)}", to_rgb(image)) for i, image in zip(indices, images, strict=True)]
