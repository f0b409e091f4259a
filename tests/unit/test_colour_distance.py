"""Sliced Wasserstein colour distance on image sets whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.metrics.colour_distance import sliced_colour_distance


def _images(seed: int, n: int = 6) -> np.ndarray:
    return np.random.default_rng(seed).integers(40, 200, size=(n, 8, 8, 3), dtype=np.uint8)


def test_same_distribution_is_near_zero_and_shifts_grow_linearly():
    a = _images(0)
    assert sliced_colour_distance(a, a) == 0.0
    assert sliced_colour_distance(a, _images(1)) < 5.0  # two samples (384 pixels each) of one distribution
    near, far = sliced_colour_distance(a, a + 10), sliced_colour_distance(a, a + 30)
    assert near > 5.0 and far == pytest.approx(3 * near, rel=1e-6)
    assert sliced_colour_distance(a + 10, a) == pytest.approx(near)


def test_a_channel_swap_moves_the_distribution():
    a = _images(0)
    a[..., 0] //= 4  # little red
    swapped = a[..., ::-1].copy()  # the same values in other channels: per-pixel brightness sums alike
    assert sliced_colour_distance(a, swapped) > 10.0


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="N×H×W×3"):
        sliced_colour_distance(np.zeros((2, 4, 4, 1), np.uint8), np.zeros((2, 4, 4, 3), np.uint8))
