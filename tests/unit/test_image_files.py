"""A user's image files: high bit depths scaled instead of clipped, tiny images refused, folders walked safely."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tifffile
from PIL import Image

from workbench.data.folder import load_image, scan_image_folder
from workbench.data.image_files import MIN_IMAGE_SIDE, decode_image, to_8bit
from workbench.data.walk import walk_files


def save_16bit_png(path, value: int, size=(16, 12)) -> None:
    Image.fromarray(np.full((size[1], size[0]), value, np.uint16)).save(path)


def test_a_16bit_png_loads_at_its_true_brightness_not_saturated(tmp_path):
    save_16bit_png(tmp_path / "half.png", 32768)
    assert Image.open(tmp_path / "half.png").mode == "I;16"
    array = load_image(tmp_path / "half.png", 8, 1)
    assert abs(float(array.mean()) - 0.5) < 0.005  # PIL's convert("L") alone clips it to 1.0
    rgb = load_image(tmp_path / "half.png", 8, 3)
    assert rgb.shape == (3, 8, 8) and abs(float(rgb.mean()) - 0.5) < 0.005
    ramp = np.linspace(0, 65535, 16 * 16).astype(np.uint16).reshape(16, 16)
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    eight = np.asarray(to_8bit(Image.open(tmp_path / "ramp.png"), 1))
    assert np.array_equal(eight, np.rint(ramp / 257.0).astype(np.uint8))


def test_16bit_big_endian_and_48bit_rgb_tiffs_are_scaled(tmp_path):
    tifffile.imwrite(tmp_path / "be.tif", np.full((10, 10), 16384, ">u2"))
    assert Image.open(tmp_path / "be.tif").mode == "I;16B"
    assert abs(float(load_image(tmp_path / "be.tif", 8, 1).mean()) - 0.25) < 0.005
    rgb16 = np.zeros((10, 10, 3), np.uint16)
    rgb16[..., 0], rgb16[..., 1] = 65535, 32768
    tifffile.imwrite(tmp_path / "rgb16.tif", rgb16)
    means = load_image(tmp_path / "rgb16.tif", 8, 3).mean(axis=(1, 2))
    assert np.allclose(means, [1.0, 0.5, 0.0], atol=0.005)


def test_32bit_integer_images_scale_by_their_bit_depth_or_by_65535(tmp_path):
    tifffile.imwrite(tmp_path / "i32.tif", np.full((10, 10), 2**30, np.int32))  # signed 32-bit: 2^31 − 1 is white
    assert Image.open(tmp_path / "i32.tif").mode == "I"
    assert abs(float(load_image(tmp_path / "i32.tif", 8, 1).mean()) - 0.5) < 0.005
    tifffile.imwrite(tmp_path / "i16.tif", np.full((10, 10), 16384, np.int16))  # signed 16-bit: 32767 is white
    assert abs(float(load_image(tmp_path / "i16.tif", 8, 1).mean()) - 0.5) < 0.005
    Image.fromarray(np.full((10, 10), 49151, np.int32)).save(tmp_path / "deep.pgm")  # PGM: no recorded depth
    assert Image.open(tmp_path / "deep.pgm").mode == "I"
    assert abs(float(load_image(tmp_path / "deep.pgm", 8, 1).mean()) - 0.75) < 0.005
    tifffile.imwrite(tmp_path / "negative.tif", np.full((10, 10), -5, np.int16))
    image, reason = decode_image(tmp_path / "negative.tif")
    assert image is None and "negative" in reason


def test_float_images_are_read_in_0_1_and_other_ranges_are_refused_with_the_range(tmp_path):
    tifffile.imwrite(tmp_path / "quarter.tif", np.full((10, 10), 0.25, np.float32))
    assert Image.open(tmp_path / "quarter.tif").mode == "F"
    assert abs(float(load_image(tmp_path / "quarter.tif", 8, 1).mean()) - 0.25) < 0.005  # convert("L"): 0
    tifffile.imwrite(tmp_path / "hdr.tif", np.linspace(-1, 300, 100, dtype=np.float32).reshape(10, 10))
    image, reason = decode_image(tmp_path / "hdr.tif")
    assert image is None and "range from -1 to 300" in reason and "[0, 1]" in reason
    nan = np.full((10, 10), 0.5, np.float32)
    nan[3, 3] = np.nan
    tifffile.imwrite(tmp_path / "nan.tif", nan)
    assert "NaN" in decode_image(tmp_path / "nan.tif")[1]


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr"])
@pytest.mark.parametrize("channels", [1, 3])
def test_8bit_images_convert_bit_for_bit_as_before(mode, channels):
    pixels = np.random.default_rng(7).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    expected = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    assert np.array_equal(np.asarray(to_8bit(image, channels)), expected)


def test_images_below_the_minimum_size_are_refused_with_their_size(tmp_path):
    assert MIN_IMAGE_SIDE == 8
    Image.new("RGB", (1, 1), "red").save(tmp_path / "dot.png")
    Image.new("RGB", (40, 7), "red").save(tmp_path / "strip.png")
    Image.new("RGB", (8, 8), "red").save(tmp_path / "ok.png")
    assert decode_image(tmp_path / "dot.png") == (None, "image is 1×1 pixels, smaller than the minimum 8×8")
    assert decode_image(tmp_path / "strip.png")[1] == "image is 40×7 pixels, smaller than the minimum 8×8"
    assert decode_image(tmp_path / "ok.png")[1] is None
    scan = scan_image_folder(tmp_path)
    assert [p.name for p in scan.files] == ["ok.png"]
    assert {p.path.name: p.reason for p in scan.problems}["dot.png"].startswith("image is 1×1 pixels")


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (20, 10), "black")
    image.paste(Image.new("RGB", (10, 10), "white"), (10, 0))  # white on the right
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: the white half at the bottom
    image.save(tmp_path / "turned.jpg", exif=exif, quality=95)
    decoded, reason = decode_image(tmp_path / "turned.jpg")
    assert reason is None and decoded.size == (10, 20)
    array = np.asarray(decoded.convert("L"), dtype=float)
    assert array[:8].mean() < 30 and array[12:].mean() > 225


@pytest.mark.parametrize("target", ["sub", "root", "self"])
def test_a_symbolic_link_loop_is_reported_and_the_good_images_are_kept(tmp_path, target):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        Image.new("RGB", (16, 16), "red").save(root / name)
    link = root / "sub" / "loop"
    link.symlink_to({"sub": root / "sub", "root": root, "self": link}[target])
    files, problems = walk_files(root)
    assert [p.name for p in files] == ["a.png", "b.png"]
    assert [p.path for p in problems] == [link] and "loop" in problems[0].reason
    scan = scan_image_folder(root)  # `sub` holds no image, so it is no class folder hiding a.png and b.png
    assert [p.name for p in scan.files] == ["a.png", "b.png"] and scan.class_names == ()
    assert [p.path for p in scan.problems] == [link]


def test_links_to_files_and_folders_outside_are_read_once_and_broken_links_reported(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    Image.new("L", (16, 16), 200).save(outside / "far.png")
    root = tmp_path / "root"
    (root / "cls").mkdir(parents=True)
    Image.new("L", (16, 16), 100).save(root / "cls" / "near.png")
    (root / "cls" / "far_link.png").symlink_to(outside / "far.png")
    (root / "cls" / "linked").symlink_to(outside)
    (root / "cls" / "linked_again").symlink_to(outside)
    (root / "cls" / "gone.png").symlink_to(tmp_path / "deleted.png")
    files, problems = walk_files(root)
    rel = [p.relative_to(root).as_posix() for p in files]
    assert rel == ["cls/far_link.png", "cls/linked/far.png", "cls/near.png"]
    reasons = {p.path.name: p.reason for p in problems}
    assert reasons["gone.png"].startswith("broken symbolic link")
    assert "already read" in reasons["linked_again"]
    scan = scan_image_folder(root)
    assert scan.class_names == ("cls",) and len(scan.files) == 3


def test_hidden_entries_and_excluded_folders_are_not_walked(tmp_path):
    (tmp_path / ".thumbs").mkdir()
    (tmp_path / ".thumbs" / "x.png").write_bytes(b"")
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "y.png").write_bytes(b"")
    (tmp_path / "z.png").write_bytes(b"")
    assert walk_files(tmp_path, exclude=[tmp_path / "test"])[0] == [tmp_path / "z.png"]
    assert walk_files(tmp_path, recursive=False)[0] == [tmp_path / "z.png"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_reported_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    files, problems = walk_files(tmp_path)
    assert files == [] and "not a regular file" in problems[0].reason


def test_single_file_readers_scale_16bit_images_too(tmp_path):
    from workbench.latent.codes import load_image_file as latent_image
    from workbench.superres.comparison import read_image
    from workbench.translation.images import load_image_file as translation_image

    save_16bit_png(tmp_path / "half.png", 32768, size=(16, 16))
    assert abs(float(translation_image(tmp_path / "half.png", 8, 1).mean())) < 0.01  # [-1, 1]: 0 is mid-grey
    assert abs(float(latent_image(tmp_path / "half.png", (3, 8, 8)).mean())) < 0.01
    assert abs(float(read_image(tmp_path / "half.png").mean()) - 128) < 1
