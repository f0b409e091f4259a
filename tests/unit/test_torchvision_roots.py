"""MNIST, FashionMNIST, CIFAR-10 and CelebA from tiny local roots written here in the real file formats."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data import build_dataset
from workbench.data.torchvision_roots import expected_entries


def _write_idx(path: Path, array: np.ndarray) -> None:
    """The idx format of MNIST: magic (0, 0, type 0x08 = uint8, ndim), big-endian sizes, raw bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def _mnist_root(root: Path, folder: str = "MNIST", n: int = 12) -> np.ndarray:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 10
    raw = root / folder / "raw"
    _write_idx(raw / "train-images-idx3-ubyte", images)
    _write_idx(raw / "train-labels-idx1-ubyte", labels)
    _write_idx(raw / "t10k-images-idx3-ubyte", images[:4])
    _write_idx(raw / "t10k-labels-idx1-ubyte", labels[:4])
    return images


@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")])
def test_mnist_like_loads_from_a_local_root(tmp_path, name, folder):
    images = _mnist_root(tmp_path, folder)
    ds = build_dataset(DataConfig(name=name, root=str(tmp_path), image_size=32))
    assert len(ds) == 12 and ds.info.num_classes == 10 and ds.info.image_size == 32
    x, y = ds.get_batch(torch.arange(12))
    assert x.shape == (12, 1, 32, 32) and x.min() >= -1 and x.max() <= 1
    assert y.tolist() == [i % 10 for i in range(12)]
    exact = build_dataset(DataConfig(name=name, root=str(tmp_path / folder), image_size=8, channels=3))
    assert exact.get_batch(torch.tensor([0]))[0].shape == (1, 3, 8, 8)  # the dataset's own folder works too
    direct = build_dataset(DataConfig(name=name, root=str(tmp_path), image_size=32))
    # 28×28 → 32×32 resizing keeps the picture: compare with torch's own resize of the written bytes
    ref = torch.nn.functional.interpolate(torch.from_numpy(images[:1]).float()[None], size=(32, 32),
                                          mode="bilinear", antialias=True, align_corners=False)
    assert (direct.get_batch(torch.tensor([0]))[0] - (ref.round() / 127.5 - 1)).abs().max() < 1e-5


def test_mnist_missing_files_are_named(tmp_path):
    _mnist_root(tmp_path)
    (tmp_path / "MNIST/raw/train-images-idx3-ubyte").unlink()
    (tmp_path / "MNIST/raw/t10k-labels-idx1-ubyte").rename(tmp_path / "MNIST/raw/t10k-labels-idx1-ubyte.gz")
    with pytest.raises(ConfigError) as err:
        build_dataset(DataConfig(name="mnist", root=str(tmp_path)))
    text = str(err.value)
    assert "MNIST/raw/train-images-idx3-ubyte" in text and "MNIST/raw/t10k-labels-idx1-ubyte" in text
    assert "MNIST/raw/train-labels-idx1-ubyte\n" not in text + "\n"  # present files are not listed
    assert "gunzip" in text
    with pytest.raises(ConfigError, match="MNIST/raw/train-images-idx3-ubyte"):
        build_dataset(DataConfig(name="mnist", root=""))
    with pytest.raises(ConfigError, match="does not exist"):
        build_dataset(DataConfig(name="fashion-mnist", root=str(tmp_path / "nowhere")))


def _cifar_root(root: Path, n: int = 6) -> None:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        batch = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": list(range(n))}
        (folder / name).write_bytes(pickle.dumps(batch))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))


def test_cifar10_loads_and_reports_missing_batches(tmp_path):
    _cifar_root(tmp_path)
    ds = build_dataset(DataConfig(name="cifar10", root=str(tmp_path), image_size=32, channels=3))
    assert len(ds) == 30 and ds.info.class_names[0] == "airplane"
    x, y = ds.get_batch(torch.arange(3))
    assert x.shape == (3, 3, 32, 32) and y.tolist() == [0, 1, 2]
    gray = build_dataset(DataConfig(name="cifar10", root=str(tmp_path), image_size=16, channels=1))
    assert gray.get_batch(torch.arange(2))[0].shape == (2, 1, 16, 16)
    (tmp_path / "cifar-10-batches-py/data_batch_3").unlink()
    (tmp_path / "cifar-10-batches-py/batches.meta").unlink()
    with pytest.raises(ConfigError) as err:
        build_dataset(DataConfig(name="cifar10", root=str(tmp_path)))
    assert "cifar-10-batches-py/data_batch_3" in str(err.value)
    assert "cifar-10-batches-py/batches.meta" in str(err.value)


