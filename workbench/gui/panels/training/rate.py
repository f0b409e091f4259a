"""The Training panel's rate and ETA: iterations per second over the last seconds, durations as h:mm:ss."""

from __future__ import annotations

from collections import deque


def format_duration(seconds: float | None) -> str:
    """"1:02:03", "2:03", or "–" for an unknown (None, NaN or infinite) duration."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "–"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RateEstimator:
    """Iterations per second from (step, wall time) observations over the last few seconds."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self.points: deque[tuple[int, float]] = deque()

    def add(self, step: int, wall: float) -> None:
        self.points.append((step, wall))
        while len(self.points) > 2 and self.points[-1][1] - self.points[0][1] > self.window_s:
            self.points.popleft()

    def rate(self) -> float:
        if len(self.points) < 2:
            return 0.0
        (s0, w0), (s1, w1) = self.points[0], self.points[-1]
        return (s1 - s0) / (w1 - w0) if w1 > w0 else 0.0

    def clear(self) -> None:
        self.points.clear()
