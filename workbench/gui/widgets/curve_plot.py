"""A live scalar-curve plot (losses, metrics) that stays fluid with millions of points, for one run or several.

Appends only copy into growing buffers and smooth the new tail (curve_data); the actual redraw is coalesced by
a single-shot timer (at most ~15 per second), because one pyqtgraph repaint costs several milliseconds on the
project's 2-core machines and training may report far more often than that. A long series is drawn from its
min/max pyramid at the view's width, so panning twenty million-point curves stays smooth, and re-smoothing
more than BACKGROUND_SMOOTHING_POINTS points runs on a worker thread, so the smoothing slider never freezes the
window.

Series are named by a key; the comparison of runs gives each its own label ("run · tag"), colour (the run's),
dash (the tag's) and time origin (relative time counts from each run's own start).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.run_selection import PALETTE
from workbench.gui.widgets import curve_controls, plot_export
from workbench.gui.widgets.curve_controls import (  # noqa: F401 - the plot's settings, imported from here too
    DEFAULT_SMOOTHING,
    MAX_SMOOTHING,
    X_AXIS_STEP,
    X_AXIS_TIME,
    X_AXIS_WALL,
    X_LABELS,
    X_MODES,
)
from workbench.gui.widgets.curve_data import (
    LOD_MIN_POINTS,
    X_RELATIVE,
    X_STEP,
    X_WALL,
    SeriesData,
    nearest_index,
    smooth_all,
    union,
)
from workbench.gui.widgets.plot_axes import ValueAxis, XAxis, format_value, format_wall
from workbench.gui.widgets.sticky_range import followed_span
from workbench.runs.smoothing import EmaSmoother

REDRAW_INTERVAL_MS = 66  # ~15 redraws per second at most
BACKGROUND_SMOOTHING_POINTS = 2_000_000  # more points than this are re-smoothed on a worker thread
READOUT_ROWS = 12  # the readout lists the series nearest the cursor, at most this many
_RAW_ALPHA = 70


@dataclass(eq=False)
class _Series:
    """One curve: its points (SeriesData), how it is named and drawn, and its two items (faint raw, smoothed)."""

    key: str
    label: str
    color: QColor
    group: str  # series of one group share a time origin (one run's tags)
    data: SeriesData
    raw_item: pg.PlotDataItem
    smoothed_item: pg.PlotDataItem
    hidden: bool = False

    @property
    def size(self) -> int:
        return self.data.size


class CurvePlot(QWidget):
    """Scalar curves with TensorBoard-style smoothing, log y, step/time/wall-clock x axis, hover readout and export.

    `controls=False` leaves out the toolbar: a view that drives several plots at once (the comparison of runs)
    sets them through `set_smoothing`, `set_log_y` and `set_x_axis`.
    """

    series_toggled = Signal(str, bool)  # key, visible: a click on the series' legend sample

    def __init__(self, title: str, parent: QWidget | None = None, *, controls: bool = True) -> None:
        super().__init__(parent)
        self.title = title
        self._series: dict[str, _Series] = {}
        self._dirty: set[str] = set()
        self._origins: dict[str, float] = {}  # group → its earliest wall time (the relative-time origin)
        self._smoothing = DEFAULT_SMOOTHING
        self._append_interval_ms = REDRAW_INTERVAL_MS
        self._append_phase_ms = 0
        self._follow = True  # the view follows the data (sticky_range); off once the user pans or zooms
        self._refit = True  # the next redraw fits the view to the data whatever the current range
        self._drawing = False
        self._smoother_worker: LatestRequestWorker | None = None

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw)

        self.smoothing_slider = curve_controls.smoothing_slider()
        self.smoothing_slider.valueChanged.connect(self._on_smoothing_changed)
        self.log_y_checkbox = curve_controls.log_y_checkbox()
        self.log_y_checkbox.toggled.connect(self._on_log_y_toggled)
        self.x_axis_combo = curve_controls.x_axis_combo()
        self.x_axis_combo.currentTextChanged.connect(self._on_x_axis_changed)
        self.export_button = plot_export.export_button(self, lambda: self.title, {
            "png": ("PNG image…", "PNG image (*.png)", self.export_png),
            "svg": ("SVG vector image…", "SVG image (*.svg)", self.export_svg),
            "csv": ("CSV data (all series)…", "CSV file (*.csv)", self.export_csv)})

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
        self._foreground = foreground
        self.x_axis = XAxis()
        self.plot_widget = pg.PlotWidget(background=background,
                                         axisItems={"left": ValueAxis("left"), "bottom": self.x_axis})
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.set_title(title)
        for axis_name in ("left", "bottom"):
            axis = self.plot_item.getAxis(axis_name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        self.plot_item.setLabel("bottom", X_LABELS[X_STEP])
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        # The axes draw the grid, so their pictures span the whole view and were replayed (ticks, labels, grid
        # lines) under every curve update; cached as pixmaps, they are redrawn only when the range changes.
        plot_export.set_axis_cache(self.plot_item, True)
        # Set on the PlotItem, not the curves: PlotItem.addItem overwrites a curve's own settings with these.
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)
        # pyqtgraph's auto-range refits (and repaints twice) on every update; the view follows the data with
        # sticky ranges instead. Panning or zooming stops following; the "A" button resumes it.
        self.plot_item.disableAutoRange()
        view_box = self.plot_item.getViewBox()
        view_box.sigRangeChangedManually.connect(self._stop_following)
        view_box.sigXRangeChanged.connect(self._on_view_changed)
        view_box.sigResized.connect(self._on_view_changed)
        view_box.sigResized.connect(self._fit_legend)
        self.plot_item.autoBtn.clicked.connect(self.follow_data)
        # A thin, see-through strip along the top (three entries a row) hides as little of the curves as it can.
        self.legend = self.plot_item.addLegend(offset=(10, 2), labelTextColor=foreground, colCount=3,
                                               brush=pg.mkBrush(_with_alpha(background, 110)))
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)

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
        if controls:
            layout.addLayout(toolbar)
        else:
            for widget in (self.smoothing_slider, self.log_y_checkbox, self.x_axis_combo, self.export_button):
                widget.setParent(self)
                widget.hide()
        layout.addWidget(self.plot_widget, 1)

    def set_title(self, title: str) -> None:
        self.title = title
        self.plot_item.setTitle(html.escape(title), color=self._foreground, size="11pt")

    # ----------------------------------------------------------------------------------------------- data

    def add_series(self, key: str, label: str | None = None, color: QColor | None = None,
                   style: Qt.PenStyle = Qt.PenStyle.SolidLine, group: str = "") -> None:
        """Create series `key` drawn as `label` in `color` (the next palette colour by default) and `style`;
        series of one `group` share their relative-time origin. Does nothing if it exists."""
        if key in self._series:
            return
        color = QColor(color if color is not None else PALETTE[len(self._series) % len(PALETTE)])
        raw_item = pg.PlotDataItem(pen=pg.mkPen(_with_alpha(color, _RAW_ALPHA), width=1, style=style))
        smoothed_item = pg.PlotDataItem(pen=pg.mkPen(color, width=2, style=style), name=label or key)
        for z, item in enumerate((raw_item, smoothed_item)):
            item.setZValue(z)
            self.plot_item.addItem(item)
        raw_item.setVisible(self._smoothing > 0)
        self._fit_legend()
        self._series[key] = _Series(key, label or key, color, group, SeriesData(EmaSmoother(self._smoothing)),
                                    raw_item, smoothed_item)

    def append(self, key: str, steps: np.ndarray, walls: np.ndarray, values: np.ndarray) -> None:
        """Add points to series `key` (created on first use); the redraw happens later, coalesced.

        Steps are stored as integers, like the run store's step column.
        """
        steps, walls, values = np.asarray(steps), np.asarray(walls, dtype=np.float64), np.asarray(values)
        if not len(steps) == len(walls) == len(values):
            raise ValueError(f"{key}: steps, walls and values differ in length "
                             f"({len(steps)}, {len(walls)}, {len(values)})")
        if len(values) == 0:
            return
        self.add_series(key)
        series = self._series[key]
        series.data.append(steps, walls, values)
        self._update_origin(series.group, walls)
        self._mark_dirty(key, appended=True)

    def remove_series(self, key: str) -> None:
        series = self._series.pop(key, None)
        if series is None:
            return
        self.plot_item.removeItem(series.raw_item)
        self.plot_item.removeItem(series.smoothed_item)
        self._fit_legend()
        self._dirty.discard(key)
        if not any(s.group == series.group for s in self._series.values()):
            self._origins.pop(series.group, None)
        self._hide_readout()

    def set_series_visible(self, key: str, visible: bool) -> None:
        """Show or hide series `key` (its legend entry stays, greyed, so a click brings it back)."""
        series = self._series[key]
        series.hidden = not visible
        series.smoothed_item.setVisible(visible)
        series.raw_item.setVisible(visible and self._smoothing > 0)
        self._hide_readout()

    def is_series_visible(self, key: str) -> bool:
        return not self._series[key].hidden

    def set_legend_visible(self, visible: bool) -> None:
        self.legend.setVisible(visible)
        self._refit = self._refit or self._follow
        self._mark_dirty()

    def _fit_legend(self, *_args: object) -> None:
        """As many legend entries a row as the plot's width holds whole ("run · tag" labels are long)."""
        if self.legend.items:
            widest = max(label.boundingRect().width() for _, label in self.legend.items) + 35
            width = self.plot_item.getViewBox().width() - 20
            self.legend.setColumnCount(max(1, min(3, len(self.legend.items), int(width // widest))))
            self._refit = self._refit or self._follow  # the room above the curves changes with its rows

    def _legend_room(self) -> float:
        """Headroom above the data (a fraction of its extent) that keeps the curves' top clear of the legend."""
        height = self.plot_item.getViewBox().height()
        if not self.legend.isVisible() or not self.legend.items or height <= 0:
            return 0.15
        covered = min(0.5, (self.legend.boundingRect().height() + 6) / height)
        return max(0.15, covered * 1.05 / (1 - covered))

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
        for key in list(self._series):
            self.remove_series(key)
        self._origins.clear()
        self._redraw_timer.stop()
        # The next run's axes start from its own data, not the last run's.
        self.plot_item.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._follow = True
        self._refit = True

    def series_names(self) -> list[str]:
        return list(self._series)

    def point_count(self, key: str) -> int:
        """Points stored for `key` (0 for a series that has not appeared yet)."""
        series = self._series.get(key)
        return 0 if series is None else series.size

    def data(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the raw (steps, walls, values) of series `key`."""
        data = self._series[key].data
        n = data.size
        return data.steps[:n].copy(), data.walls[:n].copy(), data.values[:n].copy()

    def smoothed(self, key: str) -> np.ndarray:
        """A copy of the smoothed values of series `key`."""
        data = self._series[key].data
        return data.smoothed[: data.size].copy()

    def items(self, key: str) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        """The (faint raw, bold smoothed) curve items of series `key`."""
        series = self._series[key]
        return series.raw_item, series.smoothed_item

    def x_mode(self) -> str:
        return X_MODES[self.x_axis_combo.currentText()]

    def x_values(self, key: str) -> np.ndarray:
        """What series `key` is drawn against: steps, seconds since its group's first point, or wall time."""
        series = self._series[key]
        return series.data.x(self.x_mode(), self._origins.get(series.group, 0.0))

    def _update_origin(self, group: str, walls: np.ndarray) -> None:
        finite = walls[np.isfinite(walls)]
        if finite.size == 0:
            return
        first = float(finite.min())
        if group not in self._origins or first < self._origins[group]:
            self._origins[group] = first
            if self.x_mode() == X_RELATIVE:
                self._mark_dirty(*(k for k, s in self._series.items() if s.group == group))

    # -------------------------------------------------------------------------------- the user's settings

    def set_smoothing(self, weight: float) -> None:
        self.smoothing_slider.setValue(weight)

    def set_log_y(self, log_y: bool) -> None:
        self.log_y_checkbox.setChecked(log_y)

    def set_x_axis(self, name: str) -> None:
        """`name`: X_AXIS_STEP, X_AXIS_TIME or X_AXIS_WALL."""
        self.x_axis_combo.setCurrentText(name)

    def _on_smoothing_changed(self, weight: float) -> None:
        self._smoothing = round(float(weight), 4)
        for series in self._series.values():
            series.raw_item.setVisible(self._smoothing > 0 and not series.hidden)
        if sum(s.size for s in self._series.values()) > BACKGROUND_SMOOTHING_POINTS:
            if self._smoother_worker is None:
                self._smoother_worker = LatestRequestWorker(smooth_all, "curve-smoothing", self)
                self._smoother_worker.ready.connect(self._smoothed_in_background)
            self._smoother_worker.submit((self._smoothing, [(k, s.data.values, s.size)
                                                            for k, s in self._series.items()]))
            return
        for series in self._series.values():
            series.data.resmooth(self._smoothing)
        self._mark_dirty(*self._series)

    def _smoothed_in_background(self, _request_id: int, result: tuple[float, dict]) -> None:
        weight, smoothed = result
        if weight != self._smoothing:  # the slider moved on: a newer request is on its way
            return
        for key, (values, smoother) in smoothed.items():
            if key in self._series and len(values) <= self._series[key].size:
                self._series[key].data.set_smoothed(values, smoother)
        self._mark_dirty(*smoothed)
        self._redraw()

    def wait_smoothing(self, timeout: float = 30.0) -> bool:
        """Wait for a background re-smoothing to be drawn (benchmarks and tests); True when none is left."""
        return self._smoother_worker is None or self._smoother_worker.wait_idle(timeout)

    def shutdown(self) -> None:
        """Stop the smoothing thread (the widget is going away)."""
        if self._smoother_worker is not None:
            self._smoother_worker.shutdown()

    def _on_log_y_toggled(self, log_y: bool) -> None:
        self.plot_item.setLogMode(x=False, y=log_y)
        self._fit_view(force=True)
        self._hide_readout()

    def _on_x_axis_changed(self, _name: str) -> None:
        mode = self.x_mode()
        self.plot_item.setLabel("bottom", X_LABELS[mode])
        self.x_axis.set_dates(mode == X_WALL)
        self._follow = True
        self._refit = True
        self._hide_readout()
        self._mark_dirty(*self._series)

    # -------------------------------------------------------------------------------------------- drawing

    def _mark_dirty(self, *keys: str, appended: bool = False) -> None:
        self._dirty.update(keys)
        if appended and self._append_interval_ms > REDRAW_INTERVAL_MS:
            if not self._redraw_timer.isActive():
                now_ms = time.monotonic() * 1000.0
                wait = self._append_interval_ms - (now_ms - self._append_phase_ms) % self._append_interval_ms
                self._redraw_timer.start(int(wait))
            return
        if not self._redraw_timer.isActive() or self._redraw_timer.remainingTime() > REDRAW_INTERVAL_MS:
            self._redraw_timer.start(REDRAW_INTERVAL_MS)

    def _redraw(self) -> None:
        """Fit the view to the data if it left it, then hand every changed series to its curve items."""
        self._redraw_timer.stop()
        view_box = self.plot_item.getViewBox()
        x_range = view_box.viewRange()[0]
        self._drawing = True
        try:
            self._fit_view(force=self._refit)
        finally:
            self._drawing = False
        self._refit = False
        moved = view_box.viewRange()[0] != x_range
        for key, series in self._series.items():
            if key in self._dirty or (moved and series.size > LOD_MIN_POINTS):
                self._draw(series)
        self._dirty.clear()

    def _draw(self, series: _Series) -> None:
        """Short series go to pyqtgraph whole (it clips and downsamples them at paint); a long one is drawn
        from its peak pyramid at the view's width, clipped to the view."""
        data, mode, origin = series.data, self.x_mode(), self._origins.get(series.group, 0.0)
        smoothing = self._smoothing > 0
        if data.size <= LOD_MIN_POINTS or not data.x_sorted(mode):
            x = data.x(mode, origin)
            series.smoothed_item.setData(x, data.smoothed[: data.size])
            if smoothing:
                series.raw_item.setData(x, data.values[: data.size])
            return
        view_box = self.plot_item.getViewBox()
        (x_low, x_high), _ = view_box.viewRange()
        start, end = data.visible(mode, origin, x_low, x_high)
        if end <= start:
            start, end = max(0, data.size - 1), data.size
        columns = max(64, int(view_box.width()) // 2)  # a block's min and max: about a point per pixel
        series.smoothed_item.setData(*data.peaks(True, mode, origin, start, end, columns))
        if smoothing:
            series.raw_item.setData(*data.peaks(False, mode, origin, start, end, columns))

    def _on_view_changed(self, *_args: object) -> None:
        """A pan, zoom or resize: long series are drawn again for the new range (short ones need nothing)."""
        if self._drawing:
            return
        for series in self._series.values():
            if series.size > LOD_MIN_POINTS and series.key not in self._dirty:
                self._draw(series)

    def follow_data(self) -> None:
        """Follow the data again (the "A" button) and fit the view to it now."""
        self.plot_item.disableAutoRange()  # pyqtgraph's own handler of the button turned its auto-range on
        self._follow = True
        self._fit_view(force=True)

    def _stop_following(self, *_args: object) -> None:
        self._follow = False

    def _fit_view(self, force: bool = False) -> None:
        """Move the view to the data when it has left it (or `force`); see sticky_range for why not always."""
        shown = [s for s in self._series.values() if not s.hidden and s.size]
        if not self._follow or not shown:
            return
        log_y, mode = self.log_y_checkbox.isChecked(), self.x_mode()
        x_spans = [s.data.x_bounds(mode, self._origins.get(s.group, 0.0)) for s in shown]
        y_spans = [s.data.smoothed_bounds.span(log_y) for s in shown]
        if self._smoothing > 0:
            y_spans += [s.data.raw_bounds.span(log_y) for s in shown]
        x_data, y_data = union(x_spans), union(y_spans)
        if x_data is None or y_data is None:
            return
        if not log_y:  # a flat curve gets a span of a ten-thousandth of its value, not of its float noise
            low, high = y_data
            floor = 1e-4 * max(abs(low), abs(high))
            if 0 < high - low < floor:
                middle = (low + high) / 2
                y_data = (middle - floor / 2, middle + floor / 2)
        view_box = self.plot_item.getViewBox()
        (x0, x1), (y0, y1) = view_box.viewRange()
        new_x = followed_span(None if force else (x0, x1), x_data, headroom=0.25, margin=0.0)
        new_y = followed_span(None if force else (y0, y1), y_data, headroom=self._legend_room(), margin=0.05)
        if new_x is not None or new_y is not None:
            view_box.setRange(xRange=new_x or (x0, x1), yRange=new_y or (y0, y1), padding=0)

    # --------------------------------------------------------------------------------------------- hover

    def show_readout_at(self, scene_pos: QPointF) -> None:
        """Mouse-move handler: a vertical line at the cursor and the shown series' values at the nearest x (the
        READOUT_ROWS series nearest the cursor when there are more)."""
        view_box = self.plot_item.getViewBox()
        shown = [s for s in self._series.values() if not s.hidden and s.size]
        if not shown or not view_box.sceneBoundingRect().contains(scene_pos):
            self._hide_readout()
            return
        if self._dirty:
            self._redraw()
        point = view_box.mapSceneToView(scene_pos)
        mode = self.x_mode()
        rows = []
        for series in shown:
            # Search the stored buffers directly: no per-move copy of a million x values.
            data, origin = series.data, self._origins.get(series.group, 0.0)
            n = data.size
            if mode == X_STEP:
                i = nearest_index(data.steps[:n], point.x(), data.steps_sorted)
                where = f"step {data.steps[i]}"
            else:
                target = point.x() + (origin if mode == X_RELATIVE else 0.0)
                i = nearest_index(data.walls[:n], target, data.walls_sorted)
                when = f"{data.walls[i] - origin:.1f} s" if mode == X_RELATIVE else format_wall(data.walls[i])
                where = f"step {data.steps[i]}, {when}"
            shown_value = data.smoothed[i] if self._smoothing > 0 else data.values[i]
            value = f"<b>{format_value(data.values[i])}</b>"
            if self._smoothing > 0:
                value = f"<b>{format_value(data.smoothed[i])}</b> (raw {format_value(data.values[i])})"
            rows.append((shown_value, f'<span style="color:{series.color.name()}">■</span> '
                                      f"{html.escape(series.label)}: {value} &nbsp;<small>{where}</small>"))
        if len(rows) > READOUT_ROWS:  # the series nearest the cursor's height
            cursor_y = 10 ** point.y() if self.log_y_checkbox.isChecked() else point.y()
            nearest = sorted(rows, key=lambda row: abs(row[0] - cursor_y) if np.isfinite(row[0]) else np.inf)
            kept = {id(row) for row in nearest[:READOUT_ROWS]}
            rows = [row for row in rows if id(row) in kept] + [(0.0, f"<small>… {len(rows) - READOUT_ROWS} more"
                                                                      "</small>")]
        color = self.palette().color(QPalette.ColorRole.Text).name()
        self._readout.setHtml(f'<div style="color:{color}">{"<br>".join(text for _, text in rows)}</div>')

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

    def _on_legend_clicked(self, item: pg.PlotDataItem) -> None:
        """pyqtgraph's legend sample toggled the smoothed curve: its raw curve and the owner follow."""
        series = next((s for s in self._series.values() if s.smoothed_item is item), None)
        if series is not None:
            self.set_series_visible(series.key, item.isVisible())
            self.series_toggled.emit(series.key, item.isVisible())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.plot_widget.viewport() and event.type() == QEvent.Type.Leave:
            self._hide_readout()
        return super().eventFilter(watched, event)

    # -------------------------------------------------------------------------------------------- export

    def export_png(self, path: str) -> None:
        self._prepare_export()
        plot_export.export_png(self.plot_item, path)

    def export_svg(self, path: str) -> None:
        self._prepare_export()
        plot_export.export_svg(self.plot_widget, self.plot_item, self.title, path)

    def export_csv(self, path: str) -> None:
        """All series, long format (label, step, wall_time, value), full float precision."""
        plot_export.export_csv(path, [(s.label, *self.data(s.key)) for s in self._series.values()])

    def _prepare_export(self) -> None:
        """Draw pending points and drop the hover decorations, so the file shows the curves only."""
        if self._dirty:
            self._redraw()
        self._hide_readout()


def _with_alpha(color: QColor, alpha: int) -> QColor:
    translucent = QColor(color)
    translucent.setAlpha(alpha)
    return translucent
