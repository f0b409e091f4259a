"""The super-resolution core on tiny trained runs: loading and its errors, tiled upscaling, comparison views and
their metrics, mismatched scales, the comparison PNG, image files and the held-out examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from workbench.superres.comparison import (
    VIEW_BICUBIC,
    VIEW_HR,
    VIEW_LR,
    bicubic_downscale,
    build_comparison,
    held_out_examples,
    read_image,
)
from workbench.superres.errors import SuperResolutionError
from workbench.superres.export import PAD, save_comparison_png
from workbench.superres.model import SuperResolutionModel

TINY = {"data": "sr-photos", "image_size": 16, "steps": 2, "batch_size": 2, "residual_blocks": 1}


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture
def srresnet(tiny_run) -> SuperResolutionModel:
    return SuperResolutionModel.from_run(tiny_run("srresnet", data_options={"scale": 2}, **TINY))


def photo(h: int = 30, w: int = 37) -> np.ndarray:
    """A smooth colour image with some texture (deterministic)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 3.0)
    g = 128 + 100 * np.cos(y / 4.0)
    b = 128 + 60 * np.sin((x + y) / 5.0)
    return np.clip(np.stack([r, g, b], axis=2), 0, 255).astype(np.uint8)


# ---- the model ----------------------------------------------------------------------------------------------------
def test_from_run_describes_the_model(srresnet):
    assert srresnet.method_name == "srresnet" and srresnet.display_name == "SRResNet"
    assert (srresnet.scale, srresnet.channels, srresnet.run_id, srresnet.step) == (2, 3, "tiny-srresnet", 2)
    assert srresnet.label == "SRResNet (tiny-srresnet)"
    assert "step 2" in srresnet.describe() and "×2" in srresnet.describe()


def test_from_run_refuses_runs_that_do_not_upscale(tiny_run, workspace):
    with pytest.raises(SuperResolutionError, match="trains 'vae', which does not upscale"):
        SuperResolutionModel.from_run(tiny_run("vae", steps=2))

    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class

    settings = method_settings_class("srresnet")(residual_blocks=1, channels=8)
    data = DataConfig(name="sr-photos", image_size=16, channels=3, scale=2, batch_size=2)
    untrained = workspace.create_run(RunConfig(settings, data, TrainConfig(steps=2)), name="untrained")
    with pytest.raises(SuperResolutionError, match="untrained has no checkpoint yet"):
        SuperResolutionModel.from_run(untrained)


def test_from_run_reports_a_checkpoint_that_does_not_fit(tiny_run):
    import dataclasses

    run = tiny_run("srresnet", data_options={"scale": 2}, **TINY)
    config = run.config
    run.write(dataclasses.replace(config, method=dataclasses.replace(config.method, channels=16)), run.info())
    with pytest.raises(SuperResolutionError, match="cannot load run tiny-srresnet: step 2 does not fit this run.s "
                                                   "settings: tensor method/G/.*method.channels"):
        SuperResolutionModel.from_run(run)


def test_tiled_upscaling_equals_one_pass(srresnet):
    lr = torch.rand(1, 3, 27, 21, generator=torch.Generator().manual_seed(0)) * 2 - 1
    whole = srresnet.upscale(lr)
    tiled = srresnet.upscale(lr, tile_pixels=16 * 16)  # 8×8 LR tiles: 12 tiles, each with its context
    assert whole.shape == (1, 3, 54, 42)
    assert torch.allclose(whole, tiled, atol=1e-5)
    with pytest.raises(SuperResolutionError, match="N×3×h×w"):
        srresnet.upscale(torch.zeros(1, 1, 8, 8))


# ---- comparisons --------------------------------------------------------------------------------------------------
def test_views_of_an_hr_image(srresnet):
    image = photo(30, 37)  # width 37 is cropped to 36 (a multiple of ×2)
    comparison = build_comparison(image, [srresnet], source="smooth.png")
    names = [v.name for v in comparison.views]
    assert names == [VIEW_LR, VIEW_BICUBIC, "SRResNet (tiny-srresnet)", VIEW_HR]
    for view in comparison.views:
        assert view.image.dtype == np.uint8 and view.image.shape == (30, 36, 3)
    assert np.array_equal(comparison.hr, image[:, :36])
    assert comparison.lr.shape == (15, 18, 3)
    assert any("cropped from 37×30 to 36×30" in note for note in comparison.notes)
    for view in comparison.views[:3]:
        assert view.psnr is not None and math.isfinite(view.psnr) and 0 < view.ssim <= 1
        assert "PSNR" in view.caption and "SSIM" in view.caption
    hr_view = comparison.view(VIEW_HR)
    assert hr_view.psnr is None and hr_view.caption == "reference (original)"
    # the LR view is the LR input with each pixel repeated 2×2; the model's view is exactly its upscaling
    assert np.array_equal(comparison.view(VIEW_LR).image[::2, ::2], comparison.lr)
    assert np.array_equal(comparison.views[2].image, srresnet.upscale_uint8(comparison.lr))
    assert comparison.convention.startswith("PSNR / SSIM on RGB") and "2-pixel border" in comparison.convention


def test_bicubic_psnr_equals_a_direct_computation():
    image = photo(32, 40)
    comparison = build_comparison(image, [], scale=2)  # no model: the bicubic baseline alone
    lr = np.asarray(Image.fromarray(image).resize((20, 16), Image.Resampling.BICUBIC))  # antialiased downscale
    assert np.array_equal(comparison.lr, lr)
    x = torch.from_numpy(lr.copy()).permute(2, 0, 1)[None].float() / 255
    up = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False).clamp(0, 1)
    up = (up[0].permute(1, 2, 0) * 255).round().numpy().astype(np.float64) / 255
    mse = np.mean((up[2:-2, 2:-2] - image[2:-2, 2:-2] / 255) ** 2)
    assert comparison.view(VIEW_BICUBIC).psnr == pytest.approx(10 * math.log10(1 / mse), abs=1e-9)


