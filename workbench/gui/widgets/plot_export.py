"""A curve plot written to files: PNG, SVG (vectors) and CSV (every point, full precision)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsItem, QMenu, QToolButton, QWidget


def set_axis_cache(plot_item: pg.PlotItem, cached: bool) -> None:
    """Cache the axes (which draw the grid over the whole view) as pixmaps: redrawn only when the range changes."""
    mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if cached else QGraphicsItem.CacheMode.NoCache
    for axis_name in ("left", "bottom"):
        plot_item.getAxis(axis_name).setCacheMode(mode)


def export_png(plot_item: pg.PlotItem, path: str) -> None:
    pyqtgraph.exporters.ImageExporter(plot_item).export(str(path))


def export_svg(plot_widget: pg.PlotWidget, plot_item: pg.PlotItem, title: str, path: str) -> None:
    """Vector export through QSvgGenerator.

    pyqtgraph 0.14.0's SVGExporter fails on every plot with Qt >= 6.10, whose SVG paths end in "Z"
    (pyqtgraph issue #3495, fixed after that release), so the scene is rendered into an SVG painter instead.
    """
    source = plot_item.sceneBoundingRect()
    target = QRectF(0, 0, source.width(), source.height())
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(target.size().toSize())
    generator.setViewBox(target)
    generator.setTitle(title)
    painter = QPainter(generator)
    set_axis_cache(plot_item, False)  # ticks, labels and grid as vectors, not as the cached pixmaps
    try:
        plot_widget.scene().render(painter, target, source)
    finally:
        painter.end()
        set_axis_cache(plot_item, True)


def export_csv(path: str, series: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """(label, steps, walls, values) of each series in long format (tag, step, wall_time, value)."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["tag", "step", "wall_time", "value"])
        for label, steps, walls, values in series:
            writer.writerows(zip([label] * len(steps), steps.tolist(), walls.tolist(), values.tolist(), strict=True))


def export_button(parent: QWidget, title: Callable[[], str],
                  formats: dict[str, tuple[str, str, Callable[[str], None]]]) -> QToolButton:
    """An "Export" button whose menu asks for a file of each format: extension → (menu text, file filter,
    export(path)); the file is named after the plot's `title()` by default."""
    menu = QMenu(parent)
    for extension, (text, file_filter, export) in formats.items():
        menu.addAction(text, lambda e=extension, f=file_filter, x=export: _ask_and_export(parent, title(), e, f, x))
    button = QToolButton()
    button.setText("Export")
    button.setMenu(menu)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    return button


def _ask_and_export(parent: QWidget, title: str, extension: str, file_filter: str,
                    export: Callable[[str], None]) -> None:
    default_name = (re.sub(r"[^\w.-]+", "_", title).strip("_") or "curves") + f".{extension}"
    path, _ = QFileDialog.getSaveFileName(parent, f"Export {title}", default_name, file_filter)
    if path:
        export(path)
