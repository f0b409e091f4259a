"""Does a synthesised image show the classes of the label map it was made from? The semantic-synthesis measure of
the SPADE and pix2pixHD papers: segment the generated image with a network trained on real images and compare
the segmentation with the input map (pixel accuracy and mean IoU over the classes).

The papers use pretrained segmenters of their datasets (DRN, UperNet); nothing is downloaded here, so
`train_segmenter` trains a small fully-convolutional network on the real (image, label map) pairs of the data
the model was trained on. Its name ("<dataset>-seg") and its own held-out pixel accuracy go with every figure:
numbers are comparable between models scored with the same segmenter, never with the papers' mIoU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class SegmentationScores:
    pixel_accuracy: float
    mean_iou: float  # over the classes present in the maps or the predictions

    def text(self) -> str:
        return f"mIoU {self.mean_iou:.3f}, pixel accuracy {self.pixel_accuracy:.1%}"


def segmentation_scores(predicted: np.ndarray, expected: np.ndarray, num_classes: int) -> SegmentationScores:
    """Pixel accuracy and mean IoU of predicted against expected class ids (same shape), from one confusion
    matrix over all pixels (as the papers' evaluation scripts accumulate it)."""
    predicted, expected = np.asarray(predicted).ravel(), np.asarray(expected).ravel()
    confusion = np.bincount(expected * num_classes + predicted, minlength=num_classes**2).reshape(num_classes, -1)
    true_positive = np.diag(confusion).astype(np.float64)
    union = confusion.sum(0) + confusion.sum(1) - true_positive
    present = union > 0
    return SegmentationScores(float(true_positive.sum() / max(1, confusion.sum())),
                              float((true_positive[present] / union[present]).mean()) if present.any() else 0.0)


class SmallSegmenter(nn.Module):
    """Image → class logits per pixel: a few dilated 3×3 convolutions (receptive field 31 px), no down-sampling,
    so thin structures and edges keep their pixels."""

    def __init__(self, channels: int, num_classes: int, width: int = 32) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = channels
        for dilation in (1, 2, 4, 8, 1):
            layers += [nn.Conv2d(c, width, 3, padding=dilation, dilation=dilation), nn.BatchNorm2d(width),
                       nn.ReLU(inplace=True)]
            c = width
        layers.append(nn.Conv2d(width, num_classes, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    def pooled_features(self, images: torch.Tensor) -> torch.Tensor:
        """Mean and standard deviation over the pixels of the last hidden layer: N×2·width, a description of the
        textures the segmenter tells classes by (features for a Fréchet distance)."""
        hidden = self.net[:-1](images)
        return torch.cat([hidden.mean((2, 3)), hidden.std((2, 3))], 1)


@dataclass
class Segmenter:
    """A trained segmenter with its name and its pixel accuracy on held-out real images."""

    network: SmallSegmenter
    name: str
    num_classes: int
    test_scores: SegmentationScores | None = None

    @torch.no_grad()
    def predict(self, images: torch.Tensor, batch: int = 64) -> torch.Tensor:
        """Class ids N×H×W of images N×C×H×W in [-1, 1]."""
        self.network.eval()
        return torch.cat([self.network(images[i:i + batch].float()).argmax(1) for i in range(0, len(images), batch)])

    @torch.no_grad()
    def features(self, images: torch.Tensor, batch: int = 64) -> torch.Tensor:
        """`SmallSegmenter.pooled_features` of images in [-1, 1], in eval mode."""
        self.network.eval()
        return torch.cat([self.network.pooled_features(images[i:i + batch].float())
                          for i in range(0, len(images), batch)])

    def scores(self, images: torch.Tensor, label_ids: torch.Tensor) -> SegmentationScores:
        return segmentation_scores(self.predict(images).numpy(), label_ids.numpy(), self.num_classes)


def train_segmenter(images: torch.Tensor, label_ids: torch.Tensor, num_classes: int, name: str, *,
                    test: tuple[torch.Tensor, torch.Tensor] | None = None, steps: int = 600, batch_size: int = 32,
                    lr: float = 2e-3, seed: int = 0) -> Segmenter:
    """Train `SmallSegmenter` on real images N×C×H×W in [-1, 1] and their class ids N×H×W; scored on `test`
    (images, ids) when given. `name` says what it was trained on, e.g. "labels2scenes-seg"."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    network = SmallSegmenter(images.shape[1], num_classes)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    network.train()
    for _ in range(steps):
        pick = torch.randint(0, len(images), (batch_size,), generator=generator)
        loss = nn.functional.cross_entropy(network(images[pick].float()), label_ids[pick].long())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    segmenter = Segmenter(network, name, num_classes)
    if test is not None:
        segmenter.test_scores = segmenter.scores(*test)
    return segmenter
