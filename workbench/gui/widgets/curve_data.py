"""The points behind one curve, kept so that a million of them cost little to grow, smooth, bound and draw.

Appends copy into buffers that double when full and smooth only the new tail. A min/max pyramid (the peaks of
blocks of 64, 128, 256... points, extended as points arrive) gives the peaks of any visible range at about the
view's width in pixels, in time proportional to that width rather than to the points in view: a pan over twenty
curves of a million points each redraws in milliseconds where pyqtgraph's own peak downsampling scans every
visible point of every curve on each frame. Running bounds give the view's extent without a scan.

Qt-free (numpy only), so it is tested and benchmarked without a window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.runs.smoothing import EmaSmoother

INITIAL_CAPACITY = 1024
LOD_BLOCK = 64  # points per block at the pyramid's finest level
LOD_MIN_POINTS = 16_384  # a visible range of fewer points is drawn point by point (pyqtgraph downsamples it)
X_STEP, X_RELATIVE, X_WALL = "step", "relative", "wall"


def _grown(array: np.ndarray, used: int, needed: int) -> np.ndarray:
    """`array` with room for `needed` values (doubling), its first `used` values kept."""
    if needed <= len(array):
        return array
    grown = np.empty(max(needed, 2 * len(array)), dtype=array.dtype)
    grown[:used] = array[:used]
    return grown


def continues_sorted(existing: np.ndarray, new: np.ndarray) -> bool:
    """Whether `new` appended to `existing` (sorted) keeps it sorted."""
    if len(new) == 0:
        return True
    if len(existing) and not new[0] >= existing[-1]:
        return False
    return bool(np.all(new[1:] >= new[:-1]))


def nearest_index(x: np.ndarray, target: float, is_sorted: bool) -> int:
    """The index of the value of `x` nearest `target` (a binary search when `x` is sorted)."""
    if not is_sorted:
        return int(np.nanargmin(np.abs(x - target)))
    right = int(np.searchsorted(x, target))
    if right == 0:
        return 0
    if right == len(x):
        return len(x) - 1
    return right if x[right] - target < target - x[right - 1] else right - 1


@dataclass
class Bounds:
    """Running (min, max) of the finite values seen, and the smallest positive one (a log axis's lower end)."""

    low: float = math.inf
    high: float = -math.inf
    low_positive: float = math.inf

    def add(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        with np.errstate(invalid="ignore"):
            low, high = np.fmin.reduce(values), np.fmax.reduce(values)  # NaN only when every value is NaN
        if math.isfinite(low) or math.isfinite(high):
            finite = values if math.isfinite(low) and math.isfinite(high) else values[np.isfinite(values)]
            if finite.size:
                self.low, self.high = min(self.low, float(finite.min())), max(self.high, float(finite.max()))
                positive = finite[finite > 0]
                if positive.size:
                    self.low_positive = min(self.low_positive, float(positive.min()))

    def span(self, log: bool) -> tuple[float, float] | None:
        """(low, high), in log10 for a log axis; None when there is nothing to show."""
        if log:
            if not math.isfinite(self.low_positive):
                return None
            return math.log10(self.low_positive), math.log10(max(self.high, self.low_positive))
        return (self.low, self.high) if self.low <= self.high else None


class Pyramid:
    """Peaks (min and max) of blocks of LOD_BLOCK·2^k points for k = 0, 1, 2, ..., complete blocks only."""

    def __init__(self) -> None:
        self.lows: list[np.ndarray] = []
        self.highs: list[np.ndarray] = []
        self.counts: list[int] = []

    def reset(self) -> None:
        self.lows, self.highs, self.counts = [], [], []

    def update(self, values: np.ndarray, n: int) -> None:
        """Add the blocks that the first `n` of `values` complete."""
        level, source_low, source_high, available = 0, values, values, n
        size = LOD_BLOCK
        while available // size:
            if level == len(self.counts):
                self.lows.append(np.empty(INITIAL_CAPACITY // 8))
                self.highs.append(np.empty(INITIAL_CAPACITY // 8))
                self.counts.append(0)
            have, complete = self.counts[level], available // size
            if complete > have:
                self.lows[level] = _grown(self.lows[level], have, complete)
                self.highs[level] = _grown(self.highs[level], have, complete)
                with np.errstate(invalid="ignore"):
                    self.lows[level][have:complete] = np.fmin.reduce(
                        source_low[have * size:complete * size].reshape(-1, size), axis=1)
                    self.highs[level][have:complete] = np.fmax.reduce(
                        source_high[have * size:complete * size].reshape(-1, size), axis=1)
                self.counts[level] = complete
            source_low, source_high, available = self.lows[level], self.highs[level], complete
            level, size = level + 1, 2

    def block_size(self, level: int) -> int:
        return LOD_BLOCK << level

    def level_for(self, points: int, max_blocks: int) -> int:
        """The finest level whose blocks split `points` into at most `max_blocks`, within the levels built."""
        level = 0
        while level + 1 < len(self.counts) and points / self.block_size(level) > max_blocks:
            level += 1
        return level


@dataclass(eq=False)
class SeriesData:
    """One series: raw points, their smoothed values, bounds and peak pyramids; `size` points are in use."""

    smoother: EmaSmoother
    steps: np.ndarray = field(default_factory=lambda: np.empty(INITIAL_CAPACITY, dtype=np.int64))
    walls: np.ndarray = field(default_factory=lambda: np.empty(INITIAL_CAPACITY))
    values: np.ndarray = field(default_factory=lambda: np.empty(INITIAL_CAPACITY))
    smoothed: np.ndarray = field(default_factory=lambda: np.empty(INITIAL_CAPACITY))
    size: int = 0
    steps_sorted: bool = True  # lets the hover readout and the drawing use binary searches
    walls_sorted: bool = True
    raw_bounds: Bounds = field(default_factory=Bounds)
    smoothed_bounds: Bounds = field(default_factory=Bounds)
    raw_peaks: Pyramid = field(default_factory=Pyramid)
    smoothed_peaks: Pyramid = field(default_factory=Pyramid)

    def append(self, steps: np.ndarray, walls: np.ndarray, values: np.ndarray) -> None:
        """Copy the new points in (doubling the buffers when full) and smooth only them."""
        start, end = self.size, self.size + len(values)
        for name in ("steps", "walls", "values", "smoothed"):
            setattr(self, name, _grown(getattr(self, name), start, end))
        self.steps_sorted = self.steps_sorted and continues_sorted(self.steps[:start], steps)
        self.walls_sorted = self.walls_sorted and continues_sorted(self.walls[:start], walls)
        self.steps[start:end] = steps
        self.walls[start:end] = walls
        self.values[start:end] = values
        self.smoothed[start:end] = self.smoother.extend(values)
        self.size = end
        self.raw_bounds.add(self.values[start:end])
        self.smoothed_bounds.add(self.smoothed[start:end])
        self.raw_peaks.update(self.values, end)
        self.smoothed_peaks.update(self.smoothed, end)

    def resmooth(self, weight: float) -> None:
        """Smooth every point again with `weight`."""
        smoother = EmaSmoother(weight)
        self.set_smoothed(smoother.extend(self.values[: self.size]), smoother)

    def set_smoothed(self, smoothed: np.ndarray, smoother: EmaSmoother) -> None:
        """Take the smoothing of the first len(`smoothed`) points, computed elsewhere by `smoother`; the points
        appended since are smoothed here, continuing from its state."""
        done = len(smoothed)
        self.smoothed[:done] = smoothed
        self.smoothed[done:self.size] = smoother.extend(self.values[done:self.size])
        self.smoother = smoother
        self.smoothed_bounds = Bounds()
        self.smoothed_bounds.add(self.smoothed[: self.size])
        self.smoothed_peaks.reset()
        self.smoothed_peaks.update(self.smoothed, self.size)

    # ---- x coordinates -----------------------------------------------------------------------------------
    def x_sorted(self, mode: str) -> bool:
        return self.steps_sorted if mode == X_STEP else self.walls_sorted

    def x(self, mode: str, origin: float, index: slice | np.ndarray = slice(None)) -> np.ndarray:
        """x coordinates (float64) of the points `index` (all by default) on a `mode` axis."""
        if mode == X_STEP:
            return self.steps[: self.size][index].astype(np.float64)
        walls = self.walls[: self.size][index]
        return walls - origin if mode == X_RELATIVE else walls.copy()

    def x_bounds(self, mode: str, origin: float) -> tuple[float, float] | None:
        if self.size == 0:
            return None
        if self.x_sorted(mode):
            ends = self.x(mode, origin, np.array([0, self.size - 1]))
            return float(ends[0]), float(ends[1])
        x = self.x(mode, origin)
        x = x[np.isfinite(x)]
        return (float(x.min()), float(x.max())) if x.size else None

    def visible(self, mode: str, origin: float, x_low: float, x_high: float) -> tuple[int, int]:
        """The index range [start, end) that covers the x range, one point beyond each side (sorted x only)."""
        if mode == X_STEP:  # compared as integers: a float bound would make numpy convert every step to float
            source, low, high = self.steps[: self.size], math.floor(x_low), math.ceil(x_high)
            low, high = (max(-2**62, min(2**62, bound)) for bound in (low, high))
        else:
            offset = origin if mode == X_RELATIVE else 0.0
            source, low, high = self.walls[: self.size], x_low + offset, x_high + offset
        start = int(np.searchsorted(source, low, side="left")) - 1
        end = int(np.searchsorted(source, high, side="right")) + 1
        return max(0, start), min(self.size, end)

    # ---- drawing -----------------------------------------------------------------------------------------
    def peaks(self, smoothed: bool, mode: str, origin: float, start: int, end: int,
              max_blocks: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) that draw points [start, end) at `max_blocks` columns: each block's min and max at its first x,
        ending with the last point itself; the points themselves when there are few."""
        values = self.smoothed if smoothed else self.values
        if end - start <= max(LOD_MIN_POINTS, 4 * max_blocks):
            return self.x(mode, origin, slice(start, end)), values[start:end]
        pyramid = self.smoothed_peaks if smoothed else self.raw_peaks
        level = pyramid.level_for(end - start, max_blocks)
        size = pyramid.block_size(level)
        first, last = start // size, min(end // size, pyramid.counts[level])
        lows, highs = pyramid.lows[level][first:last], pyramid.highs[level][first:last]
        tail = values[last * size:end]  # fewer than two blocks' points: the pyramid lags by less than a block
        if tail.size:
            with np.errstate(invalid="ignore"):
                lows = np.append(lows, np.fmin.reduce(tail))
                highs = np.append(highs, np.fmax.reduce(tail))
        starts = np.arange(first, first + len(lows)) * size
        y = np.empty(2 * len(lows) + 1)
        y[0:-1:2], y[1:-1:2], y[-1] = lows, highs, values[end - 1]
        x = np.empty_like(y)
        x_starts = self.x(mode, origin, starts)
        x[0:-1:2], x[1:-1:2], x[-1] = x_starts, x_starts, self.x(mode, origin, np.array([end - 1]))[0]
        return x, y


def smooth_all(request: tuple[float, list[tuple[str, np.ndarray, int]]]) -> tuple[float, dict]:
    """(weight, [(key, values, n)]) → (weight, {key: (smoothed first n values, smoother)}): a plot's re-smoothing,
    run on a worker thread (numpy releases the GIL for the heavy parts)."""
    weight, series = request
    results = {}
    for key, values, n in series:
        smoother = EmaSmoother(weight)
        results[key] = (smoother.extend(values[:n]), smoother)
    return weight, results


def union(spans: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The span covering every given span (None when none is given)."""
    spans = [s for s in spans if s is not None]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
