"""Edge agreement (boundary F-measure with a pixel tolerance) on hand-made edge maps."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.metrics.edge_agreement import edge_agreement


def _line(column: int, size: int = 16) -> np.ndarray:
    edges = np.zeros((1, size, size), dtype=bool)
    edges[0, 2:14, column] = True
    return edges


def test_identical_shifted_and_missing_edges():
    line = _line(5)
    assert edge_agreement(line, line).f1 == 1.0
    shifted = edge_agreement(_line(6), line)  # one pixel off: within the tolerance
    assert shifted.f1 == 1.0 and edge_agreement(_line(6), line, tolerance=0).f1 == 0.0
    far = edge_agreement(_line(10), line)
    assert far.precision == far.recall == far.f1 == 0.0
    flat = edge_agreement(np.zeros_like(line), line)
    assert flat.precision == 0.0 and flat.recall == 0.0 and flat.f1 == 0.0


def test_extra_edges_cost_precision_not_recall():
    both = _line(5) | _line(11)
    scores = edge_agreement(both, _line(5))
    assert scores.recall == 1.0 and scores.precision == pytest.approx(0.5) and scores.f1 == pytest.approx(2 / 3)


def test_tolerance_stays_within_each_image():
    found = np.concatenate([np.zeros((1, 16, 16), dtype=bool), _line(5)])
    expected = np.concatenate([_line(5), np.zeros((1, 16, 16), dtype=bool)])
    assert edge_agreement(found, expected).f1 == 0.0  # the same place, but in another image


def test_shapes_must_match():
    with pytest.raises(ValueError, match="N×H×W"):
        edge_agreement(np.zeros((2, 8, 8), dtype=bool), np.zeros((2, 8, 9), dtype=bool))
