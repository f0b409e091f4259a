"""TensorBoard's debiased exponential moving average for scalar curves, vectorised and incremental.

The recurrence (TensorBoard's `smoothing` slider) is, over the finite values only:

    last = last * w + (1 - w) * v
    smoothed = last / (1 - w ** count)          # count: finite values seen so far

Non-finite values (NaN, ±inf) pass through unchanged and leave the state alone, so one NaN loss does not
wipe out the rest of the curve. A plain Python loop costs ~0.3 s per million points; a curve plot must
re-smooth a million points while the slider moves, so this module evaluates the recurrence in blocks with
numpy alone (scipy.signal.lfilter would do it too, but importing scipy.signal adds ~0.7 s to start-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Inside one block the recurrence is evaluated in closed form with weights w**-k, so blocks are kept short
# enough that w**-k stays below 1e30 (no overflow for any realistic value). Across blocks the carried state
# decays by w**block >= 1e-30 per block; after _CARRY_BLOCKS blocks it has decayed below 1e-300 of its size,
# i.e. far below float64 resolution, so only that many preceding blocks are added in.
_BLOCK_DYNAMIC_RANGE_DECADES = 30.0
_CARRY_BLOCKS = 10
_DEBIAS_DECADES = 20.0


def _biased_ema(values: np.ndarray, weight: float, last: float) -> np.ndarray:
    """The EMA state after each of `values` (all finite), starting from state `last`."""
    n = values.size
    block = max(1, min(n, math.ceil(_BLOCK_DYNAMIC_RANGE_DECADES / -math.log10(weight))))
    n_blocks = -(-n // block)
    blocks = np.zeros(n_blocks * block)
    blocks[:n] = values
    blocks = blocks.reshape(n_blocks, block)

    exponents = np.arange(1, block + 1, dtype=np.float64)
    decay = weight**exponents  # w^(j+1): how much the state entering a block weighs after j+1 steps
    blocks *= weight**-exponents  # w^-(k+1): lets one cumsum evaluate sum_k w^(j-k) x_k for every j
    np.cumsum(blocks, axis=1, out=blocks)
    blocks *= (1.0 - weight) * decay  # now: the EMA state within each block as if it had started from 0

    # State entering each block: the ends of the preceding blocks, each decayed by w^block per block.
    block_ends = blocks[:, -1].copy()
    entering = np.zeros(n_blocks)
    block_decay = weight**block
    for distance in range(1, min(_CARRY_BLOCKS, n_blocks - 1) + 1):
        entering[distance:] += block_decay ** (distance - 1) * block_ends[:-distance]
    with np.errstate(under="ignore"):
        entering += last * block_decay ** np.arange(n_blocks, dtype=np.float64)

    blocks += np.multiply.outer(entering, decay)
    return blocks.ravel()[:n]


@dataclass
class EmaSmoother:
    """Running state of the debiased EMA, so that appended points are smoothed without redoing the curve.

    `extend` returns exactly what `debiased_ema` would return for the new points if it were run on the
    whole concatenated series.
    """

    weight: float
    last: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight < 1.0:
            raise ValueError(f"smoothing weight must be in [0, 1), got {self.weight}")

    def extend(self, values: np.ndarray) -> np.ndarray:
        """Smoothed values for `values`, continuing from the points seen so far."""
        values = np.asarray(values, dtype=np.float64).ravel()
        finite = np.isfinite(values)
        all_finite = bool(finite.all())
        finite_values = values if all_finite else values[finite]
        if finite_values.size == 0:
            return values.copy()
        if self.weight == 0.0:
            state = finite_values.copy()
        else:
            state = _biased_ema(finite_values, self.weight, self.last)
        self.last = float(state[-1])

        # 1 - w**count is exactly 1.0 in float64 once w**count < 1e-20: only the first points need debiasing,
        # which also spares a million-element power on long curves.
        biased = 0 if self.weight == 0.0 else math.ceil(_DEBIAS_DECADES / -math.log10(self.weight)) - self.count
        biased = min(max(biased, 0), state.size)
        counts = self.count + np.arange(1, biased + 1, dtype=np.float64)
        state[:biased] /= 1.0 - self.weight**counts
        self.count += state.size

        if all_finite:
            return state
        smoothed = values.copy()
        smoothed[finite] = state
        return smoothed


def debiased_ema(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard-smoothed copy of `values` (float64); weight 0 returns the values unchanged."""
    return EmaSmoother(weight).extend(values)
