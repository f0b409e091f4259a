"""torchvision's MNIST, FashionMNIST, CIFAR-10 and CelebA, read from a local root the user picks.

Never downloaded (`download=False` always). Before torchvision is asked, the expected layout is checked here so
that an incomplete root gives one message naming every missing file or folder, e.g.
`MNIST/raw/train-images-idx3-ubyte`, instead of torchvision's generic "Dataset not found or corrupted".
`data.root` may be the folder that holds `MNIST/` (torchvision's convention) or the dataset's own folder.

torchvision's CIFAR-10 and CelebA classes also compare MD5 checksums of the official files; we check the
layout instead (a user's re-packed or partial copy is accepted) and report unreadable files by name.
CIFAR-10's batches are Python pickles (the official format), which torchvision unpickles: only point
data.root at a copy you trust.

MNIST, FashionMNIST and CIFAR-10 (training splits, 60,000 / 60,000 / 50,000 images) are resized once and held
in memory as uint8. CelebA (all 202,599 aligned faces) is decoded lazily batch by batch; its 40 binary
attributes are the dataset's factors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from workbench.config import ConfigError, DataConfig
from workbench.data.dataset import DataInfo, DecodedImageDataset, Uint8ImageDataset, resize_images
from workbench.data.image_files import centre_square

_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")
_CIFAR_FILES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch",
                "batches.meta")
_CELEBA_FILES = ("list_attr_celeba.txt", "identity_CelebA.txt", "list_bbox_celeba.txt",
                 "list_landmarks_align_celeba.txt", "list_eval_partition.txt")


@dataclass(frozen=True)
class RootLayout:
    """What torchvision expects under the root for one dataset: files, and folders (ending in '/')."""

    title: str
    folder: str  # the dataset's own folder inside the root (MNIST, FashionMNIST, cifar-10-batches-py, celeba)
    entries: tuple[str, ...]  # paths relative to the root

    def missing(self, base: Path) -> list[str]:
        out = []
        for entry in self.entries:
            path = base / entry
            ok = path.is_dir() if entry.endswith("/") else path.is_file()
            if not ok:
                out.append(entry)
        return out


LAYOUTS = {
    "mnist": RootLayout("MNIST", "MNIST", tuple(f"MNIST/raw/{f}" for f in _MNIST_FILES)),
    "fashion-mnist": RootLayout("FashionMNIST", "FashionMNIST", tuple(f"FashionMNIST/raw/{f}" for f in _MNIST_FILES)),
    "cifar10": RootLayout("CIFAR-10", "cifar-10-batches-py", tuple(f"cifar-10-batches-py/{f}" for f in _CIFAR_FILES)),
    "celeba": RootLayout("CelebA", "celeba",
                         ("celeba/img_align_celeba/", *(f"celeba/{f}" for f in _CELEBA_FILES))),
}


def expected_entries(name: str) -> tuple[str, ...]:
    """The files and folders (relative to data.root) that dataset `name` needs."""
    return LAYOUTS[name].entries


def _hints(base: Path, missing: list[str]) -> list[str]:
    hints = []
    gz = [m for m in missing if (base / (m + ".gz")).is_file()]
    if gz:
        hints.append(f"found {len(gz)} of them compressed (.gz): extract them in place, e.g. `gunzip {gz[0]}.gz`")
    tgz = base / "cifar-10-python.tar.gz"
    if any(m.startswith("cifar-10-batches-py/") for m in missing) and tgz.is_file():
        hints.append(f"found {tgz.name}: extract it in data.root (`tar xzf {tgz.name}`)")
    zip_ = base / "celeba" / "img_align_celeba.zip"
    if "celeba/img_align_celeba/" in missing and zip_.is_file():
        hints.append("found celeba/img_align_celeba.zip: extract it inside celeba/")
    return hints


def check_root(name: str, root: str | Path) -> Path:
    """The folder to hand to torchvision (the one holding e.g. `MNIST/`), or a ConfigError listing what is missing.

    `root` may be that folder or the dataset's own folder inside it (e.g. `.../MNIST` or `.../MNIST/raw`).
    """
    layout = LAYOUTS[name]
    text = str(root).strip()
    if not text:
        raise ConfigError(f"data.root: {layout.title} is read from a local folder; set data.root to the folder "
                          f"that holds {layout.folder}/ (expected: {', '.join(layout.entries)})")
    root = Path(text).expanduser()
    if not root.is_dir():
        raise ConfigError(f"data.root: folder {str(root)!r} does not exist (it should hold {layout.folder}/)")
    candidates = [root]
    if root.name == layout.folder:
        candidates.insert(0, root.parent)
    elif root.name == "raw" and root.parent.name == layout.folder:
        candidates.insert(0, root.parent.parent)
    best, best_missing = None, None
    for base in candidates:
        missing = layout.missing(base)
        if not missing:
            return base
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = base, missing
    assert best is not None and best_missing is not None
    lines = [f"data.root: the {layout.title} files are incomplete in {best}; missing:"]
    lines += [f"  {m}" for m in best_missing]
    lines += [f"({layout.title} is never downloaded: copy these files there.)"]
    lines += _hints(best, best_missing)
    raise ConfigError("\n".join(lines))


def _to_size(images: torch.Tensor, size: int, chunk: int = 4096) -> torch.Tensor:
    """uint8 N×C×H×W → uint8 N×C×size×size (antialiased bilinear), in chunks to bound memory."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images.contiguous()
    out = torch.empty(images.shape[0], images.shape[1], size, size, dtype=torch.uint8)
    for start in range(0, images.shape[0], chunk):
        block = images[start:start + chunk].float()
        out[start:start + chunk] = resize_images(block, size).round_().clamp_(0, 255).to(torch.uint8)
    return out


