"""SPADE's optional VGG perceptual loss (the reference's VGGLoss, from pix2pixHD): L1 between VGG-19 activations
of the generated and the real image at relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1, weighted 1/32, 1/16, 1/8,
1/4 and 1 so that the deep, semantic layers count most. The weights come from the user's local VGG-19 file
(workbench.nets.vgg_features); nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from workbench.config import ConfigError
from workbench.nets.vgg_features import VGGFeatures, load_vgg_features

# Index in torchvision's vgg19().features of each ReLU compared, and its weight.
TAPS = {1: 1 / 32, 6: 1 / 16, 11: 1 / 8, 20: 1 / 4, 29: 1.0}
NO_FILE = ("method.vgg_weights: the VGG loss (method.lambda_vgg > 0) needs a local VGG-19 weights file; give its "
           "path or set lambda_vgg = 0")


class VGGPerceptualLoss(nn.Module):
    """Σ_l w_l · ‖φ_l(fake) − φ_l(real)‖₁ (means per layer) over the taps above; the real side is not differentiated."""

    def __init__(self, extractor: VGGFeatures) -> None:
        super().__init__()
        self.extractor = extractor

    def taps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The activations at the compared layers, relu1_1 … relu5_1."""
        return self.extractor.activations(images, TAPS)

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            targets = self.taps(real)
        return sum(w * F.l1_loss(f, t) for w, f, t in zip(TAPS.values(), self.taps(fake), targets, strict=True))


def build_perceptual_loss(vgg_weights: str) -> VGGPerceptualLoss:
    """The loss from the file at `vgg_weights` (features up to relu5_4 are read; those past relu5_1 go unused)."""
    if not vgg_weights.strip():
        raise ConfigError(NO_FILE)
    return VGGPerceptualLoss(load_vgg_features(Path(vgg_weights.strip()), "relu5_4"))
