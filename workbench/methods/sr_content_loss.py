"""SRGAN's content loss: how far the super-resolved image is from the original, in VGG-19 feature space or, when
the user has no VGG-19 weights file, in pixels.

VGG loss (Ledig et al. 2017, eq. 5): the mean squared difference of VGG-19 activations at relu5_4 ("VGG54") or
relu2_2 ("VGG22") of SR and HR. The paper rescales the features by 1/12.75 (the squared loss by ≈ 0.006) "to
obtain VGG losses of a scale that is comparable to the MSE loss"; we keep that factor so that the paper's
adversarial weight of 10⁻³ keeps its meaning. Its network took Caffe-style input (0–255 minus the mean) where
torchvision's weights take ImageNet-normalised input, so the two scales agree only roughly: the run's
`loss_content` and `loss_adv` curves show the balance the user actually gets, and `adversarial_weight` adjusts it.

Fallback: the pixel MSE of SR against HR (images in [-1, 1]), i.e. SRResNet's loss; SRGAN then adds only the
adversarial term. The run's notes say which of the two was used.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from workbench.nets.vgg_features import VGGFeatures, load_vgg_features

VGG_RESCALE = 1 / 12.75  # Ledig et al. 2017, section 3.4
PIXEL_FALLBACK = "pixel MSE (fallback: no VGG-19 weights file given in method.vgg_weights)"


class PixelContentLoss(nn.Module):
    """Mean squared pixel difference (images in [-1, 1])."""

    description = PIXEL_FALLBACK

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(sr, hr)


class VGGContentLoss(nn.Module):
    """Mean squared difference of frozen VGG-19 features, each feature scaled by 1/12.75."""

    def __init__(self, extractor: VGGFeatures) -> None:
        super().__init__()
        self.extractor = extractor
        self.description = (f"VGG-19 {extractor.layer} features from {extractor.source} "
                            f"(MSE of features × 1/12.75, as in the paper)")

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            target = self.extractor(hr) * VGG_RESCALE
        return F.mse_loss(self.extractor(sr) * VGG_RESCALE, target)


def build_content_loss(vgg_weights: str, layer: str) -> PixelContentLoss | VGGContentLoss:
    """VGG loss from the file at `vgg_weights`, or the pixel MSE fallback when it is empty."""
    if not vgg_weights.strip():
        return PixelContentLoss()
    return VGGContentLoss(load_vgg_features(Path(vgg_weights.strip()), layer))
