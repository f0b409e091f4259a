"""A labelled heat map: a matrix drawn cell by cell with row and column names on the axes, a colour bar,
the values written in the cells when there is room, and a read-out of the cell under the mouse.

Used for the cosine similarity of latent directions and the per-factor disentanglement matrices, where the
names on the axes are the point: a bare image of numbers says nothing about which factor is which.

Labels follow the cells' size on screen (`fit_labels`, on every resize): the values are written in a font that fits
inside a cell (none when a cell is too small to hold one legibly), the column names are elided to a cell's width
and the names on both axes are thinned to every n-th when they would overlap; the read-out always names the cell
in full.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.gui.widgets.factory import fill, label

ANNOTATE_MAX_CELLS = 400  # values are written into the cells up to 20×20 (when the cells are large enough)
AXIS_NAME_CHARACTERS = 12  # longer names are elided on the axes (the read-out shows them in full)
VALUE_PIXELS = (7, 12)  # the font of the values in the cells: no smaller (else not written), no larger
CELL_FILL = 0.8  # a value takes at most this share of its cell's width and height


def _elide(name: str, limit: int = AXIS_NAME_CHARACTERS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


class HeatmapView(QWidget):
    """`set_matrix(values, row_names, column_names)` draws rows top to bottom and columns left to right."""

    def __init__(self, title: str = "", parent: QWidget | None = None, *, colormap: str = "viridis",
                 row_title: str = "", column_title: str = "") -> None:
        super().__init__(parent)
        self.matrix: np.ndarray | None = None
        self.row_names: list[str] = []
        self.column_names: list[str] = []
        self._colormap = colormap
        self._texts: list[pg.TextItem] = []
        self._format = "{:.2f}"
        self._fitted: tuple | None = None  # (cell width, cell height) the labels were fitted to
        self.value_pixels = 0  # the pixel size of the values written in the cells (0: none written)

        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setMinimumSize(220, 180)
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.setTitle(title, color="#333", size="10pt")
        self.plot_item.invertY(True)  # row 0 at the top, like a printed matrix
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.setLabel("left", row_title)
        self.plot_item.setLabel("bottom", column_title)
        for side in ("left", "bottom"):
            axis = self.plot_item.getAxis(side)
            axis.setPen(pg.mkPen("#555"))
            axis.setTextPen(pg.mkPen("#222"))
            axis.setStyle(hideOverlappingLabels=False, autoExpandTextSpace=True)  # every name stays on its axis
        self.image = pg.ImageItem()
        self.plot_item.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(colormap), interactive=False,
                                          width=14)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot_item)

        self.readout = label(" ", "heatmap-readout", "color: #444; font-size: 11px;")
        self.placeholder = label("", style="color: palette(mid); padding: 12px;", wrap=True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        fill(QVBoxLayout(self), self.placeholder, (self.plot_widget, 1), self.readout, margins=0, spacing=2)
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot_item.vb.sigResized.connect(lambda _vb: self.fit_labels())
        self.set_placeholder("Nothing to show yet.")

    # ---- public ------------------------------------------------------------------------------------------
    def set_title(self, title: str) -> None:
        self.plot_item.setTitle(title, color="#333", size="10pt")

    def set_axis_titles(self, row_title: str, column_title: str) -> None:
        self.plot_item.setLabel("left", row_title)
        self.plot_item.setLabel("bottom", column_title)

    def set_placeholder(self, text: str) -> None:
        """Hide the plot and show `text` instead (nothing computed, not applicable...)."""
        self.matrix = None
        self.placeholder.setText(text)
        self.placeholder.show()
        self.plot_widget.hide()
        self.readout.setText(" ")

    def set_matrix(self, values: np.ndarray, row_names: Sequence[str], column_names: Sequence[str], *,
                   levels: tuple[float, float] | None = None, value_format: str = "{:.2f}",
                   colormap: str | None = None) -> None:
        """Draw `values` (rows × columns); `levels` fixes the colour range (e.g. (-1, 1) for cosines)."""
        matrix = np.asarray(values, dtype=np.float64)
        if matrix.ndim != 2:
            raise ValueError(f"a heat map needs a 2-D matrix, got shape {matrix.shape}")
        rows, cols = matrix.shape
        if len(row_names) != rows or len(column_names) != cols:
            raise ValueError(f"{rows}×{cols} matrix but {len(row_names)} row and {len(column_names)} column names")
        self.matrix = matrix
        self.row_names = [str(n) for n in row_names]
        self.column_names = [str(n) for n in column_names]
        self._format = value_format
        finite = matrix[np.isfinite(matrix)]
        if levels is None:
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            levels = (low, high if high > low else low + 1.0)
        if colormap is not None and colormap != self._colormap:
            self._colormap = colormap
            self.colour_bar.setColorMap(pg.colormap.get(colormap))
        self.placeholder.hide()
        self.plot_widget.show()
        # ImageItem indexes [x, y]: columns along x, rows along y (inverted so that row 0 is at the top).
        self.image.setImage(np.nan_to_num(matrix, nan=levels[0]).T, autoLevels=False)
        self.colour_bar.setLevels(levels)
        self.image.setRect(0, 0, cols, rows)
        left = self.plot_item.getAxis("left")
        left.setWidth(max(self._tick_metrics(left).horizontalAdvance(_elide(n)) for n in self.row_names) + 34)
        self.plot_item.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)
        self._annotate(levels)
        self._fitted = None
        self.fit_labels()
        self.readout.setText("Hover a cell to read its value.")

    def cell_pixels(self) -> tuple[float, float]:
        """A cell's width and height on screen, in pixels."""
        vb = self.plot_item.vb
        origin, corner = vb.mapViewToScene(QPointF(0, 0)), vb.mapViewToScene(QPointF(1, 1))
        return abs(corner.x() - origin.x()), abs(corner.y() - origin.y())

    def fit_labels(self) -> None:
        """Fit the values and the axis names to the cells' size on screen (called on every resize)."""
        if self.matrix is None:
            return
        width, height = self.cell_pixels()
        if width <= 0 or height <= 0 or self._fitted == (round(width), round(height)):
            return
        self._fitted = (round(width), round(height))
        bottom, left = self.plot_item.getAxis("bottom"), self.plot_item.getAxis("left")
        metrics = self._tick_metrics(bottom)
        names = [self._fit_name(n, width - 6, metrics) for n in self.column_names]
        widest = max(metrics.horizontalAdvance(n) for n in names) + 6
        self._set_ticks(bottom, names, max(1, int(np.ceil(widest / width))))
        line = self._tick_metrics(left).height() * 1.1
        self._set_ticks(left, [_elide(n) for n in self.row_names], max(1, int(np.ceil(line / height))))
        self._fit_values(width, height)

    # ---- internals ---------------------------------------------------------------------------------------
    def _tick_metrics(self, axis: pg.AxisItem) -> QFontMetrics:
        return QFontMetrics(axis.style.get("tickFont") or self.font())

    @staticmethod
    def _fit_name(name: str, room: float, metrics: QFontMetrics) -> str:
        """`name` elided to `room` pixels, keeping at least three characters (thinning does the rest)."""
        name = _elide(name)
        if metrics.horizontalAdvance(name) <= room:
            return name
        elided = metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(room))
        return elided if len(elided) > 3 else name[:3] + "…"

    @staticmethod
    def _set_ticks(axis: pg.AxisItem, names: list[str], step: int) -> None:
        """Every `step`-th name (the others would overlap), centred on its cell."""
        axis.setTicks([[(i + 0.5, name) for i, name in enumerate(names) if i % step == 0], []])

    def _fit_values(self, width: float, height: float) -> None:
        """The values' font: as large as fits a cell (up to VALUE_PIXELS[1]); hidden below VALUE_PIXELS[0]."""
        if not self._texts:
            self.value_pixels = 0
            return
        longest = max(self._texts, key=lambda t: len(t.textItem.toPlainText())).textItem.toPlainText()
        font = QFont(self._texts[0].textItem.font())
        font.setPixelSize(100)
        ratio = QFontMetrics(font).horizontalAdvance(longest) / 100  # text width per pixel of font size
        pixels = int(min(VALUE_PIXELS[1], CELL_FILL * height / 1.25, CELL_FILL * width / max(ratio, 1e-6)))
        self.value_pixels = pixels if pixels >= VALUE_PIXELS[0] else 0
        if self.value_pixels:
            font.setPixelSize(self.value_pixels)
        for text in self._texts:
            if self.value_pixels:
                text.setFont(font)
            text.setVisible(bool(self.value_pixels))

    def _annotate(self, levels: tuple[float, float]) -> None:
        for text in self._texts:
            self.plot_item.removeItem(text)
        self._texts.clear()
        matrix = self.matrix
        if matrix is None or matrix.size > ANNOTATE_MAX_CELLS:
            return
        font = QFont()
        font.setPixelSize(VALUE_PIXELS[1])
        low, high = levels
        cmap = pg.colormap.get(self._colormap)
        for r in range(matrix.shape[0]):
            for c in range(matrix.shape[1]):
                value = matrix[r, c]
                fraction = float(np.clip((value - low) / (high - low), 0, 1)) if np.isfinite(value) else 0.0
                red, green, blue = np.asarray(cmap.map(fraction, mode="byte")).reshape(-1)[:3]
                colour = "#fff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else "#111"  # readable on the cell
                text = pg.TextItem(self._format.format(value) if np.isfinite(value) else "–", color=colour,
                                   anchor=(0.5, 0.5))
                text.setFont(font)
                text.setPos(c + 0.5, r + 0.5)
                self.plot_item.addItem(text)
                self._texts.append(text)

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """(row, column) under a scene position, or None outside the matrix."""
        if self.matrix is None or not self.plot_item.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot_item.vb.mapSceneToView(scene_pos)
        r, c = int(np.floor(point.y())), int(np.floor(point.x()))
        if 0 <= r < self.matrix.shape[0] and 0 <= c < self.matrix.shape[1]:
            return r, c
        return None

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        cell = self.cell_at(scene_pos)
        if cell is None:
            return
        r, c = cell
        value = self.matrix[r, c]
        self.readout.setText(f"{self.row_names[r]} × {self.column_names[c]}: {self._format.format(value)}")
