"""The semantic-synthesis measure: pixel accuracy and mIoU from one confusion matrix, and a segmenter that
learns colour-coded classes (so a figure from it means something)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.metrics.label_agreement import segmentation_scores, train_segmenter


def test_scores_match_a_hand_count():
    expected = np.array([[0, 0, 1, 1], [2, 2, 2, 2]])
    predicted = np.array([[0, 1, 1, 1], [2, 2, 2, 0]])
    scores = segmentation_scores(predicted, expected, 3)
    assert scores.pixel_accuracy == pytest.approx(6 / 8)
    # IoU: class 0 = 1 / (2 + 2 − 1) = 1/3, class 1 = 2 / (2 + 3 − 2) = 2/3, class 2 = 3 / (4 + 3 − 3) = 3/4
    assert scores.mean_iou == pytest.approx((1 / 3 + 2 / 3 + 3 / 4) / 3)
    perfect = segmentation_scores(expected, expected, 5)  # absent classes do not count
    assert perfect.mean_iou == 1.0 and perfect.pixel_accuracy == 1.0


def test_segmenter_learns_colour_coded_classes():
    generator = torch.Generator().manual_seed(0)
    ids = torch.zeros(64, 16, 16, dtype=torch.long)
    for k in range(64):
        x0, y0 = torch.randint(0, 10, (2,), generator=generator).tolist()
        ids[k, y0:y0 + 6, x0:x0 + 6] = 1 + k % 2
    colours = torch.tensor([[-0.8, -0.8, 0.6], [0.7, -0.5, -0.5], [0.2, 0.8, 0.1]])
    images = colours[ids].permute(0, 3, 1, 2) + 0.1 * torch.randn(64, 3, 16, 16, generator=generator)
    segmenter = train_segmenter(images[:48], ids[:48], 3, "squares-seg", test=(images[48:], ids[48:]), steps=60)
    assert segmenter.name == "squares-seg"
    assert segmenter.test_scores.pixel_accuracy > 0.9
    assert segmenter.predict(images[:2]).shape == (2, 16, 16)


def test_pooled_features_describe_each_image():
    from workbench.metrics.label_agreement import Segmenter, SmallSegmenter

    segmenter = Segmenter(SmallSegmenter(3, 4, width=8), "any-seg", 4)
    features = segmenter.features(torch.rand(5, 3, 16, 16) * 2 - 1)
    assert features.shape == (5, 16) and torch.isfinite(features).all()
