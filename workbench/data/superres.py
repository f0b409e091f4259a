"""`sr-folder`: the user's folder of high-resolution images for super-resolution.

Training pairs are cut, not resized: each image gives a few HR crops of image_size at its native resolution (at
deterministic positions), and the input is each crop's antialiased bicubic downscale by data.scale, the
convention of SR papers. The test split is root/test/ when it exists; otherwise every 10th image (sorted by
path) is held out for it and the rest train.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from workbench.config import ConfigError, DataConfig
from workbench.data.folder import FileProblem
from workbench.data.image_files import to_8bit
from workbench.data.image_pairs import SuperResolutionDataset, bicubic_downscale, build_super_resolution
from workbench.data.translation_builtin import check_sr_size
from workbench.data.translation_folders import FolderReport, check_root, list_image_files

SR_LAYOUT = ("high-resolution images in root (and its subfolders); root/test/ for the test split, else every "
             "10th image")
CROPS_PER_IMAGE = 4  # at most; fewer when the image holds fewer non-overlapping crops
TEST_EVERY = 10
SR_CROP_SEED = 3_141_592  # fixed: the crop positions depend on the file only, never on the run


def split_files(root: Path, split: str) -> tuple[list[Path], list[FileProblem]]:
    """The split's image files: root/test/ against the rest, or every 10th file against the others."""
    test_folder = root / "test"
    if test_folder.is_dir():
        if split == "test":
            return list_image_files(test_folder)
        return list_image_files(root, exclude=test_folder)
    files, problems = list_image_files(root)
    chosen = [f for i, f in enumerate(files) if (i % TEST_EVERY == TEST_EVERY - 1) == (split == "test")]
    if not chosen and split == "test":
        raise ConfigError(f"data.root: {root} has {len(files)} image(s) and no test/ folder; the test split is "
                          f"root/test/ or every {TEST_EVERY}th image, so add a test/ folder or more images")
    return chosen, problems


def _crop_boxes(path: Path, width: int, height: int, size: int) -> list[tuple[int, int, int, int]]:
    """Up to CROPS_PER_IMAGE crop boxes at positions drawn from the file's name (deterministic)."""
    count = min(CROPS_PER_IMAGE, max(1, (width // size) * (height // size)))
    rng = np.random.default_rng([SR_CROP_SEED, zlib.crc32(path.name.encode("utf-8")), width, height])
    boxes = []
    for _ in range(count):
        left, top = int(rng.integers(0, width - size + 1)), int(rng.integers(0, height - size + 1))
        boxes.append((left, top, left + size, top + size))
    return boxes


def load_sr_folder(config: DataConfig, split: str = "train") -> SuperResolutionDataset:
    """HR crops of image_size from the folder's images and their bicubic downscales by data.scale."""
    check_sr_size(config)
    root = check_root(config, SR_LAYOUT)
    files, problems = split_files(root, split)
    folder = root / "test" if split == "test" and (root / "test").is_dir() else root
    report = FolderReport(folder, problems=problems)
    size = config.image_size
    crops = []
    used = 0
    for path, image in report.decoded(files):
        width, height = image.size
        if width < size or height < size:
            report.problems.append(FileProblem(path, f"smaller than data.image_size ({width}×{height} < "
                                                     f"{size}×{size}); HR crops are cut, never enlarged"))
            continue
        image = to_8bit(image, config.channels)
        for box in _crop_boxes(path, width, height, size):
            array = np.asarray(image.crop(box), dtype=np.uint8)
            crops.append(array[:, :, None] if array.ndim == 2 else array)
        used += 1
    report.used = used
    report.warn_or_fail()
    hr = np.stack(crops)
    return build_super_resolution(f"sr-folder:{root.name}", bicubic_downscale(hr, config.scale), hr, config.scale)
