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
from PIL import Image

from workbench.config import ConfigError
from workbench.data.image_files import decode_image, open_image, to_8bit
from workbench.data.walk import FileProblem, FolderWalk, problems_report

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
__all__ = ["IMAGE_EXTENSIONS", "FileProblem", "FolderScan", "decode_image", "decode_problem", "load_image",
           "scan_image_folder"]


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


def load_image(path: Path, size: int, channels: int) -> np.ndarray:
    """Decode, convert to L or RGB (`to_8bit`: high bit depths scaled, not clipped), centre-crop to a square and
    resize: float32 C×H×W in [0, 1]."""
    img = to_8bit(open_image(path), channels)
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BICUBIC)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)
