"""The compared runs' curves: one plot per kind of tag (losses, discriminator outputs, counts, a metric's
history...), every run's curves of a tag on the same plot, in the run's colour, with a dash per tag.

Smoothing, log y and the x axis apply to every plot. A series shows when its run and its tag are shown, its
tag matches the filter (a regular expression, searched case-insensitively, as TensorBoard's) and its legend
sample was not clicked off; a plot with no series left hides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QScrollArea, QVBoxLayout, QWidget

from workbench.gui.widgets.curve_groups import group_of, group_rank, group_title
from workbench.gui.widgets.curve_plot import DEFAULT_SMOOTHING, X_AXIS_STEP, CurvePlot

DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine,
          Qt.PenStyle.DashDotDotLine)
# New points are drawn twice a second: a million-point store loads in pieces, and a repaint of twenty curves costs
# tens of milliseconds, so drawing every piece would spend the window's time on frames no one looks at.
APPEND_REDRAW_MS = 500
PLOT_MIN_HEIGHT = 230
PLOT_MIN_WIDTH = 420  # two plots a row from twice this width


@dataclass(frozen=True)
class Series:
    key: str
    run_id: str
    tag: str
    group: str


def series_key(run_id: str, tag: str) -> str:
    return f"{run_id}/{tag}"


class CompareCurves(QWidget):
    """The plots of the compared runs; `tags_changed` when a tag appears or goes (the panel lists them)."""

    tags_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: dict[str, CurvePlot] = {}  # group → plot
        self.series: dict[str, Series] = {}
        self._dashes: dict[str, dict[str, Qt.PenStyle]] = {}  # group → tag → dash
        self._last_steps: dict[str, int] = {}  # key → the newest step shown
        self.hidden_runs: set[str] = set()
        self.hidden_tags: set[str] = set()
        self.hidden_keys: set[str] = set()  # clicked off in a legend
        self.tag_filter: re.Pattern[str] | None = None
        self.smoothing, self.log_y, self.x_axis, self.legend = DEFAULT_SMOOTHING, False, X_AXIS_STEP, True

        self._host = QWidget()
        self._grid = QGridLayout(self._host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self._host)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.viewport().installEventFilter(self)
        self._columns = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    # ---- data --------------------------------------------------------------------------------------------
    def add_points(self, run_id: str, label: str, colour: QColor, tag: str, steps: np.ndarray, walls: np.ndarray,
                   values: np.ndarray) -> None:
        """Append a run's points of `tag` (its series and plot are created on first use)."""
        key = series_key(run_id, tag)
        if key not in self.series:
            group = group_of(tag)
            plot = self._plot(group)
            dashes = self._dashes.setdefault(group, {})
            dash = dashes.setdefault(tag, DASHES[len(dashes) % len(DASHES)])
            plot.add_series(key, f"{label} · {tag}", colour, dash, group=run_id)
            self.series[key] = Series(key, run_id, tag, group)
            plot.set_title(group_title(group, self.tags(group)))
            self._apply_visibility(key)
            self.tags_changed.emit()
        self.plots[self.series[key].group].append(key, steps, walls, values)
        self._last_steps[key] = int(steps[-1]) if len(steps) else self._last_steps.get(key, 0)

    def last_step(self, run_id: str, tag: str) -> int | None:
        return self._last_steps.get(series_key(run_id, tag))

    def remove_run(self, run_id: str) -> None:
        for key, series in list(self.series.items()):
            if series.run_id == run_id:
                self.plots[series.group].remove_series(key)
                del self.series[key]
                self._last_steps.pop(key, None)
                self.hidden_keys.discard(key)
        for group in [g for g in self.plots if not any(s.group == g for s in self.series.values())]:
            plot = self.plots.pop(group)
            plot.shutdown()
            plot.deleteLater()
            self._dashes.pop(group, None)
        self._relayout(force=True)
        self.tags_changed.emit()

    def tags(self, group: str | None = None) -> list[str]:
        """The tags shown, plot by plot (losses first), each once."""
        series = sorted(self.series.values(), key=lambda s: group_rank(s.group))
        return list(dict.fromkeys(s.tag for s in series if group is None or s.group == group))

    def dash_of(self, tag: str) -> Qt.PenStyle:
        """The dash `tag` is drawn with (each tag is on one plot, where its dash tells it from the others)."""
        return next((dashes[tag] for dashes in self._dashes.values() if tag in dashes), DASHES[0])

    def run_ids(self) -> list[str]:
        return list(dict.fromkeys(s.run_id for s in self.series.values()))

    def point_count(self) -> int:
        return sum(self.plots[s.group].point_count(key) for key, s in self.series.items())

    def plot_of(self, tag: str) -> CurvePlot:
        return self.plots[group_of(tag)]

    def _plot(self, group: str) -> CurvePlot:
        if group not in self.plots:
            plot = CurvePlot(group, self._host, controls=False)
            plot.setMinimumSize(PLOT_MIN_WIDTH // 2, PLOT_MIN_HEIGHT)
            plot.series_toggled.connect(self._legend_toggled)
            plot.set_redraw_schedule(APPEND_REDRAW_MS, phase_ms=len(self.plots) * APPEND_REDRAW_MS // 5)
            plot.set_smoothing(self.smoothing)
            plot.set_log_y(self.log_y)
            plot.set_x_axis(self.x_axis)
            plot.set_legend_visible(self.legend)
            self.plots[group] = plot
            self._relayout(force=True)
        return self.plots[group]

    # ---- settings for every plot -------------------------------------------------------------------------
    def set_smoothing(self, weight: float) -> None:
        self.smoothing = weight
        for plot in self.plots.values():
            plot.set_smoothing(weight)

    def set_log_y(self, log_y: bool) -> None:
        self.log_y = log_y
        for plot in self.plots.values():
            plot.set_log_y(log_y)

    def set_x_axis(self, name: str) -> None:
        self.x_axis = name
        for plot in self.plots.values():
            plot.set_x_axis(name)

    def set_legend_visible(self, visible: bool) -> None:
        self.legend = visible
        for plot in self.plots.values():
            plot.set_legend_visible(visible)

    # ---- what shows --------------------------------------------------------------------------------------
    def set_filter(self, pattern: re.Pattern[str] | None) -> None:
        self.tag_filter = pattern
        self._apply_visibility()

    def set_run_hidden(self, run_id: str, hidden: bool) -> None:
        (self.hidden_runs.add if hidden else self.hidden_runs.discard)(run_id)
        self._apply_visibility()

    def set_tag_hidden(self, tag: str, hidden: bool) -> None:
        (self.hidden_tags.add if hidden else self.hidden_tags.discard)(tag)
        self._apply_visibility()

    def matches(self, tag: str) -> bool:
        return self.tag_filter is None or self.tag_filter.search(tag) is not None

    def is_shown(self, key: str) -> bool:
        series = self.series[key]
        return (series.run_id not in self.hidden_runs and series.tag not in self.hidden_tags
                and key not in self.hidden_keys and self.matches(series.tag))

    def _apply_visibility(self, *keys: str) -> None:
        for key in keys or list(self.series):
            self.plots[self.series[key].group].set_series_visible(key, self.is_shown(key))
        self._relayout(force=True)

    def plot_shown(self, group: str) -> bool:
        """Whether the plot of `group` shows: some of its tags match the filter."""
        tags = [s.tag for s in self.series.values() if s.group == group]
        return not tags or any(self.matches(tag) for tag in tags)

    def _legend_toggled(self, key: str, visible: bool) -> None:
        (self.hidden_keys.discard if visible else self.hidden_keys.add)(key)

    # ---- layout ------------------------------------------------------------------------------------------
    def _relayout(self, force: bool = False) -> None:
        """Plots in rows of one or two (two from 2 × PLOT_MIN_WIDTH), losses first."""
        columns = 2 if self.scroll.viewport().width() >= 2 * PLOT_MIN_WIDTH else 1
        if columns == self._columns and not force:
            return
        self._columns = columns
        for plot in self.plots.values():
            self._grid.removeWidget(plot)
        shown = [g for g in sorted(self.plots, key=group_rank) if self.plot_shown(g)]
        for index, group in enumerate(shown):
            self._grid.addWidget(self.plots[group], index // columns, index % columns)
        for group, plot in self.plots.items():
            plot.setVisible(group in shown)
        rows = -(-len(shown) // columns)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 1 if row < rows else 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._relayout()
        return super().eventFilter(watched, event)

    def shutdown(self) -> None:
        for plot in self.plots.values():
            plot.shutdown()
