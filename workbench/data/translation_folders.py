"""The user's folders for image-to-image translation, in the layouts of pytorch-CycleGAN-and-pix2pix.

- `cyclegan-folder` (unpaired): root/trainA/ and root/trainB/, one folder of images per domain
  (root/testA/ and root/testB/ for the test split);
- `pix2pix-folder` (paired): images that hold A and B side by side (A the left half, B the right half, so the
  width is twice the height) in root/train/ (or directly in root), and root/test/ or root/val/ for the test split.

Every file is decoded up front and every one that cannot be used is reported with its reason (logged as a
warning, like the plain `folder` dataset does), so a bad file is found before training, not in the middle of it.
Folders are walked by `workbench.data.walk` (symbolic links followed once, loops and broken links reported) and
images decoded by `workbench.data.image_files` (16-bit and float images scaled, images under 8×8 refused).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data.folder import IMAGE_EXTENSIONS, FileProblem
from workbench.data.image_files import centre_square, decode_image, to_8bit
from workbench.data.image_pairs import PairedImageDataset, UnpairedImageDataset, build_pairs, build_unpaired
from workbench.data.walk import problems_report, walk_files

log = logging.getLogger(__name__)

CYCLEGAN_LAYOUT = ("root/trainA/ and root/trainB/ (one folder of images per domain; root/testA/ and root/testB/ "
                   "for the test split)")
PIX2PIX_LAYOUT = ("A|B images side by side, width = 2 × height (A the left half, B the right half), in root/train/ "
                  "or directly in root; root/test/ or root/val/ for the test split")


@dataclass
class FolderReport:
    """What came out of one folder: how many images were used, and every file skipped with its reason."""

    folder: Path
    used: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    def report(self, limit: int = 20) -> str:
        return problems_report(f"{self.used} usable image(s) in {self.folder}, {len(self.problems)} skipped",
                               self.problems, limit)

    def decoded(self, files: list[Path]) -> Iterator[tuple[Path, Image.Image]]:
        """Each file that decodes, with its image; the others are recorded as problems with their reason."""
        for path in files:
            image, reason = decode_image(path)
            if image is None:
                self.problems.append(FileProblem(path, reason or "cannot decode"))
            else:
                yield path, image

    def warn_or_fail(self) -> None:
        """Log the skipped files; a folder with nothing usable is a ConfigError carrying the report."""
        if not self.used:
            raise ConfigError(f"data.root: no usable images in {self.folder}.\n{self.report()}")
        if self.problems:
            log.warning("skipping unusable files:\n%s", self.report())


def check_root(config: DataConfig, layout: str) -> Path:
    """data.root as an existing folder, or a ConfigError that describes the expected layout."""
    text = config.root.strip()
    if not text:
        raise ConfigError(f"data.root: {config.name} reads your folder; set data.root to a folder with {layout}")
    root = Path(text).expanduser()
    if not root.is_dir():
        raise ConfigError(f"data.root: folder {str(root)!r} does not exist (expected {layout})")
    return root


def list_image_files(folder: Path, recursive: bool = True, exclude: Path | None = None) -> tuple[list[Path],
                                                                                                 list[FileProblem]]:
    """Sorted image files under `folder` (hidden files and folders skipped, `exclude` not entered, symbolic links
    followed once), and every other file, broken link or loop as a problem."""
    paths, problems = walk_files(folder, recursive=recursive, exclude=() if exclude is None else (exclude,))
    files = []
    for path in paths:
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            problems.append(FileProblem(path, f"extension {path.suffix or '(none)'} is not an image type"))
        else:
            files.append(path)
    return files, problems


def square_array(image: Image.Image, size: int, channels: int) -> np.ndarray:
    """Convert to L or RGB (`to_8bit`), centre-crop to a square and resize (bicubic, antialiased): uint8
    size×size×channels."""
    array = np.asarray(centre_square(to_8bit(image, channels), size), dtype=np.uint8)
    return array[:, :, None] if array.ndim == 2 else array


def _read_domain(folder: Path, config: DataConfig) -> np.ndarray:
    files, problems = list_image_files(folder)
    report = FolderReport(folder, problems=problems)
    arrays = [square_array(image, config.image_size, config.channels) for _, image in report.decoded(files)]
    report.used = len(arrays)
    report.warn_or_fail()
    return np.stack(arrays)


def load_cyclegan_folder(config: DataConfig, split: str = "train") -> UnpairedImageDataset:
    """Unpaired images of two domains from root/trainA and root/trainB (testA, testB for split "test")."""
    root = check_root(config, CYCLEGAN_LAYOUT)
    folders = [root / f"{split}{side}" for side in ("A", "B")]
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"data.root: {folder} does not exist; cyclegan-folder expects {CYCLEGAN_LAYOUT}")
    a, b = (_read_domain(folder, config) for folder in folders)
    return build_unpaired(f"cyclegan-folder:{root.name}", a, b, ("A", "B"), config.direction)


def _pix2pix_folder(root: Path, split: str) -> tuple[Path, bool]:
    """The folder holding the split's A|B images, and whether to look into its subfolders."""
    if split == "train":
        train = root / "train"
        return (train, True) if train.is_dir() else (root, False)
    for name in ("test", "val"):
        if (root / name).is_dir():
            return root / name, True
    raise ConfigError(f"data.root: {root} has neither test/ nor val/ for the test split; pix2pix-folder expects "
                      f"{PIX2PIX_LAYOUT}")


def load_pix2pix_folder(config: DataConfig, split: str = "train") -> PairedImageDataset:
    """Aligned pairs from A|B images: each half centre-cropped to a square and resized to image_size."""
    root = check_root(config, PIX2PIX_LAYOUT)
    folder, recursive = _pix2pix_folder(root, split)
    files, problems = list_image_files(folder, recursive=recursive)
    report = FolderReport(folder, problems=problems)
    a_images, b_images = [], []
    for path, image in report.decoded(files):
        width, height = image.size
        if abs(width - 2 * height) > 1:  # one pixel of slack for halves rounded when the pair was saved
            report.problems.append(FileProblem(path, f"not an aligned A|B image ({width}×{height}): the width "
                                                     f"must be twice the height"))
            continue
        half = width // 2
        image = to_8bit(image, config.channels)  # before cutting, so both halves are scaled alike
        a_images.append(square_array(image.crop((0, 0, half, height)), config.image_size, config.channels))
        b_images.append(square_array(image.crop((width - half, 0, width, height)), config.image_size,
                                     config.channels))
    report.used = len(a_images)
    if not report.used:
        raise ConfigError(f"data.root: no usable A|B images in {folder} (pix2pix-folder expects {PIX2PIX_LAYOUT})."
                          f"\n{report.report()}")
    report.warn_or_fail()
    return build_pairs(f"pix2pix-folder:{root.name}", np.stack(a_images), np.stack(b_images), ("A", "B"),
                       config.direction)
