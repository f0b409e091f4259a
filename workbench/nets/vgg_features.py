"""Frozen VGG-19 features (Simonyan & Zisserman 2015) for SRGAN's content loss, from a local weights file only.

The network is torchvision's `vgg19(weights=None)`, built on the meta device (no memory, no random init) and cut
after the chosen ReLU; only those feature layers are read from the user's file, so the 100-million-parameter
classifier is never allocated and a file holding just the needed `features.N.weight/bias` keys is enough.

Accepted files: torchvision's own format (a `.pth` state dict, e.g. vgg19-dcbb9e9d.pth, read with
`torch.load(weights_only=True)`, which refuses pickles that would run code) or a `.safetensors` file with the
same keys. Nothing is ever downloaded. Every problem with the file is a ConfigError naming `method.vgg_weights`.

Input: images in [-1, 1] (grayscale is repeated to RGB), mapped to [0, 1] and normalised with the ImageNet mean
and standard deviation the torchvision weights were trained with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import torch
from torch import nn

from workbench.compat import import_torchvision
from workbench.config import ConfigError

FIELD = "method.vgg_weights"
# Index of each named ReLU in torchvision's vgg19().features (conv i_j is the j-th convolution of block i).
LAYERS = {"relu2_2": 8, "relu5_4": 35}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGFeatures(nn.Module):
    """Image N×C×H×W in [-1, 1] (C = 1 or 3) → VGG-19 activations at `layer` (relu2_2: N×128×H/2×W/2,
    relu5_4: N×512×H/16×W/16). Parameters are frozen; gradients still flow to the input."""

    def __init__(self, features: nn.Sequential, layer: str, source: Path) -> None:
        super().__init__()
        self.features = features
        self.layer = layer
        self.source = source
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGGFeatures:
        """Always in evaluation mode: the extractor is a fixed measuring instrument, never trained."""
        return super().train(False)

    def normalised(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] as VGG-19 was trained on them: three channels, ImageNet mean and std."""
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        elif images.shape[1] != 3:
            raise ValueError(f"VGG-19 features need 1 or 3 image channels, got {images.shape[1]}")
        return ((images + 1) / 2 - self.mean) / self.std

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(self.normalised(images))

    def activations(self, images: torch.Tensor, indices: Iterable[int]) -> list[torch.Tensor]:
        """The outputs of the layers at `indices` of `features` (in order; later layers are not run), for losses
        that compare several depths at once (SPADE's and pix2pixHD's VGG loss)."""
        wanted = sorted(indices)
        x, found = self.normalised(images), []
        for i, layer in enumerate(self.features[: wanted[-1] + 1]):
            x = layer(x)
            if i in wanted:
                found.append(x)
        return found


def feature_layers(layer: str) -> nn.Sequential:
    """torchvision's VGG-19 feature layers up to `layer`, on the meta device (shapes only, no storage)."""
    if layer not in LAYERS:
        raise ConfigError(f"method.content_layer must be one of {', '.join(map(repr, LAYERS))}, got {layer!r}")
    torchvision = import_torchvision()
    with torch.device("meta"):
        vgg = torchvision.models.vgg19(weights=None)
    return vgg.features[: LAYERS[layer] + 1]


def read_weights_file(path: Path) -> Mapping[str, object]:
    """The tensors of a .safetensors file or a weights-only loadable torch file, as a mapping."""
    if not path.is_file():
        raise ConfigError(f"{FIELD}: no VGG-19 weights file at {path}")
    if path.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path), device="cpu")
        except Exception as err:  # safetensors raises its own SafetensorError for malformed headers
            raise ConfigError(f"{FIELD}: {path} is not a valid safetensors file ({err})") from err
    try:
        loaded = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # UnpicklingError (unsafe or not a pickle), RuntimeError (bad zip), EOFError...
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(
            f"{FIELD}: {path} is not a PyTorch weights file that loads safely (torch.load with weights_only=True "
            f"refused it: {first_line}); give torchvision's vgg19 state dict (.pth) or a .safetensors file"
        ) from err
    if not isinstance(loaded, Mapping):
        raise ConfigError(f"{FIELD}: {path} holds a {type(loaded).__name__}, not a state dict of named tensors")
    return loaded


def load_vgg_features(path: str | Path, layer: str) -> VGGFeatures:
    """VGG-19 features up to `layer` ("relu2_2" or "relu5_4") with the weights of the file at `path`."""
    path = Path(path).expanduser()
    features = feature_layers(layer)
    expected = {f"features.{k}": v.shape for k, v in features.state_dict().items()}
    state = read_weights_file(path)
    missing = [k for k in expected if k not in state]
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        raise ConfigError(f"{FIELD}: {path} lacks the VGG-19 feature weights up to {layer}: {shown} "
                          "(expected torchvision's vgg19 key names, features.N.weight / features.N.bias)")
    for key, shape in expected.items():
        value = state[key]
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise ConfigError(f"{FIELD}: {key} in {path} is not a floating-point tensor")
        if value.shape != shape:
            raise ConfigError(f"{FIELD}: {key} in {path} has shape {tuple(value.shape)}, VGG-19 needs "
                              f"{tuple(shape)}; is this a VGG-19 (not VGG-16 or another network)?")
    features = features.to_empty(device="cpu")
    features.load_state_dict({k.removeprefix("features."): state[f"features.{k}"].float()
                              for k in features.state_dict()})
    return VGGFeatures(features, layer, path)
