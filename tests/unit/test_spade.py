"""SPADE: the normalisation reads the label map, the generator and the multi-scale discriminator have the shapes the
method relies on, a training step moves both networks, and label maps are read by the nearest palette colour.

The data here are made by the tests: rectangles of palette colours as label maps, random images as targets (the
built-in label-map dataset is exercised by the method contract test)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.data.label_maps import one_hot, palette_colors
from workbench.methods.registry import build_method, method_settings_class
from workbench.nets.multiscale_patchgan import MultiscaleDiscriminator
from workbench.nets.spade import SPADE, SPADEGenerator, block_channels, num_upsamplings

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

CLASSES = 5
COLORS = palette_colors(CLASSES)
TINY = {"g_channels": 4, "spade_hidden": 8, "d_channels": 4, "d_layers": 2}


def label_info(size: int = 16, name: str = "painted-scenes", colors: tuple = COLORS) -> DataInfo:
    return DataInfo(name=name, size=8, channels=3, image_size=size, kind="paired", domains=("labels", "scenes"),
                    label_names=tuple(f"class {i}" for i in range(len(colors))), label_colors=colors)


def rectangles(n: int, size: int, seed: int = 0) -> torch.Tensor:
    """Class ids N×H×W: a background class with two rectangles of other classes on it."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(n, size, size, dtype=torch.long)
    for i in range(n):
        for _ in range(2):
            y0, x0 = torch.randint(0, size // 2, (2,), generator=g).tolist()
            h, w = torch.randint(2, size // 2 + 1, (2,), generator=g).tolist()
            ids[i, y0:y0 + h, x0:x0 + w] = int(torch.randint(1, CLASSES, (1,), generator=g))
    return ids


def palette_image(ids: torch.Tensor) -> torch.Tensor:
    """Class ids → the colour label map N×3×H×W in [-1, 1], as a label-map dataset gives it."""
    table = torch.tensor(COLORS, dtype=torch.float32) / 127.5 - 1
    return table[ids].permute(0, 3, 1, 2).contiguous()


def build(size: int = 16, info: DataInfo | None = None, **settings) -> object:
    config = RunConfig(method_settings_class("spade")(**{**TINY, **settings}),
                       DataConfig(name="edges2photos", image_size=size, channels=3, batch_size=4),
                       TrainConfig(steps=1, mixed_precision=False))
    return build_method(config, info or label_info(size), torch.device("cpu"))


def randomised(module: torch.nn.Module) -> torch.nn.Module:
    """Weights of an ordinary scale, so that γ and β are far from 0 (the 0.02-gain initialisation leaves them
    near 0 and the layer near a plain normalisation)."""
    torch.manual_seed(0)
    for p in module.parameters():
        torch.nn.init.normal_(p, 0.0, 0.3)
    return module


def test_spade_modulates_by_the_label_map():
    layer = randomised(SPADE(6, CLASSES, 8, norm="instance"))
    x = torch.randn(2, 6, 12, 12)
    first, second = one_hot(rectangles(2, 12, seed=1), CLASSES), one_hot(rectangles(2, 12, seed=2), CLASSES)
    assert not torch.allclose(layer(x, first), layer(x, second))
    # A label map at another size is resized (nearest) to the features' size.
    assert layer(x, F.interpolate(first, scale_factor=2, mode="nearest")).shape == x.shape

    uniform = one_hot(torch.full((2, 12, 12), 3), CLASSES)
    gamma, beta = layer.modulation(uniform, (12, 12))
    # Away from the zero padding of the two 3×3 convolutions, one class everywhere gives one γ and β everywhere.
    for t in (gamma, beta):
        inner = t[..., 2:-2, 2:-2]
        assert torch.allclose(inner, inner[..., :1, :1].expand_as(inner), atol=1e-5)
        assert inner.abs().max() > 0.1
    normalised = F.instance_norm(x)
    assert torch.allclose(layer(x, uniform), normalised * (1 + gamma) + beta, atol=1e-5)


@pytest.mark.parametrize("size", [16, 32, 64])
def test_generator_makes_images_of_the_label_maps_size(size):
    k = num_upsamplings(size)
    assert size // 2**k == 8  # starts at 8×8, as the reference at 256 px (5 upsamplings)
    assert block_channels(4, k)[-1] == 4 and block_channels(4, 5) == [64, 64, 32, 16, 8, 4]
    g = SPADEGenerator(CLASSES, 3, size, width=4, hidden=8)
    out = g(one_hot(rectangles(2, size), CLASSES))
    assert out.shape == (2, 3, size, size) and out.abs().max() <= 1 and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="multiples of"):
        g(torch.zeros(1, CLASSES, size + 1, size + 1))


def test_multiscale_discriminator_returns_every_layer_per_scale():
    d = MultiscaleDiscriminator(CLASSES + 3, width=4, n_layers=3, num_d=3)
    outputs = d(torch.randn(2, CLASSES + 3, 16, 16))
    assert len(outputs) == 3 and all(len(scale) == 4 for scale in outputs)  # 3 layers + the score map
    assert [scale[-1].shape[1] for scale in outputs] == [1, 1, 1]
    assert [scale[0].shape[1] for scale in outputs] == [4, 4, 4] and outputs[0][1].shape[1] == 8
    assert [scale[-1].shape[-1] for scale in outputs] == [7, 5, 4]  # inputs of 16, 8 and 4 pixels (padding 2)


@pytest.mark.parametrize("gan_loss", ["hinge", "least_squares"])
def test_a_training_step_moves_both_networks(gan_loss):
    method = build(gan_loss=gan_loss)
    before = {name: [p.detach().clone() for p in net.parameters()] for name, net in (("G", method.G), ("D", method.D))}
    x, y = palette_image(rectangles(4, 16)), torch.rand(4, 3, 16, 16) * 2 - 1
    scalars = method.train_step((x, y))
    assert set(method.loss_names) <= set(scalars) and all(torch.isfinite(torch.tensor(v)) for v in scalars.values())
    assert scalars["loss_g_feat"] > 0
    for name, net in (("G", method.G), ("D", method.D)):
        assert any(not torch.equal(a, b) for a, b in zip(before[name], net.parameters(), strict=True)), name


def test_translate_reads_label_maps_by_the_nearest_palette_colour():
    method = build()
    ids = rectangles(3, 16)
    x = palette_image(ids)
    out = method.translate(x)
    assert out.shape == x.shape and out.abs().max() <= 1 and out.device.type == "cpu"
    with torch.no_grad():
        method.G.eval()
        assert torch.allclose(out, method.G(one_hot(ids, CLASSES)))
    # Softened edges (a 3×3 blur mixed in) and noise, as resizing or JPEG leave them: still the same classes.
    blurred = 0.8 * x + 0.2 * F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
    off_palette = (blurred + 0.03 * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)
    assert not torch.equal(off_palette, x)
    assert torch.equal(method.segmap(off_palette).argmax(1), ids)
    assert torch.equal(method.translate(off_palette), out)
    with pytest.raises(ValueError, match="one direction only"):
        method.translate(x, "BtoA")


def test_a_dataset_without_label_maps_is_refused_in_one_line():
    plain = DataInfo(name="edges2photos", size=8, channels=3, image_size=16, kind="paired", domains=("edges", "photos"))
    with pytest.raises(ConfigError) as err:
        build(info=plain)
    assert str(err.value) == ("data.name: method 'spade' trains on semantic label maps → images (labels2scenes "
                              "or spade-folder, data.direction AtoB), but dataset 'edges2photos' holds paired images "
                              "(A, B)")
    with pytest.raises(ConfigError, match="data.channels"):
        build(info=DataInfo(**{**vars(label_info()), "channels": 1}))


def test_the_vgg_loss_needs_a_weights_file_and_weights_deep_layers_most():
    from pathlib import Path

    from workbench.methods.spade.perceptual import TAPS, VGGPerceptualLoss
    from workbench.nets.vgg_features import VGGFeatures, feature_layers

    with pytest.raises(ConfigError, match=r"method\.vgg_weights: the VGG loss"):
        build(lambda_vgg=10.0)
    assert list(TAPS.values()) == [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0]
    features = randomised(feature_layers("relu5_4").to_empty(device="cpu"))
    for p in features.parameters():
        p.data.mul_(0.1 / 0.3)
    loss = VGGPerceptualLoss(VGGFeatures(features, "relu5_4", Path("random-vgg19.pth")))
    method = build(lambda_vgg=10.0, vgg_weights="random-vgg19.pth")
    method._perceptual = loss  # what the file would give; the file reading is tested in test_vgg_features.py
    scalars = method.train_step((palette_image(rectangles(2, 16)), torch.rand(2, 3, 16, 16) * 2 - 1))
    assert "loss_g_vgg" in method.loss_names and scalars["loss_g_vgg"] > 0
    assert [t.shape[1] for t in loss.taps(torch.zeros(1, 3, 16, 16))] == [64, 128, 256, 512, 512]


def test_only_label_map_datasets_fit_spade_and_they_also_fit_pix2pix():
    from workbench.config import ConfigError
    from workbench.data.catalog import available_datasets
    from workbench.methods.registry import check_data_kind, fits_data, method_spec

    spade, pix2pix = method_spec("spade"), method_spec("pix2pix")
    fitting = {spec.name for spec in available_datasets() if fits_data(spade, spec.kinds)}
    assert fitting == {"labels2scenes", "spade-folder"}
    assert all(fits_data(pix2pix, spec.kinds) for spec in available_datasets() if spec.name in fitting)
    with pytest.raises(ConfigError, match="data.name: method 'spade' trains on semantic label maps"):
        check_data_kind("spade", "edges2photos", "paired")
