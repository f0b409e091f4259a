"""Built-in `labels2scenes`: semantic label maps → the scenes they describe (SPADE's kind of data, offline).

Each scene has a horizon at a varying height (slightly tilted and wavy; sky above, ground below) and one to
three dSprites shapes (square, ellipse, heart, drawn by `shapes2d.render_factors` at random factors), a later
shape hiding the ones before it. The label map gives every pixel its class; the scene paints each class with its
own texture whose details change from image to image:

    sky      blue vertical gradient, random brightness, soft clouds from smooth noise
    ground   green to brown, smooth noise and furrows of random spacing and phase
    square   red bricks with pale mortar, random brick size and phase, each brick its own shade
    ellipse  yellow and orange stripes at a random angle, spacing and phase
    heart    pink with white dots on a grid of random spacing and phase

plus a random light (overall gain and a linear gradient) and a little grain. The class decides the look, the
image its details: a label map has many right answers, which SPADE's per-class modulation learns and Pix2Pix's
single output tends to average into flat colour.

Everything is drawn from a fixed seed per split (2,000 train scenes, 200 test scenes from another seed, fewer
above 128 px), independent of the run's seed and of the image size except for the grain and the finest
patterns, so every run trains on the same scenes and a resumed run rebuilds them exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import torch

from workbench.config import ConfigError, DataConfig
from workbench.data.image_pairs import PairedImageDataset, build_pairs
from workbench.data.label_maps import ids_to_rgb, palette_colors
from workbench.data.shapes2d import FACTOR_SIZES, render_factors

SCENE_CLASSES = ("sky", "ground", "square", "ellipse", "heart")
SKY, GROUND, FIRST_SHAPE = 0, 1, 2  # shape k of shapes2d (square, ellipse, heart) is class FIRST_SHAPE + k
SCENE_DOMAINS = ("label map", "scene")
SCENE_COUNTS = {"train": 2000, "test": 200}
SCENE_SEEDS = {"train": 7_340_111, "test": 2_260_417}  # fixed, and different: the test scenes are held out
SCENE_BYTES_BUDGET = 100 * 2**20  # fewer scenes at large sizes, so that one side of a split stays near 100 MB
MIN_SCENE_SIZE = 16
MAX_SHAPES = 3
SHAPE_ZOOM = 1.5  # shapes drawn this many times dSprites' size (see _label_ids)
# Smooth noise: random values on a coarse grid (rows, columns), enlarged bicubically; fewer columns than rows
# make clouds wider than tall.
CLOUD_GRID, GROUND_GRID = (7, 3), (8, 8)
GRAIN = 3.0  # standard deviation of the per-pixel grain, in 0 … 255 units


def scene_count(split: str, image_size: int) -> int:
    """2,000 train / 200 test scenes, fewer when they are so large that one side would pass the budget."""
    return max(16, min(SCENE_COUNTS[split], SCENE_BYTES_BUDGET // (image_size * image_size * 3)))


@dataclasses.dataclass(frozen=True)
class LabelScenes:
    """One split: class ids uint8 N×S×S (indices into SCENE_CLASSES) and the scenes uint8 N×S×S×3."""

    ids: np.ndarray
    scenes: np.ndarray


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n).astype(np.float32)


def _scene_parameters(split: str, n: int) -> dict[str, np.ndarray]:
    """Every random choice of the split's scenes, drawn for all SCENE_COUNTS[split] scenes and cut to the first
    `n`, so that fewer scenes (large images) are the first ones of the full set."""
    rng = np.random.default_rng(SCENE_SEEDS[split])
    full = SCENE_COUNTS[split]
    p = {
        "horizon": _uniform(rng, -0.45, 0.35, full),
        "tilt": _uniform(rng, -0.25, 0.25, full),
        "wave": _uniform(rng, 0.0, 0.06, full),
        "wave_freq": _uniform(rng, 1.5, 4.0, full),
        "wave_phase": _uniform(rng, 0.0, 2 * math.pi, full),
        "shapes": rng.integers(1, MAX_SHAPES + 1, full),
        "factors": np.stack([rng.integers(0, size, (full, MAX_SHAPES)) for size in FACTOR_SIZES], -1),
        "gain": _uniform(rng, 0.8, 1.15, full),
        "light_x": _uniform(rng, -0.15, 0.15, full),
        "light_y": _uniform(rng, -0.15, 0.15, full),
        "sky_bright": _uniform(rng, 0.8, 1.1, full),
        "cloud_cover": _uniform(rng, 0.5, 0.85, full),
        "clouds": rng.random((full, *CLOUD_GRID), dtype=np.float32),
        "ground_mix": _uniform(rng, 0.0, 1.0, full),
        "ground": rng.random((full, *GROUND_GRID), dtype=np.float32),
        "furrow_freq": _uniform(rng, 10.0, 24.0, full),
        "furrow_phase": _uniform(rng, 0.0, 2 * math.pi, full),
        "furrow_depth": _uniform(rng, 0.0, 0.15, full),
        "brick": _uniform(rng, 0.1, 0.18, full),
        "brick_x": _uniform(rng, 0.0, 1.0, full),
        "brick_y": _uniform(rng, 0.0, 1.0, full),
        "stripe_angle": _uniform(rng, 0.0, math.pi, full),
        "stripe": _uniform(rng, 0.12, 0.24, full),
        "stripe_phase": _uniform(rng, 0.0, 2 * math.pi, full),
        "dot": _uniform(rng, 0.12, 0.2, full),
        "dot_x": _uniform(rng, 0.0, 1.0, full),
        "dot_y": _uniform(rng, 0.0, 1.0, full),
        "dot_radius": _uniform(rng, 0.2, 0.32, full),
    }
    return {key: value[:n] for key, value in p.items()}


def _smooth_noise(grid: np.ndarray, size: int) -> np.ndarray:
    """Coarse random grids N×h×w → smooth fields N×size×size (bicubic), the same field at every size."""
    field = torch.nn.functional.interpolate(
        torch.from_numpy(grid)[:, None], size=(size, size), mode="bicubic", align_corners=False
    )
    return field[:, 0].numpy()


def _label_ids(p: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Class ids N×S×S: sky above the horizon line, ground below, then the shapes in order, later ones on top."""
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    x, y = grid[None, None, :], grid[None, :, None]
    col = lambda key: p[key][:, None, None]  # noqa: E731 - one value per scene, broadcast over the pixels
    line = col("horizon") + col("tilt") * x + col("wave") * np.sin(col("wave_freq") * x + col("wave_phase"))
    ids = np.where(y < line, SKY, GROUND).astype(np.uint8)  # y grows downwards
    factors = np.concatenate([p["factors"][p["shapes"] > j, j] for j in range(MAX_SHAPES)])
    # Rendered SHAPE_ZOOM times larger and cropped to the middle: shapes big enough to show their texture, and
    # some cut by the image's edge as in a photo. M×S×S, slot by slot.
    rendered = round(size * SHAPE_ZOOM)
    margin = (rendered - size) // 2
    masks = render_factors(torch.from_numpy(factors), rendered)[:, 0].numpy() > 0.5
    masks = masks[:, margin : margin + size, margin : margin + size]
    start = 0
    for j in range(MAX_SHAPES):  # slot j of every scene that has one: later slots paint over earlier ones
        scenes = np.flatnonzero(p["shapes"] > j)
        classes = (FIRST_SHAPE + p["factors"][scenes, j, 0]).astype(np.uint8)[:, None, None]
        ids[scenes] = np.where(masks[start : start + scenes.size], classes, ids[scenes])
        start += scenes.size
    return ids


