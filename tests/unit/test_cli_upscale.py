"""`workbench upscale RUN IMAGE` on tiny trained runs: the files it writes, the metrics it prints, its refusals.

The command's functions are called through a parser built like `workbench.cli` builds its own."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.cli import upscale
from workbench.cli.common import CLIError

TINY = {"data": "sr-photos", "image_size": 16, "steps": 2, "batch_size": 2, "residual_blocks": 1}


@pytest.fixture(autouse=True)
def one_thread(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default output files land here
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def run_command(workspace, *argv) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="workbench", parents=[common])
    upscale.add_parser(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(["upscale", *map(str, argv)])
    return upscale.run(args, str(workspace.root))


@pytest.fixture
def image_file(tmp_path):
    y, x = np.mgrid[0:30, 0:41]
    image = np.stack([128 + 100 * np.sin(x / 3), 128 + 100 * np.cos(y / 4), 90 + 0 * x], axis=2).astype(np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(image).save(path)
    return path


def test_upscale_an_hr_image_prints_metrics_and_writes_the_comparison(tiny_run, workspace, image_file, tmp_path,
                                                                       capsys):
    srresnet = tiny_run("srresnet", data_options={"scale": 2}, **TINY)
    srgan = tiny_run("srgan", name="tiny-srgan", data_options={"scale": 2}, **TINY)
    out, figure = tmp_path / "sr.png", tmp_path / "figures" / "cmp.png"
    assert run_command(workspace, srresnet.id, image_file, "-o", out, "--with", srgan.id, "--compare", figure,
                       "--zoom", 6) == 0
    printed = capsys.readouterr().out
    with Image.open(out) as png:
        assert png.size == (40, 30)  # HR 41×30 cropped to a multiple of 2, downscaled, upscaled again
    assert f"{out}: SRResNet (tiny-srresnet, step 2) ×2 of photo.png's bicubic ÷2 downscale, 20×15 → 40×30" in printed
    assert "HR cropped from 41×30 to 40×30" in printed
    table = {line.split("  ")[0].strip(): line for line in printed.splitlines()}
    for name in ("LR (nearest)", "bicubic", "SRResNet (tiny-srresnet)", "SRGAN (tiny-srgan)"):
        numbers = table[name].split()[-2:]
        assert float(numbers[0]) > 0 and 0 < float(numbers[1]) <= 1
    assert "PSNR / SSIM on RGB in [0, 1], 2-pixel border cropped" in printed
    with Image.open(figure) as png:
        assert png.size[0] == 8 + 5 * (40 * 6 + 8)  # LR, bicubic, two models, HR at 6×
    assert f"{figure}: comparison of LR (nearest), bicubic, SRResNet (tiny-srresnet), SRGAN (tiny-srgan), HR" in printed


def test_upscale_a_low_resolution_image(tiny_run, workspace, image_file, tmp_path, capsys):
    run = tiny_run("srresnet", data_options={"scale": 2}, **TINY)
    assert run_command(workspace, run.id, image_file, "--as-lr") == 0
    printed = capsys.readouterr().out
    default = tmp_path / "photo-x2-tiny-srresnet.png"
    with Image.open(default) as png:
        assert png.size == (82, 60)
    assert "of photo.png's low-resolution input, 41×30 → 82×60" in printed
    assert "PSNR" not in printed  # no original: no metrics


def test_refusals(tiny_run, workspace, image_file, tmp_path):
    run = tiny_run("srresnet", data_options={"scale": 2}, **TINY)
    x4 = tiny_run("srresnet", name="tiny-x4", data_options={"scale": 4}, **TINY)
    with pytest.raises(CLIError, match="different scales"):
        run_command(workspace, run.id, image_file, "--with", x4.id)
    with pytest.raises(CLIError, match="no run 'missing'"):
        run_command(workspace, "missing", image_file)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(CLIError, match="broken.png: not a recognised image format"):
        run_command(workspace, run.id, broken)
    vae = tiny_run("vae", steps=2)
    with pytest.raises(CLIError, match="does not upscale images"):
        run_command(workspace, vae.id, image_file)
    with pytest.raises(CLIError, match="--zoom 0"):
        run_command(workspace, run.id, image_file, "--zoom", 0)
