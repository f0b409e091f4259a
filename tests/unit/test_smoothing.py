"""The vectorised and incremental EMA must agree with TensorBoard's loop point for point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.runs.smoothing import EmaSmoother, debiased_ema


def reference_ema(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing, written as its plain loop."""
    last = 0.0
    count = 0
    out = []
    for value in values.tolist():
        if not math.isfinite(value):
            out.append(value)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight**count))
    return np.array(out, dtype=np.float64)


def noisy_loss(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 2.0 * np.exp(-np.linspace(0, 5, n)) + 0.3 * rng.normal(size=n)


@pytest.mark.parametrize("weight", [0.01, 0.3, 0.6, 0.9, 0.99, 0.999])
@pytest.mark.parametrize("n", [1, 2, 17, 5_000, 100_000])
def test_matches_reference_loop(weight: float, n: int) -> None:
    values = noisy_loss(n)
    np.testing.assert_allclose(debiased_ema(values, weight), reference_ema(values, weight), rtol=1e-11, atol=1e-12)


def test_first_point_is_unchanged_by_debiasing() -> None:
    assert debiased_ema(np.array([3.5, 1.0]), 0.9)[0] == pytest.approx(3.5)


def test_weight_zero_returns_input() -> None:
    values = np.array([1.0, np.nan, -2.0, np.inf, 4.0])
    np.testing.assert_array_equal(debiased_ema(values, 0.0), values)


def test_non_finite_values_pass_through_and_do_not_update_state() -> None:
    values = noisy_loss(1_000)
    values[[0, 10, 11, 500, 999]] = [np.nan, np.inf, -np.inf, np.nan, np.nan]
    smoothed = debiased_ema(values, 0.8)
    expected = reference_ema(values, 0.8)
    np.testing.assert_array_equal(np.isnan(smoothed), np.isnan(values))
    assert smoothed[10] == np.inf and smoothed[11] == -np.inf
    np.testing.assert_allclose(smoothed, expected, rtol=1e-11, atol=1e-12)
    # Dropping the non-finite points must give the same smoothed values for the finite ones.
    finite = np.isfinite(values)
    np.testing.assert_allclose(smoothed[finite], debiased_ema(values[finite], 0.8), rtol=1e-12)


def test_all_non_finite_and_empty_inputs() -> None:
    np.testing.assert_array_equal(debiased_ema(np.array([np.nan, np.nan]), 0.6), [np.nan, np.nan])
    assert debiased_ema(np.array([]), 0.6).shape == (0,)


def test_does_not_modify_its_input() -> None:
    values = noisy_loss(100)
    before = values.copy()
    debiased_ema(values, 0.6)
    np.testing.assert_array_equal(values, before)


def test_integer_input_is_smoothed_as_float() -> None:
    np.testing.assert_allclose(debiased_ema(np.array([1, 2, 3]), 0.5), reference_ema(np.array([1.0, 2.0, 3.0]), 0.5))


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.99])
def test_incremental_extend_equals_whole_series(weight: float) -> None:
    values = noisy_loss(20_000, seed=1)
    values[np.random.default_rng(2).random(values.size) < 0.01] = np.nan
    smoother = EmaSmoother(weight)
    chunks = np.split(values, [1, 2, 50, 51, 3_000, 3_001, 12_345])
    pieces = [smoother.extend(chunk) for chunk in chunks]
    np.testing.assert_allclose(np.concatenate(pieces), debiased_ema(values, weight), rtol=1e-11, atol=1e-12)
    assert smoother.count == int(np.isfinite(values).sum())


def test_incremental_chunk_of_only_nans_keeps_state() -> None:
    smoother = EmaSmoother(0.6)
    smoother.extend(np.array([1.0, 2.0]))
    state = (smoother.last, smoother.count)
    np.testing.assert_array_equal(smoother.extend(np.array([np.nan])), [np.nan])
    assert (smoother.last, smoother.count) == state


def test_million_points_with_heavy_weight_match_reference() -> None:
    values = noisy_loss(1_000_000, seed=3)
    np.testing.assert_allclose(debiased_ema(values, 0.99), reference_ema(values, 0.99), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("weight", [-0.1, 1.0, 1.5])
def test_rejects_weights_outside_unit_interval(weight: float) -> None:
    with pytest.raises(ValueError, match="smoothing weight"):
        debiased_ema(np.array([1.0]), weight)
