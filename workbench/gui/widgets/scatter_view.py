"""Live 2-D scatter (e.g. encoded data against the prior, or real against generated points over the
discriminator's decision surface), with a step scrubber like the sample grids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

SERIES_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]


def load_scatter(path: str | Path) -> dict[str, np.ndarray]:
    """Read a recorded scatter (.npz of named arrays); never unpickles objects."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


class ScatterView(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._files: dict[int, str] = {}
        self._follow_latest = True
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.setTitle(title, color="#333", size="11pt")
        self.plot_item.setAspectLocked(True)
        self.plot_item.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot_item.addLegend(offset=(5, 5))
        self.surface = pg.ImageItem()
        self.surface.setZValue(-10)
        self.plot_item.addItem(self.surface)
        self.surface_bar: pg.ColorBarItem | None = None
        self.items: dict[str, pg.ScatterPlotItem] = {}
        self.step_slider = QSlider(Qt.Orientation.Horizontal)
        self.step_slider.setEnabled(False)
        self.step_slider.valueChanged.connect(self._slider_moved)
        self.step_label = QLabel("no steps")
        row = QHBoxLayout()
        row.addWidget(self.step_slider, 1)
        row.addWidget(self.step_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.plot_widget, 1)

    def steps(self) -> list[int]:
        return sorted(self._files)

    def add_file(self, step: int, path: str) -> None:
        self._files[step] = path
        steps = self.steps()
        self.step_slider.blockSignals(True)
        self.step_slider.setRange(0, len(steps) - 1)
        self.step_slider.setEnabled(len(steps) > 1)
        if self._follow_latest:
            self.step_slider.setValue(len(steps) - 1)
        self.step_slider.blockSignals(False)
        if self._follow_latest:
            self._show(steps[-1])

    def clear(self) -> None:
        self._files.clear()
        self._follow_latest = True
        for item in self.items.values():
            item.setData([], [])
        self.surface.clear()
        self.step_label.setText("no steps")

    def _slider_moved(self, index: int) -> None:
        steps = self.steps()
        self._follow_latest = index == len(steps) - 1
        self._show(steps[index])

    def _show(self, step: int) -> None:
        data = load_scatter(self._files[step])
        self.step_label.setText(f"step {step}")
        for i, (name, points) in enumerate((k, v) for k, v in data.items() if not k.startswith("__")):
            if name not in self.items:
                colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
                item = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*colour, 140), name=name)
                self.items[name] = item
                self.plot_item.addItem(item)
            self.items[name].setData(points[:, 0], points[:, 1])
        if "__surface__" in data and "__extent__" in data:
            x0, x1, y0, y1 = (float(v) for v in data["__extent__"])
            surface = data["__surface__"]
            self.surface.setImage(surface.T, levels=(0.0, 1.0))
            self.surface.setRect(x0, y0, x1 - x0, y1 - y0)
            if self.surface_bar is None:
                self.surface_bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("CET-D1A"),
                                                   label="D(x)", interactive=False)
                self.surface_bar.setImageItem(self.surface, insert_in=self.plot_item)

    def current_points(self, name: str) -> np.ndarray:
        x, y = self.items[name].getData()
        return np.stack([x, y], axis=1)