def _to_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1)
    weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    return (images.float() * weights).sum(1, keepdim=True).round_().clamp_(0, 255).to(torch.uint8)


def _torchvision_datasets():  # noqa: ANN202
    from workbench.compat import import_torchvision

    import_torchvision()
    import torchvision.datasets as tvd

    return tvd


def _wrap_read_error(title: str, base: Path, err: Exception) -> ConfigError:
    return ConfigError(f"data.root: could not read the {title} files in {base}: {err}")


def load_mnist_like(config: DataConfig, name: str) -> Uint8ImageDataset:
    """MNIST or FashionMNIST training split (60,000 images, 10 classes)."""
    base = check_root(name, config.root)
    tvd = _torchvision_datasets()
    cls = tvd.MNIST if name == "mnist" else tvd.FashionMNIST
    try:
        ds = cls(str(base), train=True, download=False)
    except (RuntimeError, ValueError, AssertionError, OSError) as err:
        raise _wrap_read_error(LAYOUTS[name].title, base, err) from err
    images = ds.data.unsqueeze(1)  # N×1×28×28 uint8
    if ds.targets.shape[0] != images.shape[0]:
        raise ConfigError(f"data.root: {LAYOUTS[name].title} has {images.shape[0]} training images but "
                          f"{ds.targets.shape[0]} labels")
    images = _to_channels(_to_size(images, config.image_size), config.channels)
    info = DataInfo(name=name, size=images.shape[0], channels=config.channels, image_size=config.image_size,
                    class_names=tuple(ds.classes))
    return Uint8ImageDataset(images, ds.targets, info)


