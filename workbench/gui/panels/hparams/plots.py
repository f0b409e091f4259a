"""The HParams view's two plots, as TensorBoard's HParams and W&B draw them: a scatter of one hyperparameter
against one metric (a point per run, in the run's colour), and parallel coordinates (a polyline per run across
several hyperparameters and metrics, each axis scaled to its own range, text values spaced evenly). Hovering a
point names its run and its values."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.gui.panels.runs.columns import text as cell_text

POINT_SIZE = 13
NAMES_SHOWN = 12  # with more runs than this the scatter names them only on hover
LEGEND_ROOM = 1.1  # axis widths to the right of the last axis, where the legend names the runs


@dataclass(frozen=True)
class PlotRun:
    """One run as the plots see it: its id, shown name, colour and values (config fields and figures)."""

    id: str
    name: str
    colour: QColor
    values: dict


@dataclass(frozen=True)
class Axis:
    """How one column's values map onto [0, 1]: numbers by their range, text (and flags) evenly in sorted order."""

    key: str
    low: float = 0.0
    high: float = 1.0
    categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, key: str, values: list) -> Axis:
        present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
            return cls(key, float(min(present)), float(max(present)))
        return cls(key, categories=tuple(sorted({cell_text(v) for v in present})))

    def position(self, value: object) -> float:
        """Where `value` lies on the axis, in its own units (numbers) or as a category index; NaN when missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return math.nan
        if self.categories:
            shown = cell_text(value)
            return float(self.categories.index(shown)) if shown in self.categories else math.nan
        return float(value)  # type: ignore[arg-type]

    def scaled(self, value: object) -> float:
        """`value` on [0, 1] (0.5 when every run has the same value)."""
        at = self.position(value)
        if math.isnan(at):
            return at
        if self.categories:
            return 0.5 if len(self.categories) == 1 else at / (len(self.categories) - 1)
        return 0.5 if self.high == self.low else (at - self.low) / (self.high - self.low)

    def label_at(self, fraction: float) -> str:
        return cell_text(self.low + fraction * (self.high - self.low))


def _plot_widget(name: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    plot.setMenuEnabled(False)
    plot.getPlotItem().hideButtons()
    return plot


def _tip(run: PlotRun, keys: list[str]) -> str:
    lines = [run.name if run.name == run.id else f"{run.name} ({run.id})"]
    lines += [f"{key}: {cell_text(run.values.get(key, '—'))}" for key in keys]
    return "\n".join(lines)


class HParamScatter(QWidget):
    """One hyperparameter (x) against one metric (y), a point per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _plot_widget("hparams-scatter")
        self.plot.getPlotItem().getViewBox().setDefaultPadding(0.08)
        self.points = pg.ScatterPlotItem(size=POINT_SIZE, hoverable=True, hoverSize=POINT_SIZE + 4,
                                         tip=lambda x, y, data: data)
        self.plot.addItem(self.points)
        self.labels: list[pg.TextItem] = []
        self.shown: list[str] = []  # run ids of the points drawn, in order
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_runs(self, runs: list[PlotRun], x: str, y: str) -> None:
        for item in self.labels:
            self.plot.removeItem(item)
        self.labels = []
        x_axis, y_axis = Axis.of(x, [r.values.get(x) for r in runs]), Axis.of(y, [r.values.get(y) for r in runs])
        spots, self.shown = [], []
        xs = [x_axis.position(r.values.get(x)) for r in runs]
        middle = (np.nanmin(xs) + np.nanmax(xs)) / 2 if np.isfinite(xs).any() else 0.0
        for run in runs:
            px, py = x_axis.position(run.values.get(x)), y_axis.position(run.values.get(y))
            if math.isnan(px) or math.isnan(py):
                continue
            spots.append({"pos": (px, py), "brush": pg.mkBrush(run.colour), "pen": pg.mkPen("w", width=1.5),
                          "data": _tip(run, [x, y])})
            self.shown.append(run.id)
            if len(runs) <= NAMES_SHOWN:
                name = pg.TextItem(run.name, color=run.colour.darker(130), anchor=(0 if px <= middle else 1, 1))
                name.setPos(px, py)
                self.plot.addItem(name)
                self.labels.append(name)
        self.points.setData(spots)
        item = self.plot.getPlotItem()
        for side, axis, key in (("bottom", x_axis, x), ("left", y_axis, y)):
            item.setLabel(side, key)
            ticks = [list(enumerate(axis.categories))] if axis.categories else None
            item.getAxis(side).setTicks(ticks)
        self.plot.enableAutoRange()
        margin = 0.5 if x_axis.categories else 0.0
        if margin:
            item.setXRange(-margin, len(x_axis.categories) - 1 + margin, padding=0.05)


