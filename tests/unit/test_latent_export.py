"""Export: PNG strips by make_grid, GIFs and MP4s read back (frame count, size), clear errors on bad paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.latent.errors import LatentError
from workbench.latent.export import save_gif, save_mp4, save_png_strip, to_uint8_frames, upscale_factor


def ramp(n: int, channels: int = 3, size: int = 16) -> torch.Tensor:
    """n visibly different frames in [-1, 1]: a brightness ramp, so no two consecutive frames are equal."""
    levels = torch.linspace(-1, 1, n)
    frames = levels[:, None, None, None].expand(n, channels, size, size).clone()
    frames[:, :, : size // 2, : size // 2] = -levels[:, None, None, None]  # and a moving pattern
    return frames


def test_to_uint8_frames_maps_the_range_and_upscales_by_repeating_pixels():
    images = torch.tensor([[[[-1.0, 1.0], [0.0, 2.0]]]])  # 1×1×2×2, 2.0 is clipped
    frames = to_uint8_frames(images)
    assert frames.shape == (1, 2, 2, 1) and frames.dtype == np.uint8
    assert frames[0, :, :, 0].tolist() == [[0, 255], [128, 255]]
    big = to_uint8_frames(images, scale=3)
    assert big.shape == (1, 6, 6, 1)
    assert (big[0, :3, :3, 0] == 0).all() and (big[0, 3:, :3, 0] == 128).all()
    assert to_uint8_frames(ramp(2, channels=3)).shape == (2, 16, 16, 3)


def test_png_strip_has_make_grid_size(tmp_path):
    path = save_png_strip(ramp(5), tmp_path / "strip.png")
    with Image.open(path) as png:
        assert png.size == (5 * 16 + 6 * 2, 16 + 2 * 2)  # one row; make_grid pads 2 px around every image
    grid = save_png_strip(ramp(6, channels=1), tmp_path / "sub" / "grid.png", nrow=3, padding=1, scale=2)
    with Image.open(grid) as png:
        assert png.size == (2 * (3 * 16 + 4), 2 * (2 * 16 + 3))
        assert png.mode == "RGB"
    assert not list(tmp_path.glob(".tmp-*"))  # the temporary file became the result
    assert path.stat().st_mode & 0o777 == 0o644  # not the temporary file's 0600
    path.chmod(0o600)
    save_png_strip(ramp(3), path)
    assert path.stat().st_mode & 0o777 == 0o600  # a replaced file keeps its mode


def test_gif_frame_count_size_timing_and_bounce(tmp_path):
    path = save_gif(ramp(6), tmp_path / "anim.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 6
        assert gif.size == (128, 128)  # 16 px frames upscaled ×8 so viewers show them
        assert gif.info["duration"] == 200
        assert gif.info["loop"] == 0
    bounced = save_gif(ramp(5, channels=1), tmp_path / "bounce.gif", bounce=True, loop=False, min_size=0)
    with Image.open(bounced) as gif:
        assert gif.n_frames == 5 + 3  # forward, then back without repeating the ends
        assert gif.size == (16, 16)
        assert "loop" not in gif.info
        gif.seek(6)
        back = np.asarray(gif.convert("L"))
    assert np.abs(back.astype(int) - to_uint8_frames(ramp(5, channels=1))[2, :, :, 0]).max() <= 2


def test_mp4_is_readable_with_the_right_frame_count_and_even_size(tmp_path):
    import imageio.v2 as imageio

    path = save_mp4(ramp(7, size=15), tmp_path / "anim.mp4", fps=10)  # 15 px ×9 = 135: odd, padded to 136
    reader = imageio.get_reader(path, format="FFMPEG")
    try:
        frames = list(reader.iter_data())  # not list(reader): its __len__ is huge for streams
        meta = reader.get_meta_data()
    finally:
        reader.close()
    assert len(frames) == 7
    assert frames[0].shape == (136, 136, 3)
    assert meta["codec"] == "h264" and meta["fps"] == pytest.approx(10)
    expected = to_uint8_frames(ramp(7, size=15), scale=9)[3]
    assert np.abs(frames[3][:135, :135].astype(int) - expected.astype(int)).mean() < 8  # lossy, but the picture
    assert not list(tmp_path.glob(".tmp-*"))
    assert path.stat().st_mode & 0o777 == 0o644


def test_upscale_factor():
    assert upscale_factor(16, 16) == 8 and upscale_factor(28, 28) == 5 and upscale_factor(256, 300) == 1
    assert upscale_factor(16, 64, min_size=0) == 1


def test_unwritable_paths_are_latent_errors(tmp_path):
    with pytest.raises(LatentError, match="is a folder"):
        save_png_strip(ramp(2), tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for save, name in ((save_png_strip, "x.png"), (save_gif, "x.gif"), (save_mp4, "x.mp4")):
        with pytest.raises(LatentError, match="cannot write"):
            save(ramp(2), blocker / name)
    with pytest.raises(LatentError, match="N×C×H×W"):
        save_gif(torch.zeros(0, 3, 4, 4), tmp_path / "empty.gif")
