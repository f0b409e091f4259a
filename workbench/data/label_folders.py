"""`spade-folder`: the user's semantic label maps and the photos they describe, in SPADE's custom-dataset layout.

    root/labels/       label images: pixel value = class id (8- or 16-bit greyscale PNG, or a palette PNG whose
                       index is the id), any names
    root/images/       the photos, each with the name of its label (any image type) and the same size
    root/test/labels/ and root/test/images/   the test split, laid out the same way (optional)
    root/classes.txt   optional: one class name per line, line k naming class k (else "class 0", "class 1", …)

A label and its photo are matched by name (path below labels/ or images/, without the extension). Both are
centre-cropped to a square alike; the photo is resized bicubically, the label with NEAREST only, so every pixel
keeps a class id that the file holds (an interpolated id would be another class). The classes are 0 … the
largest id found in the training labels (or as many as classes.txt names); the test split keeps them.

Every file that cannot be used is reported with its reason, one line each (a label without a photo or a photo
without a label, a label that is not single-channel, a label and photo of different sizes, an unreadable file),
and skipped; only a split with nothing usable is refused.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data.folder import FileProblem
from workbench.data.image_files import centre_square, decode_image
from workbench.data.image_pairs import PairedImageDataset
from workbench.data.label_maps import MAX_CLASSES
from workbench.data.label_scenes import build_label_pairs, require_colour
from workbench.data.translation_folders import FolderReport, check_root, list_image_files, square_array

log = logging.getLogger(__name__)

SPADE_LAYOUT = (
    "root/labels/ (label images whose pixel value is the class id: greyscale or palette PNGs) and "
    "root/images/ (the photos, with the names of their labels), root/test/labels/ and root/test/images/ "
    "for the test split, and optionally root/classes.txt (one class name per line)"
)
SPADE_DOMAINS = ("label map", "photo")
# Single channel, the pixel value (or palette index) being the class id: 8-bit and 16-bit greyscale, palette, and
# 1-bit (a mask: ids 0 and 1).
LABEL_MODES = ("L", "P", "1", "I;16", "I;16L", "I;16B", "I")
CLASSES_FILE = "classes.txt"

# Largest class id of each label file read in this process, by (path, modification time, size): the test split
# needs the training labels' classes, and reads them again only where a file is new or has changed.
_LABEL_MAX_IDS: dict[tuple[str, int, int], int] = {}


def default_label_names(num_classes: int) -> tuple[str, ...]:
    """Names for classes that classes.txt does not name: "class 0", "class 1", …"""
    return tuple(f"class {k}" for k in range(num_classes))


def _file_key(path: Path) -> tuple[str, int, int]:
    info = os.stat(path)
    return str(path), info.st_mtime_ns, info.st_size


def label_problem(image: Image.Image) -> str | None:
    """Why a decoded image cannot be a label map (not single-channel), or None."""
    if image.mode in LABEL_MODES:
        return None
    kind = {
        "RGB": "a colour (RGB) image",
        "RGBA": "a colour image with transparency (RGBA)",
        "LA": "greyscale with transparency (LA)",
    }.get(image.mode, f"a {image.mode} image")
    return (
        f"label is {kind}; labels must be single-channel images whose pixel value is the class id "
        f"(8- or 16-bit greyscale, or a palette PNG)"
    )


def square_ids(label: Image.Image, size: int) -> np.ndarray:
    """A label image centre-cropped to a square and resized with NEAREST (ids are never blended): uint8
    size×size class ids."""
    return np.asarray(centre_square(label, size, Image.Resampling.NEAREST), dtype=np.uint8)


def _named(folder: Path, files: list[Path], kind: str, problems: list[FileProblem]) -> dict[str, Path]:
    """Files by their name below `folder` without the extension; a second file with the same name is reported."""
    named: dict[str, Path] = {}
    for path in files:
        key = path.relative_to(folder).with_suffix("").as_posix()
        if key in named:
            problems.append(
                FileProblem(path, f"another {kind} has the same name ({named[key].name}) and is used instead")
            )
        else:
            named[key] = path
    return named


@dataclass
class _Matched:
    """The label/photo pairs of one split matched by name, and the files left without a partner."""

    pairs: list[tuple[Path, Path]]
    problems: list[FileProblem] = field(default_factory=list)


def _match(labels_dir: Path, images_dir: Path) -> _Matched:
    label_files, problems = list_image_files(labels_dir)
    image_files, image_problems = list_image_files(images_dir)
    problems += image_problems
    labels = _named(labels_dir, label_files, "label", problems)
    images = _named(images_dir, image_files, "image", problems)
    for key, path in labels.items():
        if key not in images:
            problems.append(FileProblem(path, f"no image named {key}.* in {images_dir}; skipped"))
    for key, path in images.items():
        if key not in labels:
            problems.append(FileProblem(path, f"no label named {key}.* in {labels_dir}; skipped"))
    return _Matched([(labels[key], images[key]) for key in sorted(labels) if key in images], problems)


def _split_folders(root: Path, split: str) -> tuple[Path, Path]:
    base = root if split == "train" else root / "test"
    labels_dir, images_dir = base / "labels", base / "images"
    if split != "train" and not (labels_dir.is_dir() and images_dir.is_dir()):
        raise ConfigError(
            f"data.root: {root} has no test/labels/ and test/images/ for the test split; spade-folder "
            f"expects {SPADE_LAYOUT}"
        )
    for folder in (labels_dir, images_dir):
        if not folder.is_dir():
            raise ConfigError(f"data.root: {folder} does not exist; spade-folder expects {SPADE_LAYOUT}")
    return labels_dir, images_dir


def _read_label(path: Path) -> tuple[Image.Image | None, int, str | None]:
    """The decoded label image and its largest class id (remembered for `_max_id`); or None, -1 and why the file
    cannot be used."""
    label, reason = decode_image(path)
    if label is None:
        return None, -1, reason or "cannot decode"
    reason = label_problem(label)
    if reason:
        return None, -1, reason
    largest = int(np.asarray(label).max())
    _LABEL_MAX_IDS[_file_key(path)] = largest
    return label, largest, None


def _max_id(path: Path) -> int:
    """The largest class id in a label file (read once per version of the file), -1 when it is no label."""
    key = _file_key(path)
    if key in _LABEL_MAX_IDS:
        return _LABEL_MAX_IDS[key]
    return _read_label(path)[1]


def read_class_names(root: Path) -> tuple[str, ...]:
    """root/classes.txt: one name per line (trailing blank lines dropped; a blank line inside names its class
    "class k"); () when there is no such file."""
    path = root / CLASSES_FILE
    if not path.is_file():
        return ()
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()]
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"data.root: cannot read {path}: {err}") from err
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > MAX_CLASSES:
        raise ConfigError(f"data.root: {path} names {len(lines)} classes; label maps have at most {MAX_CLASSES}")
    return tuple(name or f"class {k}" for k, name in enumerate(lines))


def label_classes(root: Path) -> tuple[str, ...]:
    """The class names of the dataset: one per id 0 … the largest id in the training labels that have a photo
    (or as many as classes.txt names). ConfigError naming the file when there are more than MAX_CLASSES."""
    labels_dir, images_dir = _split_folders(root, "train")
    largest, largest_file = -1, None
    for label_path, _ in _match(labels_dir, images_dir).pairs:
        found = _max_id(label_path)
        if found > largest:
            largest, largest_file = found, label_path
    names = read_class_names(root)
    if largest >= MAX_CLASSES:
        raise ConfigError(
            f"data.root: {largest_file} has class id {largest}, but label maps have at most "
            f"{MAX_CLASSES} classes (ids 0 … {MAX_CLASSES - 1}); renumber the classes in your labels"
        )
    if names and largest >= len(names):
        raise ConfigError(
            f"data.root: {largest_file} has class id {largest}, but {root / CLASSES_FILE} names only "
            f"{len(names)} classes (ids 0 … {len(names) - 1}); add the missing names"
        )
    if largest < 0 and not names:  # only the test split gets here: the training split refuses nothing usable
        raise ConfigError(
            f"data.root: no readable training labels with a photo in {labels_dir}; the test split takes its classes "
            f"from them (or from {CLASSES_FILE})"
        )
    return names or default_label_names(largest + 1)


def load_spade_folder(config: DataConfig, split: str = "train") -> PairedImageDataset:
    """Label maps and their photos from root/labels and root/images (root/test/… for split "test")."""
    require_colour(config)
    root = check_root(config, SPADE_LAYOUT)
    labels_dir, images_dir = _split_folders(root, split)
    matched = _match(labels_dir, images_dir)
    report = FolderReport(labels_dir.parent, problems=matched.problems)
    ids, photos, largest = [], [], []
    for label_path, image_path in matched.pairs:
        label, found, reason = _read_label(label_path)
        if label is None:
            report.problems.append(FileProblem(label_path, reason or "cannot decode"))
            continue
        image, reason = decode_image(image_path)
        if image is None:
            report.problems.append(FileProblem(image_path, reason or "cannot decode"))
            continue
        if label.size != image.size:
            report.problems.append(
                FileProblem(
                    label_path,
                    f"label is {label.width}×{label.height} but its image "
                    f"{image_path.name} is {image.width}×{image.height}",
                )
            )
            continue
        ids.append(square_ids(label, config.image_size))
        photos.append(square_array(image, config.image_size, 3))
        largest.append((found, label_path))
    report.used = len(ids)
    if not report.used:
        raise ConfigError(
            f"data.root: no usable label/image pairs in {labels_dir.parent} (spade-folder expects "
            f"{SPADE_LAYOUT}).\n{report.report()}"
        )
    names = label_classes(root)
    if split != "train":  # an id that no training label uses has no class to stand for
        known = [found < len(names) for found, _ in largest]
        report.problems += [
            FileProblem(
                path,
                f"class id {found} is none of the {len(names)} classes of the training "
                f"labels (ids 0 … {len(names) - 1})",
            )
            for (found, path), ok in zip(largest, known, strict=True)
            if not ok
        ]
        ids = [a for a, ok in zip(ids, known, strict=True) if ok]
        photos = [b for b, ok in zip(photos, known, strict=True) if ok]
        report.used = len(ids)
    report.warn_or_fail()
    return build_label_pairs(
        f"spade-folder:{root.name}", np.stack(ids), np.stack(photos), names, SPADE_DOMAINS, config.direction
    )
