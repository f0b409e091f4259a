"""A live scalar-curve plot (losses, metrics) that stays fluid with a million points per series.

Appends only copy into growing buffers and smooth the new tail; the actual redraw is coalesced by a
single-shot timer (at most ~15 per second), because one pyqtgraph repaint costs several milliseconds on the
project's 2-core machines and training may report far more often than that.
"""

from __future__ import annotations

import csv
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider

from workbench.gui.widgets.sticky_range import data_bounds, followed_span
from workbench.runs.smoothing import EmaSmoother

REDRAW_INTERVAL_MS = 66  # ~15 redraws per second at most
DEFAULT_SMOOTHING = 0.6  # TensorBoard's default
MAX_SMOOTHING = 0.99
X_AXIS_STEP = "Step"
X_AXIS_TIME = "Relative time (s)"
_INITIAL_CAPACITY = 1024
# Tableau 10: distinct on light and dark backgrounds, familiar from matplotlib and TensorBoard.
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
_RAW_ALPHA = 70


@dataclass(eq=False)
class _Series:
    """One tag: its raw points in amortised growing buffers, its smoothed values, and its two curve items."""

    name: str
    color: QColor
    raw_item: pg.PlotDataItem
    smoothed_item: pg.PlotDataItem
    smoother: EmaSmoother
    steps: np.ndarray = field(default_factory=lambda: np.empty(_INITIAL_CAPACITY, dtype=np.int64))
    walls: np.ndarray = field(default_factory=lambda: np.empty(_INITIAL_CAPACITY))
    values: np.ndarray = field(default_factory=lambda: np.empty(_INITIAL_CAPACITY))
    smoothed: np.ndarray = field(default_factory=lambda: np.empty(_INITIAL_CAPACITY))
    size: int = 0
    steps_sorted: bool = True  # lets the hover readout use a binary search instead of a full scan
    walls_sorted: bool = True

    def append(self, steps: np.ndarray, walls: np.ndarray, values: np.ndarray) -> None:
        """Copy the new points in (doubling the buffers when full) and smooth only them."""
        start, end = self.size, self.size + len(values)
        if end > len(self.values):
            capacity = max(end, 2 * len(self.values))
            for name in ("steps", "walls", "values", "smoothed"):
                old = getattr(self, name)
                grown = np.empty(capacity, dtype=old.dtype)
                grown[:start] = old[:start]
                setattr(self, name, grown)
        self.steps_sorted = self.steps_sorted and _continues_sorted(self.steps[:start], steps)
        self.walls_sorted = self.walls_sorted and _continues_sorted(self.walls[:start], walls)
        self.steps[start:end] = steps
        self.walls[start:end] = walls
        self.values[start:end] = values
        self.smoothed[start:end] = self.smoother.extend(values)
        self.size = end

    def resmooth(self, weight: float) -> None:
        self.smoother = EmaSmoother(weight)
        self.smoothed[: self.size] = self.smoother.extend(self.values[: self.size])


def _continues_sorted(existing: np.ndarray, new: np.ndarray) -> bool:
    if len(new) == 0:
        return True
    if len(existing) and not new[0] >= existing[-1]:
        return False
    return bool(np.all(new[1:] >= new[:-1]))


def _nearest_index(x: np.ndarray, target: float, is_sorted: bool) -> int:
    if not is_sorted:
        return int(np.nanargmin(np.abs(x - target)))
    right = int(np.searchsorted(x, target))
    if right == 0:
        return 0
    if right == len(x):
        return len(x) - 1
    return right if x[right] - target < target - x[right - 1] else right - 1


def _format_value(value: float) -> str:
    return f"{value:.5g}"


