"""The VGG-19 feature extractor reads the user's local weights file only, in torchvision's key format (.pth or
.safetensors), refuses anything else with a message naming method.vgg_weights, and feeds SRGAN's content loss.

The files are written by the tests: the relu2_2 layers of a seeded random VGG-19 (four convolutions, 0.3 MB)."""

from __future__ import annotations

import math
import pathlib

import pytest
import torch
import torch.nn.functional as F

from workbench.config import ConfigError
from workbench.methods.sr_content_loss import (
    PIXEL_FALLBACK,
    VGG_RESCALE,
    PixelContentLoss,
    VGGContentLoss,
    build_content_loss,
)
from workbench.nets.vgg_features import IMAGENET_MEAN, IMAGENET_STD, feature_layers, load_vgg_features


def relu2_2_state() -> dict[str, torch.Tensor]:
    """torchvision's vgg19 key names for the layers up to relu2_2, with seeded random weights."""
    layers = feature_layers("relu2_2").to_empty(device="cpu")
    generator = torch.Generator().manual_seed(0)
    state = {}
    for key, value in layers.state_dict().items():
        state[f"features.{key}"] = torch.randn(value.shape, generator=generator) * 0.1
    return state


@pytest.fixture
def weights(tmp_path) -> dict[str, pathlib.Path]:
    from safetensors.torch import save_file

    state = relu2_2_state()
    pth, safetensors = tmp_path / "vgg19-relu2_2.pth", tmp_path / "vgg19-relu2_2.safetensors"
    torch.save(state, pth)
    save_file(state, str(safetensors))
    return {"pth": pth, "safetensors": safetensors}


def reference_features(state: dict[str, torch.Tensor], images: torch.Tensor) -> torch.Tensor:
    """relu2_2 computed by hand from the same weights: conv-relu-conv-relu-pool-conv-relu-conv-relu."""
    x = ((images + 1) / 2 - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    for i in (0, 2):
        x = F.relu(F.conv2d(x, state[f"features.{i}.weight"], state[f"features.{i}.bias"], padding=1))
    x = F.max_pool2d(x, 2)
    for i in (5, 7):
        x = F.relu(F.conv2d(x, state[f"features.{i}.weight"], state[f"features.{i}.bias"], padding=1))
    return x


@pytest.mark.parametrize("kind", ["pth", "safetensors"])
def test_loads_torchvision_keys_and_computes_relu2_2(weights, kind):
    extractor = load_vgg_features(weights[kind], "relu2_2")
    images = torch.rand(2, 3, 12, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    out = extractor(images)
    assert out.shape == (2, 128, 6, 8)
    assert torch.allclose(out, reference_features(relu2_2_state(), images), atol=1e-5)
    assert not any(p.requires_grad for p in extractor.parameters())
    extractor.train()
    assert not extractor.training  # a measuring instrument: never switched to training mode
    assert extractor.layer == "relu2_2" and extractor.source == weights[kind]


def test_gradients_reach_the_input_and_grayscale_is_repeated(weights):
    extractor = load_vgg_features(weights["pth"], "relu2_2")
    gray = torch.zeros(1, 1, 8, 8, requires_grad=True)
    extractor(gray).sum().backward()
    assert gray.grad is not None and gray.grad.abs().sum() > 0
    assert torch.equal(extractor(gray.detach()), extractor(gray.detach().expand(-1, 3, -1, -1)))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: no VGG-19 weights file at .*nowhere\.pth"):
        load_vgg_features(tmp_path / "nowhere.pth", "relu2_2")


def test_missing_keys_are_named(tmp_path, weights):
    state = relu2_2_state()
    del state["features.7.weight"]
    torch.save(state, tmp_path / "partial.pth")
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: .* lacks .*features\.7\.weight"):
        load_vgg_features(tmp_path / "partial.pth", "relu2_2")
    with pytest.raises(ConfigError, match=r"lacks the VGG-19 feature weights up to relu5_4: features\.10\.weight"):
        load_vgg_features(weights["pth"], "relu5_4")  # a relu2_2-only file cannot serve relu5_4


def test_wrong_shape_is_named(tmp_path):
    from safetensors.torch import save_file

    state = relu2_2_state()
    state["features.5.weight"] = torch.zeros(64, 64, 3, 3)  # VGG-16's shape elsewhere, not VGG-19's conv2_1
    save_file(state, str(tmp_path / "wrong.safetensors"))
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: features\.5\.weight .* shape \(64, 64, 3, 3\), "
                                          r"VGG-19 needs \(128, 64, 3, 3\)"):
        load_vgg_features(tmp_path / "wrong.safetensors", "relu2_2")


class RunsCode:
    """A pickle that would create a file when unpickled by a plain `torch.load` / `pickle.load`."""

    def __init__(self, target: pathlib.Path) -> None:
        self.target = target

    def __reduce__(self):
        return (pathlib.Path.touch, (self.target,))


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    canary = tmp_path / "unpickling-ran-code"
    torch.save({"features.0.weight": RunsCode(canary)}, tmp_path / "evil.pth")
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: .*evil\.pth is not a PyTorch weights file that "
                                          r"loads safely \(torch\.load with weights_only=True refused it"):
        load_vgg_features(tmp_path / "evil.pth", "relu2_2")
    assert not canary.exists()