def test_views_of_a_low_resolution_image_have_no_metrics(srresnet):
    comparison = build_comparison(photo(9, 11), [srresnet], as_lr=True, source="small.png")
    assert [v.name for v in comparison.views] == [VIEW_LR, VIEW_BICUBIC, srresnet.label]
    assert not comparison.has_hr and comparison.size == (18, 22)
    for view in comparison.views:
        assert view.image.shape == (18, 22, 3) and view.psnr is None and view.ssim is None
        assert view.caption == "no HR: no metrics"
    assert "LR 11×9" in comparison.describe()


def test_small_images(srresnet):
    with pytest.raises(SuperResolutionError, match="too small to use as HR"):
        build_comparison(photo(3, 40), [srresnet])
    comparison = build_comparison(photo(12, 12), [srresnet])  # 12 − 2·2 < SSIM's 11-pixel window
    assert comparison.views[1].psnr is not None and comparison.views[1].ssim is None
    assert any("no SSIM" in note for note in comparison.notes)


def test_models_of_different_scales_are_refused(srresnet, tiny_run):
    srgan = SuperResolutionModel.from_run(tiny_run("srgan", name="srgan-x4", data_options={"scale": 4}, **TINY))
    assert srgan.scale == 4 and srgan.label == "SRGAN (srgan-x4)"
    with pytest.raises(SuperResolutionError, match="different scales.*×2.*×4"):
        build_comparison(photo(), [srresnet, srgan])
    comparison = build_comparison(photo(32, 32), [srgan])
    assert comparison.scale == 4 and comparison.lr.shape == (8, 8, 3)


def test_two_models_of_one_scale(srresnet, tiny_run):
    srgan = SuperResolutionModel.from_run(tiny_run("srgan", name="srgan-x2", data_options={"scale": 2}, **TINY))
    comparison = build_comparison(photo(), [srresnet, srgan, srresnet])  # a model given twice shows once
    assert [v.name for v in comparison.views] == [VIEW_LR, VIEW_BICUBIC, srresnet.label, srgan.label, VIEW_HR]
    assert not np.array_equal(comparison.views[2].image, comparison.views[3].image)


# ---- export -------------------------------------------------------------------------------------------------------
def test_export_png_has_the_views_side_by_side(srresnet, tmp_path):
    comparison = build_comparison(photo(30, 36), [srresnet], source="smooth.png")
    path = save_comparison_png(comparison, tmp_path / "out" / "comparison.png", zoom=8)
    with Image.open(path) as png:
        figure = np.asarray(png.convert("RGB"))
    assert figure.shape[1] == PAD + 4 * (36 * 8 + PAD)  # 4 views of 288 px, wider than their captions
    assert figure.shape[0] > PAD + 30 * 8 + 3 * 13  # captions and the convention under the views
    first = figure[PAD:PAD + 240, PAD:PAD + 288]
    assert np.array_equal(first[::8, ::8], comparison.views[0].image)  # nearest-neighbour enlargement
    last_x = PAD + 3 * (288 + PAD)
    assert np.array_equal(figure[PAD:PAD + 240:8, last_x:last_x + 288:8], comparison.hr)
    assert save_comparison_png(comparison, tmp_path / "named.jpg").name == "named.jpg.png"


# ---- files and examples -------------------------------------------------------------------------------------------
def test_read_image(tmp_path):
    gray = tmp_path / "gray.png"
    Image.fromarray(np.arange(48, dtype=np.uint8).reshape(6, 8)).save(gray)
    image = read_image(gray)
    assert image.shape == (6, 8, 3) and np.array_equal(image[:, :, 0], image[:, :, 2])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(SuperResolutionError, match="broken.png"):
        read_image(broken)
    with pytest.raises(SuperResolutionError, match="no such file"):
        read_image(tmp_path / "missing.png")


def test_held_out_examples_come_from_the_test_split():
    examples = held_out_examples(count=3, image_size=16, scale=2)
    assert len(examples) == 3
    assert [name for name, _ in examples][0] == "sr-photos test #0"
    for _, image in examples:
        assert image.shape == (16, 16, 3) and image.dtype == np.uint8
    from workbench.config import DataConfig
    from workbench.data.build import build_dataset

    test = build_dataset(DataConfig(name="sr-photos", image_size=16, channels=3, scale=2), split="test")
    lr, hr = test.get_batch(torch.tensor([0]))
    assert np.array_equal(examples[0][1], hr[0].add(1).mul(127.5).round().byte().permute(1, 2, 0).numpy())
    assert np.array_equal(bicubic_downscale(examples[0][1], 2), lr[0].add(1).mul(127.5).round().byte()
                          .permute(1, 2, 0).numpy())  # the pane's LR is the data's LR


def test_a_grayscale_model_compares_grayscale_views(tiny_run):
    model = SuperResolutionModel.from_run(tiny_run("srresnet", name="gray", data_options={"scale": 2, "channels": 1},
                                                   **TINY))
    assert model.channels == 1
    comparison = build_comparison(photo(), [model])
    assert any("grayscale" in note for note in comparison.notes)
    for view in comparison.views:
        assert view.image.shape == (30, 36, 3)
        assert np.array_equal(view.image[:, :, 0], view.image[:, :, 1])  # shown as RGB, compared as gray
