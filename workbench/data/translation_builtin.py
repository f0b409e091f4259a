"""Built-in image-to-image datasets made from the crops of `workbench.data.photos` (offline, deterministic).

- `edges2photos` (paired): Canny edge map of each crop, black lines on white as in edges2shoes → the crop;
- `gray2color` (paired): the crop in grey (replicated to 3 channels) → the crop in colour;
- `photo2stylized` (unpaired): every other crop as a photo, and the crops between them put through one fixed
  colour/tone stylisation: the two domains show the same kind of scenes (as horses and zebras do) but no crop
  appears in both, so CycleGAN has a real look to learn without pairs. (Taking the domains from different halves
  of the few photos made their content differ, and the discriminators pushed the colours of that content.)
- `sr-photos` (super-resolution): the crop (HR) and its antialiased bicubic downscale by data.scale (LR).

The test split uses the held-out photos (`photos.TEST_PHOTOS`), never seen in training.
"""

from __future__ import annotations

import functools

import numpy as np

from workbench.config import ConfigError, DataConfig
from workbench.data.image_pairs import (
    PairedImageDataset,
    SuperResolutionDataset,
    UnpairedImageDataset,
    bicubic_downscale,
    build_pairs,
    build_super_resolution,
    build_unpaired,
)
from workbench.data.photos import grey, photo_crops, with_channels

TRANSLATION_BUILTINS = ("edges2photos", "gray2color", "photo2stylized", "sr-photos")

# photo2stylized's look: a warm channel mix that mutes blues and greens, a gentle S-shaped tone curve, and
# posterisation to a few levels per channel. Fixed, so the B domain is one consistent style.
STYLE_MATRIX = np.array([[0.80, 0.30, 0.05],
                         [0.10, 0.75, 0.20],
                         [0.05, 0.35, 0.55]], dtype=np.float32)
STYLE_OFFSET = np.array([0.06, 0.02, -0.02], dtype=np.float32)
STYLE_LEVELS = 10


def canny_sigma(image_size: int) -> float:
    """Gaussian smoothing of the edge detector: 1.5 px at 64 px, scaled with the crop so that the edges show the
    same structures at every size (within 1 … 3 px)."""
    return float(np.clip(1.5 * image_size / 64, 1.0, 3.0))


def canny_edges(images: np.ndarray) -> np.ndarray:
    """The edge detector of edges2photos: uint8 N×S×S×3 photos → bool N×S×S, True on an edge (also how a
    translation back to photos is checked: its edges should fall where the input's are)."""
    from skimage.feature import canny

    grey_images = grey(images)[..., 0].astype(np.float32) / 255.0
    sigma = canny_sigma(images.shape[1])
    return np.stack([canny(image, sigma=sigma, low_threshold=0.1, high_threshold=0.2) for image in grey_images])


@functools.lru_cache(maxsize=2)
def edge_maps(split: str, image_size: int) -> np.ndarray:
    """Canny edges of the split's crops: uint8 N×S×S×1, 0 on edges and 255 elsewhere (cached: Canny is the slow
    part of building the dataset)."""
    edges = canny_edges(photo_crops(split, image_size).images)
    out = np.where(edges, 0, 255).astype(np.uint8)[..., None]
    out.setflags(write=False)
    return out


def stylize(images: np.ndarray) -> np.ndarray:
    """uint8 N×H×W×3 → the fixed photo2stylized look (channel mix, tone curve, posterisation), uint8."""
    x = images.astype(np.float32) / 255.0
    y = np.clip(x @ STYLE_MATRIX.T + STYLE_OFFSET, 0.0, 1.0)
    y = 0.5 * y + 0.5 * (y * y * (3.0 - 2.0 * y))  # S-curve: more contrast in the mid-tones
    y = np.round(y * (STYLE_LEVELS - 1)) / (STYLE_LEVELS - 1)
    return np.rint(y * 255.0).astype(np.uint8)


def _edges2photos(config: DataConfig, split: str) -> PairedImageDataset:
    edges = edge_maps(split, config.image_size)
    photos = photo_crops(split, config.image_size).images
    return build_pairs("edges2photos", with_channels(edges, config.channels), with_channels(photos, config.channels),
                       ("edges", "photos"), config.direction)


def _gray2color(config: DataConfig, split: str) -> PairedImageDataset:
    if config.channels != 3:
        raise ConfigError(f"data.channels: gray2color turns grey images into colour ones and needs channels = 3, "
                          f"got {config.channels}")
    photos = photo_crops(split, config.image_size).images
    return build_pairs("gray2color", with_channels(grey(photos), 3), photos, ("gray", "color"), config.direction)


def _photo2stylized(config: DataConfig, split: str) -> UnpairedImageDataset:
    crops = photo_crops(split, config.image_size).images
    photos, styled = crops[0::2], stylize(crops[1::2])  # interleaved: the same photos, in the same share
    return build_unpaired("photo2stylized", with_channels(photos, config.channels),
                          with_channels(styled, config.channels), ("photo", "stylized"), config.direction)


def check_sr_size(config: DataConfig) -> None:
    """The LR side must keep at least 4 pixels."""
    if config.image_size // config.scale < 4:
        raise ConfigError(f"data.image_size: {config.image_size} ÷ data.scale {config.scale} leaves a "
                          f"{config.image_size // config.scale}-pixel low-resolution image; use image_size ≥ "
                          f"{4 * config.scale} or a smaller scale")


def _sr_photos(config: DataConfig, split: str) -> SuperResolutionDataset:
    check_sr_size(config)
    hr = with_channels(photo_crops(split, config.image_size).images, config.channels)
    return build_super_resolution("sr-photos", bicubic_downscale(hr, config.scale), hr, config.scale)


def load_translation_builtin(config: DataConfig, split: str = "train"):  # noqa: ANN201 - one of image_pairs' sets
    """The built-in image-to-image dataset `config.name` for split "train" or "test"."""
    loaders = {"edges2photos": _edges2photos, "gray2color": _gray2color, "photo2stylized": _photo2stylized,
               "sr-photos": _sr_photos}
    if config.name not in loaders:
        raise ConfigError(f"data.name: {config.name!r} is not a built-in image-to-image dataset")
    return loaders[config.name](config, split)