def test_files_that_are_not_state_dicts(tmp_path):
    (tmp_path / "notes.pth").write_text("these are not weights")
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: .*notes\.pth is not a PyTorch weights file"):
        load_vgg_features(tmp_path / "notes.pth", "relu2_2")
    torch.save([torch.zeros(3)], tmp_path / "list.pth")
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: .*list\.pth holds a list, not a state dict"):
        load_vgg_features(tmp_path / "list.pth", "relu2_2")
    (tmp_path / "broken.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(ConfigError, match=r"method\.vgg_weights: .*broken\.safetensors is not a valid safetensors"):
        load_vgg_features(tmp_path / "broken.safetensors", "relu2_2")
    state = relu2_2_state()
    state["features.0.bias"] = torch.zeros(64, dtype=torch.int64)
    torch.save(state, tmp_path / "ints.pth")
    with pytest.raises(ConfigError, match=r"features\.0\.bias in .* is not a floating-point tensor"):
        load_vgg_features(tmp_path / "ints.pth", "relu2_2")


def test_content_loss_on_vgg_features(weights):
    loss = build_content_loss(str(weights["safetensors"]), "relu2_2")
    assert isinstance(loss, VGGContentLoss)
    assert loss.description.startswith(f"VGG-19 relu2_2 features from {weights['safetensors']}")
    g = torch.Generator().manual_seed(2)
    sr, hr = torch.rand(2, 3, 8, 8, generator=g) * 2 - 1, torch.rand(2, 3, 8, 8, generator=g) * 2 - 1
    state = relu2_2_state()
    expected = F.mse_loss(reference_features(state, sr) * VGG_RESCALE, reference_features(state, hr) * VGG_RESCALE)
    assert math.isclose(loss(sr, hr).item(), expected.item(), rel_tol=1e-5)
    assert loss(hr, hr).item() == 0.0
    assert VGG_RESCALE == pytest.approx(1 / 12.75)


def test_empty_path_falls_back_to_pixel_mse():
    loss = build_content_loss("  ", "relu5_4")
    assert isinstance(loss, PixelContentLoss) and loss.description == PIXEL_FALLBACK
    assert "pixel MSE" in PIXEL_FALLBACK and "fallback" in PIXEL_FALLBACK
    sr, hr = torch.zeros(1, 3, 4, 4), torch.full((1, 3, 4, 4), 0.5)
    assert loss(sr, hr).item() == pytest.approx(0.25)