def _mix(t: np.ndarray, low: tuple[float, ...], high: tuple[float, ...]) -> np.ndarray:
    """Per-pixel blend M → M×3 from colour `low` (t = 0) to `high` (t = 1)."""
    low_array, high_array = np.asarray(low, np.float32), np.asarray(high, np.float32)
    return low_array + t[:, None] * (high_array - low_array)


def _fract(v: np.ndarray) -> np.ndarray:
    return v - np.floor(v)


# The painters: the colours (M×3, 0 … 255) of M pixels of one class; `n` is each pixel's scene, (x, y) its position
# in [-1, 1] (y down), `noise` the scene's smooth noise there, `pixel` the width of one pixel in those units.


def _paint_sky(p: dict, n: np.ndarray, x: np.ndarray, y: np.ndarray, noise: np.ndarray) -> np.ndarray:
    rgb = _mix((y + 1) / 2, (40, 90, 190), (150, 195, 235)) * p["sky_bright"][n][:, None]
    cloud = np.clip((noise - p["cloud_cover"][n]) / 0.2, 0, 1)[:, None] * 0.85
    return rgb * (1 - cloud) + cloud * np.float32(238.0)


def _paint_ground(p: dict, n: np.ndarray, x: np.ndarray, y: np.ndarray, noise: np.ndarray) -> np.ndarray:
    rgb = _mix(p["ground_mix"][n], (70, 125, 40), (130, 95, 55))
    furrows = p["furrow_depth"][n] * np.sin(p["furrow_freq"][n] * y + p["furrow_phase"][n])
    return rgb * (0.75 + 0.45 * noise + furrows)[:, None]


def _paint_square(p: dict, n: np.ndarray, x: np.ndarray, y: np.ndarray, pixel: float) -> np.ndarray:
    height = np.maximum(p["brick"][n], 6 * pixel)  # at least a few pixels, or the bricks alias into noise
    v = y / height + p["brick_y"][n]
    row = np.floor(v)
    u = x / (2 * height) + p["brick_x"][n] + 0.5 * (row % 2)  # every other row shifted by half a brick
    shade = _fract(np.sin(row * 12.9898 + np.floor(u) * 78.233 + n * 0.3711) * 43758.547)
    brick = _mix(shade, (140, 40, 30), (190, 70, 45))
    mortar = ((_fract(v) < 0.15) | (_fract(u) < 0.07))[:, None]
    return np.where(mortar, np.float32(200.0), brick)


