"""Heat-map labels fit their cells: the values are written inside the cells in a font the cell size allows (none
when too small), and the names on the axes never overlap; tried on the Disentanglement tool's 10×5 and 32×5
matrices at a laptop's and a large screen's sizes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QFontMetrics

from workbench.gui.widgets.heatmap import CELL_FILL, VALUE_PIXELS, HeatmapView

FACTORS = ["shape", "scale", "orientation", "position x", "position y"]


def _shown(view: HeatmapView, rows: int, size: tuple[int, int], qtbot) -> HeatmapView:
    rng = np.random.default_rng(rows)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.set_matrix(rng.random((rows, len(FACTORS))), [f"z{i}" for i in range(rows)], FACTORS)
    qtbot.waitUntil(lambda: view._fitted is not None and view._fitted == tuple(round(v) for v in view.cell_pixels()))
    return view


def _scene_cell(view: HeatmapView, row: int, column: int) -> QRectF:
    from PySide6.QtCore import QPointF

    vb = view.plot_item.vb
    corner = vb.mapViewToScene(QPointF(column, row))
    other = vb.mapViewToScene(QPointF(column + 1, row + 1))
    return QRectF(corner, other).normalized()


def _labels(axis) -> list[tuple[float, str]]:
    return list(axis._tickLevels[0]) if axis._tickLevels else []


@pytest.mark.parametrize("rows", [10, 32])
@pytest.mark.parametrize("size", [(300, 260), (520, 700)])
def test_values_sit_inside_their_cells_and_names_do_not_overlap(qtbot, rows, size):
    view = HeatmapView("Mutual information", row_title="latent dimension", column_title="factor")
    qtbot.addWidget(view)
    _shown(view, rows, size, qtbot)
    width, height = view.cell_pixels()

    if view.value_pixels:
        assert VALUE_PIXELS[0] <= view.value_pixels <= VALUE_PIXELS[1]
        for index, text in enumerate(view._texts):
            assert text.isVisible()
            cell = _scene_cell(view, index // len(FACTORS), index % len(FACTORS))
            box = text.mapRectToScene(text.boundingRect())
            inner = text.textItem.mapRectToScene(text.textItem.boundingRect())
            metrics = QFontMetrics(text.textItem.font())
            ink = metrics.horizontalAdvance(text.textItem.toPlainText())
            assert ink <= cell.width(), f"value {index} wider than its cell"
            assert metrics.height() <= cell.height() * 1.05, f"value {index} taller than its cell"
            centre = box.center()
            assert cell.contains(centre) and inner.width() > 0
    else:
        assert all(not text.isVisible() for text in view._texts), "too small to write: not written"
        font = QFont(view._texts[0].textItem.font()) if view._texts else QFont()
        font.setPixelSize(VALUE_PIXELS[0])
        smallest = QFontMetrics(font)
        fits = smallest.horizontalAdvance("0.00") <= CELL_FILL * width and smallest.height() <= height
        assert not view._texts or not fits, "hidden only when even the smallest font would not fit"

    bottom = view.plot_item.getAxis("bottom")
    metrics = QFontMetrics(bottom.style.get("tickFont") or view.font())
    ticks = _labels(bottom)
    assert ticks, "the columns are named"
    for (x0, name0), (x1, _name1) in zip(ticks, ticks[1:], strict=False):
        room = (x1 - x0) * width
        assert metrics.horizontalAdvance(name0) < room, f"{name0!r} overlaps its neighbour"
    left = view.plot_item.getAxis("left")
    line = QFontMetrics(left.style.get("tickFont") or view.font()).height()
    row_ticks = _labels(left)
    assert row_ticks
    for (y0, _a), (y1, _b) in zip(row_ticks, row_ticks[1:], strict=False):
        assert (y1 - y0) * height >= line, "row names do not overlap"


def test_large_cells_get_values_small_ones_thin_their_names(qtbot):
    big = HeatmapView("")
    qtbot.addWidget(big)
    _shown(big, 10, (700, 700), qtbot)
    assert big.value_pixels == VALUE_PIXELS[1] and len(_labels(big.plot_item.getAxis("bottom"))) == 5
    assert len(_labels(big.plot_item.getAxis("left"))) == 10
    small = HeatmapView("")
    qtbot.addWidget(small)
    _shown(small, 32, (260, 240), qtbot)
    assert small.value_pixels == 0
    assert len(_labels(small.plot_item.getAxis("left"))) < 32, "thinned"
    shown = [name for _x, name in _labels(small.plot_item.getAxis("bottom"))]
    assert all(name in FACTORS or name.endswith("…") for name in shown)


def test_the_readout_names_a_thinned_or_elided_cell_in_full(qtbot):
    view = HeatmapView("")
    qtbot.addWidget(view)
    _shown(view, 32, (260, 240), qtbot)
    cell = _scene_cell(view, 31, 3)
    view._mouse_moved(cell.center())
    assert view.readout.text().startswith("z31 × position x: ")