def test_cifar10_unreadable_batch_is_a_config_error(tmp_path):
    _cifar_root(tmp_path)
    (tmp_path / "cifar-10-batches-py/data_batch_2").write_bytes(b"not a pickle")
    with pytest.raises(ConfigError, match="could not read the CIFAR-10 files"):
        build_dataset(DataConfig(name="cifar10", root=str(tmp_path)))


ATTRS = [f"Attr_{i}" for i in range(40)]


def _celeba_root(root: Path, n: int = 5) -> np.ndarray:
    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    rng = np.random.default_rng(2)
    for i, name in enumerate(names):
        img = np.full((218, 178, 3), 40 * i, dtype=np.uint8)
        Image.fromarray(img).save(folder / "img_align_celeba" / name, quality=95)
    attrs = rng.choice([-1, 1], size=(n, 40))
    (folder / "list_attr_celeba.txt").write_text(
        f"{n}\n" + " ".join(ATTRS) + " \n" + "".join(f"{f} " + " ".join(f"{v:2d}" for v in a) + "\n"
                                                      for f, a in zip(names, attrs, strict=True))
    )
    (folder / "list_eval_partition.txt").write_text("".join(f"{f} {i % 3}\n" for i, f in enumerate(names)))
    (folder / "identity_CelebA.txt").write_text("".join(f"{f} {100 + i}\n" for i, f in enumerate(names)))
    (folder / "list_bbox_celeba.txt").write_text(
        f"{n}\nimage_id x_1 y_1 width height\n" + "".join(f"{f} 95 71 226 313\n" for f in names)
    )
    (folder / "list_landmarks_align_celeba.txt").write_text(
        f"{n}\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x "
        "rightmouth_y\n" + "".join(f"{f} 69 109 106 113 77 142 73 152 108 154\n" for f in names)
    )
    return (attrs + 1) // 2


def test_celeba_loads_lazily_with_its_attributes(tmp_path):
    attrs = _celeba_root(tmp_path)
    ds = build_dataset(DataConfig(name="celeba", root=str(tmp_path), image_size=16, channels=3))
    assert len(ds) == 5 and ds.info.factor_names == tuple(ATTRS) and ds.info.factor_sizes == (2,) * 40
    assert torch.equal(ds.factors(torch.arange(5)), torch.from_numpy(attrs).long())
    x, y = ds.get_batch(torch.tensor([0, 4]))
    assert x.shape == (2, 3, 16, 16) and y.tolist() == [0, 0]
    assert x[0].mean() < -0.9 and abs(float(x[1].mean()) - (160 / 127.5 - 1)) < 0.05


def test_celeba_missing_files_and_images_are_named(tmp_path):
    _celeba_root(tmp_path)
    (tmp_path / "celeba/list_attr_celeba.txt").unlink()
    with pytest.raises(ConfigError, match="celeba/list_attr_celeba.txt"):
        build_dataset(DataConfig(name="celeba", root=str(tmp_path)))
    _celeba_root(tmp_path / "again")
    (tmp_path / "again/celeba/img_align_celeba/000003.jpg").unlink()
    with pytest.raises(ConfigError, match="celeba/img_align_celeba/000003.jpg"):
        build_dataset(DataConfig(name="celeba", root=str(tmp_path / "again")))


def test_expected_layouts_follow_torchvision():
    assert "MNIST/raw/train-images-idx3-ubyte" in expected_entries("mnist")
    assert "FashionMNIST/raw/t10k-labels-idx1-ubyte" in expected_entries("fashion-mnist")
    assert "cifar-10-batches-py/data_batch_5" in expected_entries("cifar10")
    assert "celeba/img_align_celeba/" in expected_entries("celeba")