class ParallelCoordinates(QWidget):
    """A polyline per run across `keys`, each axis scaled to the runs' range of its values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _plot_widget("hparams-parallel")
        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):
            item.hideAxis(side)
        self.plot.setMouseEnabled(x=False, y=False)
        self.lines: dict[str, pg.PlotDataItem] = {}  # run id → its polyline
        self.axes: list[Axis] = []
        self.legend = item.addLegend(offset=(-8, 8), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 220))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_runs(self, runs: list[PlotRun], keys: list[str]) -> None:
        self.plot.clear()
        self.lines = {}
        self.axes = [Axis.of(key, [r.values.get(key) for r in runs]) for key in keys]
        if not keys:
            return
        small = QFont()
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        for i, axis in enumerate(self.axes):
            self.plot.addItem(pg.PlotDataItem([i, i], [0, 1], pen=pg.mkPen("#888", width=1)))
            name = pg.TextItem(_wrap(axis.key), color="#222", anchor=(0.5, 0))
            name.setPos(i, -0.09)
            self.plot.addItem(name)
            marks = ([(j / max(1, len(axis.categories) - 1) if len(axis.categories) > 1 else 0.5, c)
                      for j, c in enumerate(axis.categories)] if axis.categories else
                     [(0.0, axis.label_at(0.0)), (1.0, axis.label_at(1.0))] if axis.high > axis.low else
                     [(0.5, axis.label_at(0.0))])
            for at, text in marks:  # a range's ends just above and below the axis, categories beside it
                mark = pg.TextItem(text, color="#555", anchor=(0, 0.5) if axis.categories or at == 0.5 else
                                   (0, 0) if at == 0.0 else (0, 1))
                mark.setFont(small)
                mark.setPos(i + 0.03, at)
                self.plot.addItem(mark)
        xs = np.arange(len(keys), dtype=float)
        for run in runs:
            ys = np.array([axis.scaled(run.values.get(axis.key)) for axis in self.axes], dtype=float)
            line = pg.PlotDataItem(xs, ys, pen=pg.mkPen(run.colour, width=2.5), connect="finite", name=run.name)
            self.plot.addItem(line)
            self.lines[run.id] = line
            finite = np.isfinite(ys)
            dots = pg.ScatterPlotItem(xs[finite], ys[finite], size=9, brush=pg.mkBrush(run.colour),
                                      pen=pg.mkPen("w"), hoverable=True, hoverSize=13,
                                      data=[_tip(run, keys)] * int(finite.sum()), tip=lambda x, y, data: data)
            self.plot.addItem(dots)
        self.plot.setXRange(-0.45, len(keys) - 1 + 0.6 + LEGEND_ROOM, padding=0)
        self.plot.setYRange(-0.3, 1.1, padding=0)


def _wrap(key: str, width: int = 16) -> str:
    """An axis name on lines of about `width` characters, broken at spaces and dots: "method.lr_g" stays,
    "FID [digits-cnn, 500] (best)" takes two."""
    lines, line = [], ""
    for word in key.replace(".", ". ").split(" "):
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = ""
        line += word if line.endswith(".") or not line else " " + word
    return "\n".join([*lines, line]).replace(". ", ".")

