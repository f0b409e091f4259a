"""The user's image-to-image folders: CycleGAN layout, pix2pix aligned A|B images, a folder of HR images."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data import dataset_spec
from workbench.data.build import build_dataset

SIZE = 16


def noise_image(path, width, height, seed, mode="RGB"):
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path)


def solid_pair(path, left_color, right_color, height=20):
    image = Image.new("RGB", (2 * height, height), left_color)
    image.paste(Image.new("RGB", (height, height), right_color), (height, 0))
    image.save(path)


def config(name, root, **options) -> DataConfig:
    return DataConfig(name=name, root=str(root), image_size=options.pop("image_size", SIZE),
                      channels=options.pop("channels", 3), **options)


@pytest.fixture
def cyclegan_root(tmp_path):
    root = tmp_path / "horse2zebra"
    for folder, count in (("trainA", 3), ("trainB", 5), ("testA", 2), ("testB", 1)):
        (root / folder).mkdir(parents=True)
        for i in range(count):
            noise_image(root / folder / f"{i}.png", 24 + i, 20, seed=hash(folder) % 1000 + i)
    (root / "trainB" / "broken.png").write_bytes(np.random.default_rng(0).bytes(300))
    (root / "trainB" / "notes.txt").write_text("not an image")
    return root


def test_catalog_registers_the_folder_datasets():
    kinds = {n: dataset_spec(n).kind for n in ("cyclegan-folder", "pix2pix-folder", "sr-folder")}
    assert kinds == {"cyclegan-folder": "unpaired", "pix2pix-folder": "paired", "sr-folder": "super_resolution"}
    assert all(dataset_spec(n).needs_root and dataset_spec(n).default_channels == 3 for n in kinds)


def test_cyclegan_folder_reads_both_domains_and_reports_bad_files(cyclegan_root, caplog):
    with caplog.at_level(logging.WARNING):
        ds = build_dataset(config("cyclegan-folder", cyclegan_root))
    assert ds.info.kind == "unpaired" and ds.info.domains == ("A", "B") and ds.info.name.endswith("horse2zebra")
    assert ds.domain_size("A") == 3 and ds.domain_size("B") == 5 and len(ds) == ds.info.size
    a, b = ds.get_batch(torch.arange(4))
    assert a.shape == b.shape == (4, 3, SIZE, SIZE) and -1 <= a.min() and b.max() <= 1
    assert "broken.png" in caplog.text and "notes.txt" in caplog.text and "not a recognised image format" in caplog.text
    test = build_dataset(config("cyclegan-folder", cyclegan_root, channels=1, direction="BtoA"), split="test")
    assert test.domain_size("A") == 1 and test.domain_size("B") == 2  # BtoA: testB is the input side now
    assert test.info.domains == ("B", "A") and test.get_batch(torch.tensor([0]))[0].shape == (1, 1, SIZE, SIZE)


def test_cyclegan_folder_names_a_missing_domain_and_an_unusable_one(cyclegan_root):
    for path in (cyclegan_root / "trainB").iterdir():
        path.unlink()
    (cyclegan_root / "trainB" / "corrupt.png").write_bytes(np.random.default_rng(1).bytes(500))
    with pytest.raises(ConfigError, match="no usable images") as err:
        build_dataset(config("cyclegan-folder", cyclegan_root))
    assert "corrupt.png: not a recognised image format" in str(err.value)
    (cyclegan_root / "trainB" / "corrupt.png").unlink()
    (cyclegan_root / "trainB").rmdir()
    with pytest.raises(ConfigError, match="trainB does not exist.*trainA/ and root/trainB/"):
        build_dataset(config("cyclegan-folder", cyclegan_root))
    with pytest.raises(ConfigError, match="needs a folder"):
        build_dataset(config("cyclegan-folder", ""))


def test_pix2pix_folder_splits_aligned_images_and_skips_unaligned_ones(tmp_path, caplog):
    root = tmp_path / "facades"
    (root / "train").mkdir(parents=True)
    (root / "val").mkdir()
    solid_pair(root / "train" / "1.jpg", (255, 0, 0), (0, 0, 255))
    solid_pair(root / "train" / "2.png", (0, 255, 0), (255, 255, 255))
    noise_image(root / "train" / "square.png", 20, 20, seed=3)
    solid_pair(root / "val" / "1.png", (0, 0, 0), (255, 255, 255))
    with caplog.at_level(logging.WARNING):
        ds = build_dataset(config("pix2pix-folder", root))
    assert "square.png: not an aligned A|B image (20×20)" in caplog.text
    assert ds.info.kind == "paired" and ds.info.domains == ("A", "B") and len(ds) == 2
    a, b = ds.get_batch(torch.tensor([1]))  # 2.png: green | white
    assert a.shape == b.shape == (1, 3, SIZE, SIZE)
    assert torch.allclose(a[0, :, 8, 8], torch.tensor([-1.0, 1.0, -1.0])) and torch.allclose(b, torch.ones_like(b))
    swapped = build_dataset(config("pix2pix-folder", root, direction="BtoA"))
    assert torch.equal(swapped.get_batch(torch.tensor([1]))[0], b) and swapped.info.domains == ("B", "A")
    test = build_dataset(config("pix2pix-folder", root), split="test")  # no test/: val/ is used
    assert len(test) == 1 and test.get_batch(torch.tensor([0]))[0].max() == -1


def test_pix2pix_folder_accepts_a_flat_root_and_explains_an_empty_one(tmp_path):
    flat = tmp_path / "pairs"
    flat.mkdir()
    solid_pair(flat / "a.png", (10, 20, 30), (200, 100, 0), height=32)
    ds = build_dataset(config("pix2pix-folder", flat, channels=1))
    assert len(ds) == 1 and ds.get_batch(torch.tensor([0]))[1].shape == (1, 1, SIZE, SIZE)
    with pytest.raises(ConfigError, match="neither test/ nor val/"):
        build_dataset(config("pix2pix-folder", flat), split="test")
    only_squares = tmp_path / "squares"
    only_squares.mkdir()
    noise_image(only_squares / "x.png", 30, 30, seed=4)
    with pytest.raises(ConfigError, match=r"(?s)no usable A\|B images.*not an aligned A\|B image \(30×30\)"):
        build_dataset(config("pix2pix-folder", only_squares))


def test_sr_folder_crops_hr_images_and_holds_out_every_tenth(tmp_path, caplog):
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(11):
        noise_image(root / f"{i:02d}.png", 40, 36, seed=i)
    noise_image(root / "tiny.png", 12, 40, seed=99)
    with caplog.at_level(logging.WARNING):
        ds = build_dataset(config("sr-folder", root, scale=2))
    assert "tiny.png: smaller than data.image_size (12×40 < 16×16)" in caplog.text
    info = ds.info
    assert info.kind == "super_resolution" and info.scale == 2 and info.image_size == SIZE
    # sorted: 00 … 10, tiny; the 10th (09.png) is held out; 10 usable images × 4 crops (40×36 holds 4)
    assert len(ds) == 40
    lr, hr = ds.get_batch(torch.arange(3))
    assert lr.shape == (3, 3, 8, 8) and hr.shape == (3, 3, SIZE, SIZE)
    hr8 = ((hr + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    lr8 = ((lr + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    assert np.array_equal(lr8[0], np.asarray(Image.fromarray(hr8[0]).resize((8, 8), Image.Resampling.BICUBIC)))
    source = np.asarray(Image.open(root / "00.png"))
    crop = hr8[0]
    assert any(np.array_equal(source[t:t + SIZE, s:s + SIZE], crop) for t in range(21) for s in range(25))
    again = build_dataset(config("sr-folder", root, scale=2))
    assert torch.equal(again.get_batch(torch.arange(40))[1], ds.get_batch(torch.arange(40))[1])
    test = build_dataset(config("sr-folder", root, scale=4), split="test")
    assert len(test) == 4 and test.get_batch(torch.tensor([0]))[0].shape == (1, 3, 4, 4)


def test_sr_folder_uses_a_test_subfolder_and_checks_sizes(tmp_path):
    root = tmp_path / "hr"
    (root / "test").mkdir(parents=True)
    noise_image(root / "a.png", 16, 16, seed=1, mode="L")
    noise_image(root / "test" / "b.png", 32, 32, seed=2)
    train = build_dataset(config("sr-folder", root, channels=1, scale=2))
    assert len(train) == 1 and train.get_batch(torch.tensor([0]))[1].shape == (1, 1, SIZE, SIZE)
    assert len(build_dataset(config("sr-folder", root, scale=2), split="test")) == 4
    with pytest.raises(ConfigError, match="data.image_size"):
        build_dataset(config("sr-folder", root, image_size=8, scale=4))
    small = tmp_path / "small"
    small.mkdir()
    noise_image(small / "s.png", 8, 8, seed=5)
    with pytest.raises(ConfigError, match="(?s)no usable images.*smaller than data.image_size"):
        build_dataset(config("sr-folder", small, scale=2))
    with pytest.raises(ConfigError, match="no test/ folder"):
        build_dataset(config("sr-folder", small, scale=2), split="test")


def save_16bit(path, value, width, height):
    Image.fromarray(np.full((height, width), value, np.uint16)).save(path)


def test_translation_and_sr_folders_scale_16bit_images_skip_tiny_ones_and_survive_loops(tmp_path, caplog):
    root = tmp_path / "domains"
    for folder in ("trainA", "trainB"):
        (root / folder).mkdir(parents=True)
    save_16bit(root / "trainA" / "half.png", 32768, 20, 20)  # I;16 mean 0.5: was loaded as white
    (root / "trainA" / "loop").symlink_to(root)
    noise_image(root / "trainB" / "0.png", 20, 20, seed=1)
    Image.new("RGB", (1, 1), "red").save(root / "trainB" / "dot.png")
    with caplog.at_level(logging.WARNING):
        ds = build_dataset(config("cyclegan-folder", root, channels=1))
    assert ds.domain_size("A") == 1 and ds.domain_size("B") == 1
    assert abs(float(ds.domain_batch("A", torch.tensor([0])).mean())) < 0.01
    assert "dot.png: image is 1×1 pixels, smaller than the minimum 8×8" in caplog.text
    assert "loop: symbolic link loop" in caplog.text

    pairs = tmp_path / "pairs"
    pairs.mkdir()
    pixels = np.zeros((16, 32), np.uint16)
    pixels[:, 16:] = 65535
    Image.fromarray(pixels).save(pairs / "ab16.png")
    a, b = build_dataset(config("pix2pix-folder", pairs, channels=1)).get_batch(torch.tensor([0]))
    assert float(a.max()) == -1.0 and float(b.min()) == 1.0  # black | white, not white | white

    hr = tmp_path / "hr"
    hr.mkdir()
    save_16bit(hr / "quarter.png", 16384, 32, 32)
    sr = build_dataset(config("sr-folder", hr, channels=1, scale=2))
    assert abs(float(sr.get_batch(torch.tensor([0]))[1].mean()) + 0.5) < 0.01  # 0.25 → -0.5 in [-1, 1]
