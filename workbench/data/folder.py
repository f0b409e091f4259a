"""A user's folder of images: flat, or one subfolder per class (torchvision `ImageFolder` semantics).

`scan_image_folder` decodes every file up front and reports each unreadable one with its reason, so a corrupt
file is found before training instead of failing mid-epoch. Training then uses only the files that decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from workbench.config import ConfigError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class FileProblem:
    path: Path
    reason: str


@dataclass
class FolderScan:
    """Result of scanning a folder: usable files with class indices, class names, and every problem."""

    root: Path
    files: list[Path] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    class_names: tuple[str, ...] = ()
    problems: list[FileProblem] = field(default_factory=list)

    def report(self, limit: int = 20) -> str:
        lines = [f"{len(self.files)} readable image(s) in {self.root}, {len(self.problems)} unreadable"]
        lines += [f"  {p.path}: {p.reason}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def decode_image(path: Path) -> tuple[Image.Image | None, str | None]:
    """The completely decoded image and None, or None and why the file cannot be read (one decode per file)."""
    try:
        with Image.open(path) as img:
            img.load()
            if img.width < 1 or img.height < 1:
                return None, "image has no pixels"
            return img, None
    except UnidentifiedImageError:
        return None, "not a recognised image format"
    except (OSError, ValueError, SyntaxError) as err:  # truncated data, bad headers
        return None, f"cannot decode: {err}"
    except Image.DecompressionBombError as err:
        return None, f"refused: {err}"


def decode_problem(path: Path) -> str | None:
    """None when the file decodes completely, else why it does not."""
    return decode_image(path)[1]


_decode_problem = decode_problem  # the name older callers use


def scan_image_folder(root: str | Path) -> FolderScan:
    """List and decode every image under `root`; class subfolders become labels, else one class."""
    root = Path(root).expanduser()
    if not str(root).strip() or not root.exists():
        raise ConfigError(f"data.root: folder {str(root)!r} does not exist")
    if not root.is_dir():
        raise ConfigError(f"data.root: {root} is a file, expected a folder of images")
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    scan = FolderScan(root=root)
    if subdirs:
        scan.class_names = tuple(p.name for p in subdirs)
        groups = [(i, sorted(p.rglob("*"))) for i, p in enumerate(subdirs)]
    else:
        groups = [(0, sorted(root.iterdir()))]
    for label, paths in groups:
        for path in paths:
            if not path.is_file() or path.name.startswith("."):
                continue
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
    """Decode, convert to L or RGB, centre-crop to a square and resize: float32 C×H×W in [0, 1]."""
    with Image.open(path) as img:
        img = img.convert("L" if channels == 1 else "RGB")
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BICUBIC)
        arr = np.asarray(img, dtype=np.float32) / 255.0
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)