def _paint_ellipse(p: dict, n: np.ndarray, x: np.ndarray, y: np.ndarray, pixel: float) -> np.ndarray:
    angle = p["stripe_angle"][n]
    period = np.maximum(p["stripe"][n], 6 * pixel)
    wave = np.sin(2 * math.pi * (x * np.cos(angle) + y * np.sin(angle)) / period + p["stripe_phase"][n])
    return _mix(np.clip(wave * 2 + 0.5, 0, 1), (245, 220, 60), (225, 130, 20))


def _paint_heart(p: dict, n: np.ndarray, x: np.ndarray, y: np.ndarray, pixel: float) -> np.ndarray:
    spacing = np.maximum(p["dot"][n], 6 * pixel)
    dx = _fract(x / spacing + p["dot_x"][n]) - 0.5
    dy = _fract(y / spacing + p["dot_y"][n]) - 0.5
    dot = (dx * dx + dy * dy < p["dot_radius"][n] ** 2).astype(np.float32)
    return _mix(dot, (235, 115, 165), (250, 240, 245))


def _paint(ids: np.ndarray, p: dict[str, np.ndarray], grain_seed: int) -> np.ndarray:
    """Scenes uint8 N×S×S×3 for class ids N×S×S: each class's texture computed on its own pixels only."""
    n_scenes, size = ids.shape[0], ids.shape[1]
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    pixel = 2.0 / size
    flat = ids.reshape(-1)
    out = np.empty((flat.size, 3), np.float32)
    clouds = _smooth_noise(p["clouds"], size).reshape(-1)
    ground = _smooth_noise(p["ground"], size).reshape(-1)
    for k in range(len(SCENE_CLASSES)):
        where = np.flatnonzero(flat == k)
        if not where.size:
            continue
        n, rest = np.divmod(where, size * size)
        y, x = grid[rest // size], grid[rest % size]
        if k == SKY:
            out[where] = _paint_sky(p, n, x, y, clouds[where])
        elif k == GROUND:
            out[where] = _paint_ground(p, n, x, y, ground[where])
        else:
            painter = (_paint_square, _paint_ellipse, _paint_heart)[k - FIRST_SHAPE]
            out[where] = painter(p, n, x, y, pixel)
    col = lambda key: p[key][:, None, None]  # noqa: E731 - one value per scene, broadcast over the pixels
    light = col("gain") * (1 + col("light_x") * grid[None, None, :] + col("light_y") * grid[None, :, None])
    grain = np.random.default_rng(grain_seed).standard_normal((n_scenes, size, size), dtype=np.float32)
    grain *= GRAIN
    grain += 0.5  # rounds to nearest below, where the values are ≥ 0
    out = out.reshape(n_scenes, size, size, 3)
    out *= light[..., None]
    out += grain[..., None]
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)  # truncation of value + 0.5: the nearest integer


@functools.lru_cache(maxsize=2)
def label_scenes(split: str, image_size: int) -> LabelScenes:
    """The split's label maps (class ids) and scenes at `image_size` (cached: one build per split and size)."""
    if split not in SCENE_COUNTS:
        raise ValueError(f"split must be one of {', '.join(SCENE_COUNTS)}, got {split!r}")
    p = _scene_parameters(split, scene_count(split, image_size))
    ids = _label_ids(p, image_size)
    scenes = _paint(ids, p, grain_seed=SCENE_SEEDS[split] + image_size)
    ids.setflags(write=False)
    scenes.setflags(write=False)
    return LabelScenes(ids, scenes)


def build_label_pairs(
    name: str,
    ids: np.ndarray,
    images: np.ndarray,
    label_names: tuple[str, ...],
    domains: tuple[str, str],
    direction: str,
) -> PairedImageDataset:
    """A paired dataset: A the label map of `ids` (N×H×W) drawn in the palette, B `images` (uint8 N×H×W×3).

    With AtoB the input side is the label map, so `info` names its classes and colours; with BtoA the input is
    the image and the label fields stay empty (the label map is then only a target image).
    """
    colors = palette_colors(len(label_names))
    dataset = build_pairs(name, ids_to_rgb(ids, colors), images, domains, direction)
    if direction != "BtoA":
        dataset.info = dataclasses.replace(dataset.info, label_names=tuple(label_names), label_colors=colors)
    return dataset


def require_colour(config: DataConfig) -> None:
    """Label maps are drawn in colour, so both sides of a label-map dataset have 3 channels."""
    if config.channels != 3:
        raise ConfigError(
            f"data.channels: {config.name} pairs colour label maps (one colour per class) with "
            f"colour images and needs channels = 3, got {config.channels}"
        )


def load_labels2scenes(config: DataConfig, split: str = "train") -> PairedImageDataset:
    """`labels2scenes` for split "train" or "test": A the label map, B the scene (BtoA swaps them)."""
    require_colour(config)
    if config.image_size < MIN_SCENE_SIZE:
        raise ConfigError(
            f"data.image_size: labels2scenes draws its shapes at {MIN_SCENE_SIZE} pixels or more, "
            f"got {config.image_size}"
        )
    data = label_scenes(split, config.image_size)
    return build_label_pairs("labels2scenes", data.ids, data.scenes, SCENE_CLASSES, SCENE_DOMAINS, config.direction)
