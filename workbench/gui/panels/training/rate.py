"""The Training panel's durations (ETA) as h:mm:ss."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """"1:02:03", "2:03", or "–" for an unknown (None, NaN or infinite) duration."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "–"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
