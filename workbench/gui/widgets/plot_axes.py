"""Axis labels and readouts with sensible precision: "0.038", "1.5e-5", "250000", never "0.0379229545052793".

pyqtgraph formats a tick with as many decimals as the tick spacing asks for, so a nearly flat curve (a learning
rate, a plateaued loss) gets sixteen of them. Ticks here carry the digits that tell neighbouring ticks apart,
at most six significant ones; values in readouts carry five. The x axis shows steps, seconds or, on the
wall-clock axis, dates and times (pyqtgraph's DateAxisItem, local time).
"""

from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

MAX_TICK_DIGITS = 6
READOUT_DIGITS = 5


def _tidy_exponent(text: str) -> str:
    """"1.50e-05" → "1.5e-5"."""
    mantissa, _, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def format_value(value: float, digits: int = READOUT_DIGITS) -> str:
    """A value with `digits` significant digits (whole numbers below 10⁷ in full), tiny and huge ones in
    scientific notation."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))
    magnitude = abs(value)
    if 1e-3 <= magnitude < 10 ** digits:
        text = f"{value:.{digits}g}"
        return _tidy_exponent(text) if "e" in text else text  # 99999.95 rounds up to "1e+05"
    if 1e-3 <= magnitude < 1e7:
        return str(round(value))
    return _tidy_exponent(f"{value:.{digits - 1}e}")


def format_wall(wall: float) -> str:
    """A wall-clock time as the readout shows it: "2024-05-01 13:45:12" (local time)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall))


def tick_strings(values: list[float], spacing: float) -> list[str]:
    """Labels for ticks `spacing` apart: the decimals the spacing needs, at most MAX_TICK_DIGITS significant."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    if not finite:
        return [str(v) for v in values]
    magnitude = max(finite)
    if spacing <= 0 or not math.isfinite(spacing) or magnitude == 0:
        return [format_value(v, MAX_TICK_DIGITS) for v in values]
    # significant digits needed to tell ticks `spacing` apart, at the largest tick's magnitude
    needed = math.floor(math.log10(magnitude)) - math.floor(math.log10(spacing)) + 1
    digits = min(MAX_TICK_DIGITS, max(1, needed))
    if magnitude >= 1e7 or magnitude < 1e-3:
        return [_tidy_exponent(f"{v:.{digits - 1}e}") if v != 0 else "0" for v in values]
    decimals = max(0, min(-math.floor(math.log10(spacing)), digits - 1 - math.floor(math.log10(magnitude))))
    texts = [f"{v:.{decimals}f}" for v in values]
    return [text[1:] if text.startswith("-") and float(text) == 0 else text for text in texts]  # no "-0.0"


class ValueAxis(pg.AxisItem):
    """A y axis whose labels carry only the digits the tick spacing needs (log axes keep pyqtgraph's 10ⁿ)."""

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # "×1e-3" above the axis is easy to miss; the labels say it themselves

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return tick_strings([v * scale for v in values], spacing * scale)


class XAxis(pg.DateAxisItem):
    """The x axis: steps or seconds with ValueAxis's labels, or dates and times when `dates` is on."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("bottom", **kwargs)
        self.dates = False
        self.fontMetrics = QFontMetrics(self.font())  # DateAxisItem sets it only when it first paints

    def set_dates(self, dates: bool) -> None:
        self.dates = dates
        self.picture = None  # redraw the labels
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802,N803 - pyqtgraph's
        if self.dates:
            return super().tickValues(minVal, maxVal, size)
        return pg.AxisItem.tickValues(self, minVal, maxVal, size)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        if self.dates:
            return super().tickStrings(values, scale, spacing)
        return tick_strings([v * scale for v in values], spacing * scale)

    def linkToView(self, view: pg.ViewBox) -> None:  # noqa: N802 - pyqtgraph's name
        # DateAxisItem limits the view to timestamps between years 1 and 9999; steps need no such limit
        self._linkToView_internal(view)