class CurvePlot(QWidget):
    """Scalar curves with TensorBoard-style smoothing, log y, step/time x axis, hover readout and export."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._series: dict[str, _Series] = {}
        self._dirty: set[str] = set()
        self._wall_origin: float | None = None
        self._smoothing = DEFAULT_SMOOTHING
        self._append_interval_ms = REDRAW_INTERVAL_MS
        self._append_phase_ms = 0
        self._follow = True  # the view follows the data (sticky_range); off once the user pans or zooms
        self._refit = True  # the next redraw fits the view to the data whatever the current range

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw)

        self.smoothing_slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0.0, MAX_SMOOTHING)
        self.smoothing_slider.setSingleStep(0.01)
        self.smoothing_slider.setDecimals(2)
        self.smoothing_slider.setValue(DEFAULT_SMOOTHING)
        self.smoothing_slider.setMinimumWidth(110)
        self.smoothing_slider.setMaximumWidth(220)
        self.smoothing_slider.setToolTip("Exponential moving average weight, debiased as in TensorBoard")
        self.smoothing_slider.valueChanged.connect(self._on_smoothing_changed)

        self.log_y_checkbox = QCheckBox("log y")
        self.log_y_checkbox.setToolTip("Logarithmic y axis; values ≤ 0 are not drawn")
        self.log_y_checkbox.toggled.connect(self._on_log_y_toggled)

        self.x_axis_combo = QComboBox()
        self.x_axis_combo.addItems([X_AXIS_STEP, X_AXIS_TIME])
        self.x_axis_combo.setToolTip("x axis: training step, or seconds since the plot's first point")
        self.x_axis_combo.currentTextChanged.connect(self._on_x_axis_changed)

        export_menu = QMenu(self)
        export_menu.addAction("PNG image…", lambda: self._ask_and_export("png", "PNG image (*.png)", self.export_png))
        export_menu.addAction("SVG vector image…", lambda: self._ask_and_export("svg", "SVG image (*.svg)",
                                                                              self.export_svg))
        export_menu.addAction("CSV data (all series)…", lambda: self._ask_and_export("csv", "CSV file (*.csv)",
                                                                                    self.export_csv))
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setMenu(export_menu)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(6, 4, 6, 0)
        toolbar.addWidget(QLabel("Smoothing"))
        toolbar.addWidget(self.smoothing_slider, 1)
        toolbar.addSpacing(8)
        toolbar.addWidget(self.log_y_checkbox)
        toolbar.addSpacing(8)
        toolbar.addWidget(self.x_axis_combo)
        toolbar.addStretch(1)
        toolbar.addWidget(self.export_button)

        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.plot_widget = pg.PlotWidget(background=background)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setTitle(html.escape(title), color=foreground, size="11pt")
        for axis_name in ("left", "bottom"):
            axis = self.plot_item.getAxis(axis_name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        self.plot_item.setLabel("bottom", "step")
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        # The axes draw the grid, so their pictures span the whole view and were replayed (ticks, labels, grid
        # lines) under every curve update; cached as pixmaps, they are redrawn only when the range changes.
        self._set_axis_cache(True)
        # Set on the PlotItem, not the curves: PlotItem.addItem overwrites a curve's own settings with these.
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)
        # pyqtgraph's auto-range refits (and repaints twice) on every update; the view follows the data with
        # sticky ranges instead. Panning or zooming stops following; the "A" button resumes it.
        self.plot_item.disableAutoRange()
        view_box = self.plot_item.getViewBox()
        view_box.sigRangeChangedManually.connect(self._stop_following)
        self.plot_item.autoBtn.clicked.connect(self.follow_data)
        # A thin, see-through strip along the top (three entries a row) hides as little of the curves as it can.
        self.legend = self.plot_item.addLegend(offset=(10, 2), labelTextColor=foreground, colCount=3,
                                               brush=pg.mkBrush(_with_alpha(background, 110)))

        self._hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(_with_alpha(foreground, 110)))
        self._hover_line.hide()
        self.plot_item.addItem(self._hover_line, ignoreBounds=True)
        # The readout lives in the view box's pixel coordinates (like the legend), so it keeps its size and
        # position in log mode and can be stacked above the legend.
        self._readout = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(_with_alpha(background, 235)),
                                    border=pg.mkPen(_with_alpha(foreground, 80)))
        self._readout.setParentItem(self.plot_item.getViewBox())
        self._readout.setZValue(self.legend.zValue() + 1)
        self._readout.hide()
        self.plot_widget.scene().sigMouseMoved.connect(self.show_readout_at)
        self.plot_widget.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(toolbar)
        layout.addWidget(self.plot_widget, 1)

    # ----------------------------------------------------------------------------------------------- data

    def append(self, tag: str, steps: np.ndarray, walls: np.ndarray, values: np.ndarray) -> None:
        """Add points to series `tag` (created on first use); the redraw happens later, coalesced.

        Steps are stored as integers, like the run store's step column.
        """
        steps, walls, values = np.asarray(steps), np.asarray(walls, dtype=np.float64), np.asarray(values)
        if not len(steps) == len(walls) == len(values):
            raise ValueError(f"{tag}: steps, walls and values differ in length "
                             f"({len(steps)}, {len(walls)}, {len(values)})")
        if len(values) == 0:
            return
        series = self._series[tag] if tag in self._series else self._add_series(tag)
        series.append(steps, walls, values)
        self._update_wall_origin(walls)
        self._mark_dirty(tag, appended=True)

    def set_redraw_schedule(self, interval_ms: int, phase_ms: int = 0) -> None:
        """Draw appended points at most once per `interval_ms`, `phase_ms` into each period.

        Plots that share a window get different phases, so their repaints fall into different turns of the
        event loop instead of one long one. Changes the user makes (smoothing, log y, x axis) still redraw at
        once.
        """
        self._append_interval_ms = max(1, int(interval_ms))
        self._append_phase_ms = int(phase_ms) % self._append_interval_ms

    def clear(self) -> None:
        """Remove every series (a new run is shown)."""
        for series in self._series.values():
            self.plot_item.removeItem(series.raw_item)
            self.plot_item.removeItem(series.smoothed_item)
        self._series.clear()
        self._dirty.clear()
        self._wall_origin = None
        self._redraw_timer.stop()
        self._hide_readout()
        # The next run's axes start from its own data, not the last run's.
        self.plot_item.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._follow = True
        self._refit = True

    def series_names(self) -> list[str]:
        return list(self._series)

    def point_count(self, tag: str) -> int:
        """Points stored for `tag` (0 for a series that has not appeared yet)."""
        series = self._series.get(tag)
        return 0 if series is None else series.size

    def data(self, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the raw (steps, walls, values) of series `tag`."""
        series = self._series[tag]
        n = series.size
        return series.steps[:n].copy(), series.walls[:n].copy(), series.values[:n].copy()

    def items(self, tag: str) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        """The (faint raw, bold smoothed) curve items of series `tag`."""
        series = self._series[tag]
        return series.raw_item, series.smoothed_item

    def x_values(self, tag: str) -> np.ndarray:
        """What series `tag` is drawn against: its steps, or seconds since the plot's earliest wall time."""
        series = self._series[tag]
        if self.x_axis_combo.currentText() == X_AXIS_TIME:
            return series.walls[: series.size] - (self._wall_origin or 0.0)
        return series.steps[: series.size].astype(np.float64)

    def _add_series(self, tag: str) -> _Series:
        color = QColor(_PALETTE[len(self._series) % len(_PALETTE)])
        raw_item = pg.PlotDataItem(pen=pg.mkPen(_with_alpha(color, _RAW_ALPHA), width=1))
        smoothed_item = pg.PlotDataItem(pen=pg.mkPen(color, width=2), name=tag)
        for z, item in enumerate((raw_item, smoothed_item)):
            item.setZValue(z)
            self.plot_item.addItem(item)
        raw_item.setVisible(self._smoothing > 0)
        series = _Series(tag, color, raw_item, smoothed_item, EmaSmoother(self._smoothing))
        self._series[tag] = series
        return series

    def _update_wall_origin(self, walls: np.ndarray) -> None:
        finite = walls[np.isfinite(walls)]
        if finite.size == 0:
            return
        first = float(finite.min())
        if self._wall_origin is None or first < self._wall_origin:
            self._wall_origin = first
            if self.x_axis_combo.currentText() == X_AXIS_TIME:
                self._mark_dirty(*self._series)

    # -------------------------------------------------------------------------------------------- drawing

    def _mark_dirty(self, *tags: str, appended: bool = False) -> None:
        self._dirty.update(tags)
        if appended and self._append_interval_ms > REDRAW_INTERVAL_MS:
            if not self._redraw_timer.isActive():
                now_ms = time.monotonic() * 1000.0
                wait = self._append_interval_ms - (now_ms - self._append_phase_ms) % self._append_interval_ms
                self._redraw_timer.start(int(wait))
            return
        if not self._redraw_timer.isActive() or self._redraw_timer.remainingTime() > REDRAW_INTERVAL_MS:
            self._redraw_timer.start(REDRAW_INTERVAL_MS)

    def _redraw(self) -> None:
        """Hand the buffers of every changed series to its curve items (pyqtgraph downsamples at paint)."""
        self._redraw_timer.stop()
        for tag in self._dirty:
            series = self._series[tag]
            x = self.x_values(tag)
            series.smoothed_item.setData(x, series.smoothed[: series.size])
            if self._smoothing > 0:
                series.raw_item.setData(x, series.values[: series.size])
        self._dirty.clear()
        self._fit_view(force=self._refit)
        self._refit = False

    def follow_data(self) -> None:
        """Follow the data again (the "A" button) and fit the view to it now."""
        self.plot_item.disableAutoRange()  # pyqtgraph's own handler of the button turned its auto-range on
        self._follow = True
        self._fit_view(force=True)

    def _stop_following(self, *_args: object) -> None:
        self._follow = False

    def _fit_view(self, force: bool = False) -> None:
        """Move the view to the data when it has left it (or `force`); see sticky_range for why not always."""
        if not self._follow or not self._series:
            return
        log_y = self.log_y_checkbox.isChecked()
        xs, ys = [], []
        for series in self._series.values():
            n = series.size
            xs.append(self.x_values(series.name))
            ys.append(series.smoothed[:n])
            if self._smoothing > 0:
                ys.append(series.values[:n])
        if log_y:  # the view's y coordinates are log10 of the values; values ≤ 0 are not drawn
            ys = [np.log10(v[v > 0]) for v in ys]
        x_data, y_data = data_bounds(xs), data_bounds(ys)
        if x_data is None or y_data is None:
            return
        view_box = self.plot_item.getViewBox()
        (x0, x1), (y0, y1) = view_box.viewRange()
        new_x = followed_span(None if force else (x0, x1), x_data, headroom=0.25, margin=0.0)
        new_y = followed_span(None if force else (y0, y1), y_data, headroom=0.15, margin=0.05)  # room for the legend
        if new_x is not None or new_y is not None:
            view_box.setRange(xRange=new_x or (x0, x1), yRange=new_y or (y0, y1), padding=0)

    def _on_smoothing_changed(self, weight: float) -> None:
        self._smoothing = round(float(weight), 4)
        for series in self._series.values():
            series.resmooth(self._smoothing)
            series.raw_item.setVisible(self._smoothing > 0)
        self._mark_dirty(*self._series)

    def _on_log_y_toggled(self, log_y: bool) -> None:
        self.plot_item.setLogMode(x=False, y=log_y)
        self._fit_view(force=True)
        self._hide_readout()

    def _on_x_axis_changed(self, mode: str) -> None:
        self.plot_item.setLabel("bottom", "time (s)" if mode == X_AXIS_TIME else "step")
        self._follow = True
        self._refit = True
        self._hide_readout()
        self._mark_dirty(*self._series)

    # --------------------------------------------------------------------------------------------- hover

    def show_readout_at(self, scene_pos: QPointF) -> None:
        """Mouse-move handler: a vertical line at the cursor and every series' values at the nearest x."""
        view_box = self.plot_item.getViewBox()
        if not self._series or not view_box.sceneBoundingRect().contains(scene_pos):
            self._hide_readout()
            return
        if self._dirty:
            self._redraw()
        point = view_box.mapSceneToView(scene_pos)
        time_axis = self.x_axis_combo.currentText() == X_AXIS_TIME
        origin = self._wall_origin or 0.0
        rows = []
        for tag, series in self._series.items():
            # Search the stored buffers directly: no per-move copy of a million x values.
            n = series.size
            if time_axis:
                i = _nearest_index(series.walls[:n], point.x() + origin, series.walls_sorted)
                where = f"step {series.steps[i]}, {series.walls[i] - origin:.1f} s"
            else:
                i = _nearest_index(series.steps[:n], point.x(), series.steps_sorted)
                where = f"step {series.steps[i]}"
            value = f"<b>{_format_value(series.values[i])}</b>"
            if self._smoothing > 0:
                value = f"<b>{_format_value(series.smoothed[i])}</b> (raw {_format_value(series.values[i])})"
            rows.append(f'<span style="color:{series.color.name()}">■</span> {html.escape(tag)}: '
                        f"{value} &nbsp;<small>{where}</small>")
        color = self.palette().color(QPalette.ColorRole.Text).name()
        self._readout.setHtml(f'<div style="color:{color}">{"<br>".join(rows)}</div>')

        # Next to the cursor, flipped towards the side with more room, like a tooltip.
        cursor = view_box.mapFromScene(scene_pos)
        bounds = view_box.boundingRect()
        right = cursor.x() > bounds.center().x()
        below = cursor.y() < bounds.center().y()
        self._readout.setAnchor((1 if right else 0, 0 if below else 1))
        self._readout.setPos(cursor + QPointF(-12 if right else 12, 12 if below else -12))
        self._hover_line.setPos(point.x())
        self._hover_line.show()
        self._readout.show()

    def readout_text(self) -> str:
        """The hover readout as plain text (empty when hidden)."""
        return self._readout.textItem.toPlainText() if self._readout.isVisible() else ""

    def _hide_readout(self) -> None:
        self._hover_line.hide()
        self._readout.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.plot_widget.viewport() and event.type() == QEvent.Type.Leave:
            self._hide_readout()
        return super().eventFilter(watched, event)

    # -------------------------------------------------------------------------------------------- export

    def export_png(self, path: str) -> None:
        self._prepare_export()
        pyqtgraph.exporters.ImageExporter(self.plot_item).export(str(path))

    def export_svg(self, path: str) -> None:
        """Vector export through QSvgGenerator.

        pyqtgraph 0.14.0's SVGExporter fails on every plot with Qt >= 6.10, whose SVG paths end in "Z"
        (pyqtgraph issue #3495, fixed after that release), so the scene is rendered into an SVG painter instead.
        """
        self._prepare_export()
        source = self.plot_item.sceneBoundingRect()
        target = QRectF(0, 0, source.width(), source.height())
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(target.size().toSize())
        generator.setViewBox(target)
        generator.setTitle(self.title)
        painter = QPainter(generator)
        self._set_axis_cache(False)  # ticks, labels and grid as vectors, not as the cached pixmaps
        try:
            self.plot_widget.scene().render(painter, target, source)
        finally:
            painter.end()
            self._set_axis_cache(True)

    def _set_axis_cache(self, cached: bool) -> None:
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if cached else QGraphicsItem.CacheMode.NoCache
        for axis_name in ("left", "bottom"):
            self.plot_item.getAxis(axis_name).setCacheMode(mode)

    def export_csv(self, path: str) -> None:
        """All series, long format (tag, step, wall_time, value), full float precision."""
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["tag", "step", "wall_time", "value"])
            for tag, series in self._series.items():
                n = series.size
                writer.writerows(zip([tag] * n, series.steps[:n].tolist(), series.walls[:n].tolist(),
                                     series.values[:n].tolist(), strict=True))

    def _prepare_export(self) -> None:
        """Draw pending points and drop the hover decorations, so the file shows the curves only."""
        if self._dirty:
            self._redraw()
        self._hide_readout()

    def _ask_and_export(self, extension: str, file_filter: str, export: Callable[[str], None]) -> None:
        default_name = (re.sub(r"[^\w.-]+", "_", self.title).strip("_") or "curves") + f".{extension}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", default_name, file_filter)
        if path:
            export(path)


def _with_alpha(color: QColor, alpha: int) -> QColor:
    translucent = QColor(color)
    translucent.setAlpha(alpha)
    return translucent
