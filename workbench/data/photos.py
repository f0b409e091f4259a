"""Colour photos that ship inside installed packages, cut into many deterministic square crops.

scikit-learn ships two photos (china, flower: the files `load_sample_images()` returns) and scikit-image seven
colour images (`skimage.data`: astronaut, coffee, chelsea, rocket, immunohistochemistry, hubble_deep_field,
retina). All are read from the installed packages; nothing is downloaded (only these `skimage.data` images are
used because the others are fetched from the internet on first use).

Whole photos are held out for the test split, so a test crop shows a scene that no training crop has shown.
Crops are drawn with a fixed seed, independent of the run's seed: every run, on every machine, trains on the
same crops, and a resumed run rebuilds them exactly.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from workbench.config import ConfigError

SKLEARN_PHOTOS = ("china", "flower")
SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field", "retina")
ALL_PHOTOS = SKLEARN_PHOTOS + SKIMAGE_PHOTOS
TEST_PHOTOS = ("chelsea", "flower")  # held out whole: a cat and a flower the training crops never show
SPLIT_PHOTOS = {
    "train": tuple(p for p in ALL_PHOTOS if p not in TEST_PHOTOS),
    "test": TEST_PHOTOS,
}
CROP_COUNTS = {"train": 2000, "test": 200}
CROP_SEED = 5_021_977  # fixed: the same crops in every run, whatever the run's seed
CROP_BYTES_BUDGET = 100 * 2**20  # fewer crops at large sizes, so that one crop set stays near 100 MB
MIN_CROP_STD = 0.03  # grey-level standard deviation below which a crop is redrawn (black sky, empty background)


@dataclass(frozen=True)
class PhotoCrops:
    """Square RGB crops: `images` uint8 N×S×S×3, the photo each was cut from, and its box (left, top, side)."""

    images: np.ndarray
    sources: tuple[str, ...]
    boxes: np.ndarray


def _sklearn_photo_path(name: str) -> Path:
    """The JPEG `sklearn.datasets.load_sample_images()` reads, found without importing sklearn.datasets (1 s)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ConfigError(f"data.name: the built-in photo {name!r} ships with scikit-learn, which is not installed")
    path = Path(spec.origin).parent / "datasets" / "images" / f"{name}.jpg"
    if not path.is_file():
        raise ConfigError(f"data.name: scikit-learn's sample photo {path} is missing from the installation")
    return path


@functools.cache
def load_photo(name: str) -> np.ndarray:
    """One built-in photo as read-only uint8 H×W×3 (decoded once per process)."""
    if name in SKLEARN_PHOTOS:
        with Image.open(_sklearn_photo_path(name)) as img:
            array = np.asarray(img.convert("RGB"), dtype=np.uint8)
    elif name in SKIMAGE_PHOTOS:
        import skimage.data

        array = np.asarray(getattr(skimage.data, name)(), dtype=np.uint8)
    else:
        raise ValueError(f"unknown built-in photo {name!r}; valid: {', '.join(ALL_PHOTOS)}")
    array = np.ascontiguousarray(array[:, :, :3])
    array.setflags(write=False)
    return array


def crop_count(split: str, image_size: int) -> int:
    """About 2,000 train / 200 test crops, fewer when the crops are so large that they would pass the budget."""
    per_crop = image_size * image_size * 3
    return max(16, min(CROP_COUNTS[split], CROP_BYTES_BUDGET // per_crop))


def _grey_std(rgb: np.ndarray) -> float:
    return float((rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).std() / 255.0)


def _crops_of_photo(name: str, count: int, image_size: int) -> tuple[list[np.ndarray], list[tuple]]:
    """`count` crops of one photo: random position and side (image_size … half the short side), resized."""
    photo = Image.fromarray(load_photo(name))
    width, height = photo.size
    short = min(height, width)
    low = min(image_size, short)
    high = max(low, short // 2)
    rng = np.random.default_rng([CROP_SEED, ALL_PHOTOS.index(name), 0, image_size])
    images, boxes = [], []
    for _ in range(count):
        for _attempt in range(20):  # flat crops (black sky of the Hubble field, the retina's border) are redrawn
            side = int(rng.integers(low, high + 1))
            left = int(rng.integers(0, width - side + 1))
            top = int(rng.integers(0, height - side + 1))
            # reducing_gap: a fast integer box reduction first, then bicubic; both antialiased
            crop = np.asarray(photo.resize((image_size, image_size), Image.Resampling.BICUBIC,
                                           box=(left, top, left + side, top + side), reducing_gap=2.0))
            if _grey_std(crop) >= MIN_CROP_STD:
                break
        images.append(crop)
        boxes.append((left, top, side))
    return images, boxes


@functools.lru_cache(maxsize=4)  # train and test, at two sizes (sr-photos' LR and HR)
def photo_crops(split: str, image_size: int, count: int | None = None) -> PhotoCrops:
    """The split's crops (cached per process: several built-ins share them). Read-only arrays."""
    if split not in SPLIT_PHOTOS:
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}")
    count = crop_count(split, image_size) if count is None else count
    photos = SPLIT_PHOTOS[split]
    images, sources, boxes = [], [], []
    for i, name in enumerate(photos):
        share = count // len(photos) + (1 if i < count % len(photos) else 0)
        photo_images, photo_boxes = _crops_of_photo(name, share, image_size)
        images += photo_images
        boxes += photo_boxes
        sources += [name] * share
    stacked = np.stack(images)
    box_array = np.asarray(boxes, dtype=np.int64)
    stacked.setflags(write=False)
    box_array.setflags(write=False)
    return PhotoCrops(stacked, tuple(sources), box_array)


def grey(images: np.ndarray) -> np.ndarray:
    """uint8 N×H×W×3 → uint8 N×H×W×1 with PIL's luma weights (ITU-R 601: 0.299 R + 0.587 G + 0.114 B)."""
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.rint(images.astype(np.float32) @ weights).clip(0, 255).astype(np.uint8)[..., None]


def with_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """uint8 N×H×W×(1 or 3) → N×H×W×channels (grey for 1; grey replicated or colour kept for 3)."""
    if images.shape[-1] == channels:
        return images
    if channels == 1:
        return grey(images)
    return np.repeat(images, 3, axis=-1)
