"""Followed axis ranges: kept while the data fits, moved with headroom when it leaves or shrinks."""

from __future__ import annotations

import numpy as np

from workbench.gui.widgets.sticky_range import data_bounds, followed_span


def test_data_bounds_ignore_non_finite_values_and_empty_arrays():
    assert data_bounds([np.array([1.0, np.nan, 3.0]), np.array([]), np.array([-np.inf, 2.0])]) == (1.0, 3.0)
    assert data_bounds([np.array([np.nan])]) is None


def test_a_growing_series_changes_the_range_only_when_it_leaves_it():
    span, changes = None, 0
    for high in range(1, 100_001):
        new = followed_span(span, (0.0, float(high)), headroom=0.25, margin=0.0)
        if new is not None:
            span, changes = new, changes + 1
            assert span[0] == 0.0 and span[1] == high * 1.25
        assert span[0] <= 0 and high <= span[1]
    assert changes <= 60, "log-many refits, not one per point"


def test_data_that_fills_too_little_of_the_range_refits_it():
    assert followed_span((0.0, 100.0), (10.0, 20.0), headroom=0.0, margin=0.0) == (10.0, 20.0)
    assert followed_span((0.0, 100.0), (10.0, 90.0), headroom=0.0, margin=0.0) is None


def test_a_flat_series_gets_a_non_empty_range():
    low, high = followed_span(None, (2.0, 2.0), headroom=0.25)
    assert low < 2.0 < high
    low, high = followed_span(None, (0.0, 0.0), headroom=0.25)
    assert low < 0.0 < high
