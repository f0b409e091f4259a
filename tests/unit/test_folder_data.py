"""A user's image folder: unreadable files are reported one by one with a reason, good ones are kept."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data import build_dataset
from workbench.data.folder import scan_image_folder


def png_bytes(color, size=(20, 12), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def noisy_png_bytes(seed: int, size=(64, 64)) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


@pytest.fixture
def messy_folder(tmp_path):
    root = tmp_path / "images"
    root.mkdir()
    (root / "white.png").write_bytes(png_bytes((255, 255, 255)))
    (root / "black.png").write_bytes(png_bytes((0, 0, 0), size=(9, 30)))
    Image.new("L", (16, 16), 128).save(root / "gray.jpg")
    whole = noisy_png_bytes(1)
    (root / "truncated.png").write_bytes(whole[: len(whole) // 2])
    (root / "notes.png").write_text("these are my notes, not an image\n")
    (root / "empty.png").write_bytes(b"")
    (root / "readme.txt").write_text("hello")
    (root / ".hidden.png").write_bytes(b"ignored")  # dot files (e.g. ._foo.png from macOS) are skipped
    return root


def test_scan_reports_each_bad_file_and_keeps_the_good_ones(messy_folder):
    scan = scan_image_folder(messy_folder)
    assert sorted(p.name for p in scan.files) == ["black.png", "gray.jpg", "white.png"]
    assert scan.labels == [0, 0, 0]
    assert scan.class_names == ()
    reasons = {p.path.name: p.reason for p in scan.problems}
    assert set(reasons) == {"truncated.png", "notes.png", "empty.png", "readme.txt"}
    assert "extension .txt" in reasons["readme.txt"]
    assert reasons["notes.png"] == "not a recognised image format"
    assert reasons["empty.png"] == "not a recognised image format"
    assert reasons["truncated.png"].startswith("cannot decode")
    report = scan.report()
    assert "3 readable image(s)" in report and "4 unreadable" in report
    for name in reasons:
        assert name in report


def test_class_subfolders_become_labels(tmp_path):
    root = tmp_path / "pets"
    for label, names in (("cat", ["a.png"]), ("dog", ["b.png", "c.png"]), ("zebra", ["broken.png", "d.png"])):
        (root / label).mkdir(parents=True)
        for name in names:
            data = b"\x89PNG\r\n\x1a\n garbage" if name == "broken.png" else png_bytes((10, 200, 30))
            (root / label / name).write_bytes(data)
    (root / "stray.png").write_bytes(png_bytes((1, 2, 3)))  # files beside class folders belong to no class
    scan = scan_image_folder(root)
    assert scan.class_names == ("cat", "dog", "zebra")
    assert [(p.parent.name, p.name) for p in scan.files] == [("cat", "a.png"), ("dog", "b.png"),
                                                           ("dog", "c.png"), ("zebra", "d.png")]
    assert scan.labels == [0, 1, 1, 2]
    assert [p.path.name for p in scan.problems] == ["broken.png"]


def test_empty_missing_or_unusable_folders_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        scan_image_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no readable images"):
        scan_image_folder(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_text("nope")
    with pytest.raises(ConfigError, match=r"(?s)no readable images.*x\.png: not a recognised image format"):
        scan_image_folder(tmp_path / "bad")
    (tmp_path / "file.png").write_bytes(png_bytes((0, 0, 0)))
    with pytest.raises(ConfigError, match="is a file"):
        scan_image_folder(tmp_path / "file.png")
    with pytest.raises(ConfigError, match="data.root"):
        build_dataset(DataConfig(name="folder", root=""))


@pytest.mark.parametrize(("channels", "size"), [(3, 8), (1, 16)])
def test_build_dataset_gives_model_range_tensors_of_the_configured_shape(messy_folder, channels, size):

    dataset = build_dataset(DataConfig(name="folder", root=str(messy_folder), image_size=size, channels=channels))
    assert len(dataset) == 3
    images, labels = dataset.get_batch(torch.arange(3))
    assert images.shape == (3, channels, size, size)
    assert images.dtype == torch.float32
    assert labels.tolist() == [0, 0, 0]
    assert dataset.info.channels == channels and dataset.info.image_size == size
    # sorted: black.png, gray.jpg, white.png → -1, about 0, +1 everywhere
    images = dataset.get_batch(torch.arange(3))[0]
    black, gray, white = images
    assert torch.equal(black, torch.full_like(black, -1.0))
    assert torch.equal(white, torch.full_like(white, 1.0))
    assert gray.abs().max() < 0.01
    assert images.min() >= -1 and images.max() <= 1


def test_a_16bit_png_trains_at_its_true_brightness_not_saturated(tmp_path):
    Image.fromarray(np.full((12, 12), 32768, np.uint16)).save(tmp_path / "half16.png")  # mode I;16, mean 0.5
    Image.new("L", (12, 12), 0).save(tmp_path / "black.png")
    dataset = build_dataset(DataConfig(name="folder", root=str(tmp_path), image_size=8, channels=1))
    black, half = dataset.get_batch(torch.arange(2))[0]  # sorted: black.png, half16.png; model range [-1, 1]
    assert float(black.mean()) == -1.0
    assert abs(float(half.mean())) < 0.01  # PIL's convert("L") alone gave +1 (white)


def test_a_1x1_image_is_skipped_with_its_size_not_upsampled(tmp_path):
    Image.new("RGB", (1, 1), (255, 0, 0)).save(tmp_path / "dot.png")
    Image.new("RGB", (16, 16), (0, 0, 255)).save(tmp_path / "blue.png")
    scan = scan_image_folder(tmp_path)
    assert [p.name for p in scan.files] == ["blue.png"]
    assert [(p.path.name, p.reason) for p in scan.problems] == [
        ("dot.png", "image is 1×1 pixels, smaller than the minimum 8×8")]


def test_a_symlink_loop_in_a_subfolder_keeps_the_images_at_the_root(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "a.png").write_bytes(png_bytes((255, 255, 255)))
    (root / "b.png").write_bytes(png_bytes((0, 0, 0)))
    (root / "sub" / "loop").symlink_to(root / "sub")
    (root / "sub" / "up").symlink_to(root)
    scan = scan_image_folder(root)  # was: "0 readable image(s)", the loop-only subfolder taken for a class
    assert [p.name for p in scan.files] == ["a.png", "b.png"] and scan.class_names == ()
    assert sorted(p.path.name for p in scan.problems) == ["loop", "up"]
    assert all("symbolic link loop" in p.reason for p in scan.problems)
    (root / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    scan = scan_image_folder(root)
    assert len(scan.files) == 2 and "broken symbolic link" in scan.report()
