"""A user's folder of images: flat, or one subfolder per class (torchvision `ImageFolder` semantics).

`scan_image_folder` decodes every file up front and reports each unreadable one with its reason, so a corrupt
file is found before training instead of failing mid-epoch. Training then uses only the files that decoded.
The folder is walked by `workbench.data.walk` (symbolic links followed once, loops reported), and only the
subfolders that hold an image file are classes: an empty one, or one holding just a loop, does not hide the
images beside it. Images are decoded by `workbench.data.image_files` (16-bit and float images scaled, images
under 8×8 pixels refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from workbench.config import ConfigError
from workbench.data.dataset import DataInfo, DecodedImageDataset
from workbench.data.image_files import centre_square, decode_image, to_8bit, upright
from workbench.data.walk import FileProblem, FolderWalk, problems_report

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
__all__ = ["IMAGE_EXTENSIONS", "FileProblem", "FolderImages", "FolderScan", "decode_image", "decode_problem",
           "load_image", "load_image_uint8", "scan_image_folder"]


@dataclass
class FolderScan:
    """Result of scanning a folder: usable files with class indices, class names, and every problem."""

    root: Path
    files: list[Path] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    class_names: tuple[str, ...] = ()
    problems: list[FileProblem] = field(default_factory=list)

    def report(self, limit: int = 20) -> str:
        return problems_report(f"{len(self.files)} readable image(s) in {self.root}, {len(self.problems)} unreadable",
                               self.problems, limit)


def decode_problem(path: Path) -> str | None:
    """None when the file decodes completely, else why it does not."""
    return decode_image(path)[1]


_decode_problem = decode_problem  # the name older callers use


def scan_image_folder(root: str | Path) -> FolderScan:
    """List and decode every image under `root`; subfolders holding images are classes, else one class."""
    root = Path(root).expanduser()
    if not str(root).strip() or not root.exists():
        raise ConfigError(f"data.root: folder {str(root)!r} does not exist")
    if not root.is_dir():
        raise ConfigError(f"data.root: {root} is a file, expected a folder of images")
    scan = FolderScan(root=root)
    walk = FolderWalk()
    classes, loose = walk.class_folders(root, lambda p: p.suffix.lower() in IMAGE_EXTENSIONS)
    if classes:
        scan.class_names = tuple(p.name for p, _ in classes)
        groups = [(i, files) for i, (_, files) in enumerate(classes)]
    else:
        groups = [(0, loose)]
    scan.problems += walk.problems
    for label, paths in groups:
        for path in paths:
            if path.suffix.lower() not in IMAGE_EXTENSIONS:
                scan.problems.append(FileProblem(path, f"extension {path.suffix or '(none)'} is not an image type"))
                continue
            problem = decode_problem(path)
            if problem:
                scan.problems.append(FileProblem(path, problem))
            else:
                scan.files.append(path)
                scan.labels.append(label)
    if not scan.files:
        raise ConfigError(f"data.root: no readable images in {root}.\n{scan.report()}")
    return scan


def load_image_uint8(path: Path, size: int, channels: int) -> np.ndarray:
    """Decode (a JPEG at the smallest scale still ≥ `size`: libjpeg's DCT scaling, much faster for large photos),
    turn upright, convert to L or RGB (`to_8bit`: high bit depths scaled, not clipped), centre-crop to a square and
    resize: uint8 H×W×C."""
    with Image.open(path) as opened:
        if opened.format == "JPEG":
            opened.draft(opened.mode, (size, size))
        opened.load()
        img = to_8bit(upright(opened), channels)
    arr = np.array(centre_square(img, size), dtype=np.uint8)  # writable: torch.from_numpy shares it
    return arr[:, :, None] if arr.ndim == 2 else arr


def load_image(path: Path, size: int, channels: int) -> np.ndarray:
    """`load_image_uint8` as float32 C×H×W in [0, 1] (the translation and super-resolution panes' input)."""
    return load_image_uint8(path, size, channels).transpose(2, 0, 1).astype(np.float32) / 255.0


class FolderImages(DecodedImageDataset):
    """A scanned folder's readable images, decoded per item (`DecodedImageDataset`), with their class indices."""

    def __init__(self, scan: FolderScan, image_size: int, channels: int) -> None:
        self.files = list(scan.files)
        self.labels = torch.tensor(scan.labels, dtype=torch.long)
        self.image_size = image_size
        self.channels = channels
        self.info = DataInfo(name=f"folder:{scan.root.name}", size=len(self.files), channels=channels,
                             image_size=image_size, class_names=scan.class_names)

    def __len__(self) -> int:
        return len(self.files)

    def load_image(self, index: int) -> np.ndarray:
        return load_image_uint8(self.files[index], self.image_size, self.channels)

    def label(self, index: int) -> int:
        return int(self.labels[index])