def load_cifar10(config: DataConfig) -> Uint8ImageDataset:
    """CIFAR-10 training split (50,000 images of 32×32, 10 classes)."""
    base = check_root("cifar10", config.root)
    tvd = _torchvision_datasets()

    class LocalCIFAR10(tvd.CIFAR10):  # layout checked above; no MD5 comparison against the official files
        train_list = [[f, None] for f, _ in tvd.CIFAR10.train_list]
        test_list = [[f, None] for f, _ in tvd.CIFAR10.test_list]
        meta = {**tvd.CIFAR10.meta, "md5": None}

    try:
        ds = LocalCIFAR10(str(base), train=True, download=False)
    except (RuntimeError, ValueError, KeyError, EOFError, OSError, ImportError, AttributeError) as err:
        raise _wrap_read_error("CIFAR-10", base, err) from err
    except Exception as err:  # pickle.UnpicklingError and friends
        raise _wrap_read_error("CIFAR-10", base, err) from err
    images = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2)  # N×3×32×32 uint8
    images = _to_channels(_to_size(images, config.image_size), config.channels)
    info = DataInfo(name="cifar10", size=images.shape[0], channels=config.channels, image_size=config.image_size,
                    class_names=tuple(ds.classes))
    return Uint8ImageDataset(images, torch.tensor(ds.targets), info)


class CelebADataset(DecodedImageDataset):
    """CelebA's aligned faces, decoded per item: centre-cropped to a square and resized.

    Labels are 0 (CelebA has no classes); `factors(indices)` returns the 40 binary attributes (0/1), named in
    `info.factor_names`.
    """

    def __init__(self, image_folder: Path, filenames: list[str], attributes: torch.Tensor,
                 attribute_names: tuple[str, ...], image_size: int, channels: int) -> None:
        self.image_folder = image_folder
        self.filenames = filenames
        self.attributes = attributes.long()
        self.image_size = image_size
        self.channels = channels
        self.info = DataInfo(name="celeba", size=len(filenames), channels=channels, image_size=image_size,
                             factor_names=attribute_names, factor_sizes=(2,) * len(attribute_names))

    def __len__(self) -> int:
        return len(self.filenames)

    def factors(self, indices: torch.Tensor) -> torch.Tensor:
        return self.attributes.index_select(0, torch.as_tensor(indices, dtype=torch.long).reshape(-1))

    def load_image(self, index: int) -> np.ndarray:
        """One face as uint8 H×W×C."""
        from PIL import Image

        path = self.image_folder / self.filenames[index]
        size = self.image_size
        with Image.open(path) as img:
            img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale when the target is small
            img = img.convert("L" if self.channels == 1 else "RGB")
            arr = np.array(centre_square(img, size), dtype=np.uint8)  # writable: torch.from_numpy shares it
        return arr[:, :, None] if arr.ndim == 2 else arr


def load_celeba(config: DataConfig) -> CelebADataset:
    """All 202,599 CelebA faces (split 'all'), lazily decoded, with their 40 attributes."""
    base = check_root("celeba", config.root)
    tvd = _torchvision_datasets()

    class LocalCelebA(tvd.CelebA):  # layout checked above; no MD5 comparison against the official files
        file_list = [(file_id, None, filename) for file_id, _, filename in tvd.CelebA.file_list]

    try:
        ds = LocalCelebA(str(base), split="all", target_type="attr", download=False)
    except (RuntimeError, ValueError, IndexError, OSError) as err:
        raise _wrap_read_error("CelebA", base, err) from err
    image_folder = base / "celeba" / "img_align_celeba"
    present = set(os.listdir(image_folder))
    missing = [f for f in ds.filename if f not in present]
    if missing:
        nested = image_folder / "img_align_celeba"
        hint = (f"\n(the images are one folder deeper, in {nested}: move them up one level)"
                if nested.is_dir() else "")
        raise ConfigError(
            f"data.root: {len(missing)} of the {len(ds.filename)} images listed in list_eval_partition.txt are "
            f"missing from {image_folder}, e.g. celeba/img_align_celeba/{missing[0]}{hint}"
        )
    names = tuple(n for n in ds.attr_names if n)
    if ds.attr.shape[1] != len(names):
        raise ConfigError(f"data.root: celeba/list_attr_celeba.txt names {len(names)} attributes but its rows "
                          f"have {ds.attr.shape[1]} values")
    return CelebADataset(image_folder, list(ds.filename), ds.attr, names, config.image_size, config.channels)
