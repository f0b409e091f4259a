"""The Translate pane's label-map painter, for runs trained on semantic label maps (SPADE, or Pix2Pix on the
same data): a brush and a class palette to edit the input map, so the translation can be watched following it.

The map is held as class ids (int H×W); the canvas draws it in the palette colours at the largest whole-number
zoom that fits, and a stroke sets every map pixel within the brush radius to the chosen class. `edited(ids)` is
emitted while a stroke goes on (at most every `STROKE_INTERVAL_MS`, the preview worker keeps only the newest)
and when it ends. Undo keeps the maps before each stroke; Reset goes back to the map the painter was given.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QGroupBox, QLabel, QSizePolicy, QToolButton, QWidget

from workbench.data.label_maps import ids_to_rgb
from workbench.gui.widgets.factory import button, hint, row, spin

STROKE_INTERVAL_MS = 120
UNDO_DEPTH = 30
SWATCH = 14


def paint_disc(ids: np.ndarray, x: float, y: float, radius: float, class_id: int) -> np.ndarray:
    """`ids` with every pixel whose centre lies within `radius` of (x, y) (map pixels) set to `class_id`."""
    h, w = ids.shape
    yy, xx = np.ogrid[:h, :w]
    inside = (xx + 0.5 - x) ** 2 + (yy + 0.5 - y) ** 2 <= max(radius, 0.5) ** 2
    out = ids.copy()
    out[inside] = class_id
    return out


class LabelCanvas(QWidget):
    """The label map drawn in its class colours; the mouse paints with `class_id` and `radius`."""

    stroke = Signal(float, float)  # map coordinates under the mouse while painting
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("translate-label-canvas")
        self.setMinimumSize(128, 128)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to paint the chosen class into the label map; the translation follows")
        self.rgb: np.ndarray | None = None  # uint8 H×W×3
        self.painting = False

    def set_rgb(self, rgb: np.ndarray | None) -> None:
        self.rgb = None if rgb is None else np.ascontiguousarray(rgb)
        self.update()

    def zoom_and_origin(self) -> tuple[int, QPoint]:
        """The whole-number zoom that fits, and the top-left corner of the centred map."""
        if self.rgb is None:
            return 1, QPoint(0, 0)
        h, w = self.rgb.shape[:2]
        zoom = max(1, min(self.width() // w, self.height() // h))
        return zoom, QPoint((self.width() - w * zoom) // 2, (self.height() - h * zoom) // 2)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(256, 256)

    def paintEvent(self, _event) -> None:  # noqa: ANN001, N802 - Qt override
        painter = QPainter(self)
        if self.rgb is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Choose an example above")
            return
        h, w = self.rgb.shape[:2]
        zoom, origin = self.zoom_and_origin()
        image = QImage(self.rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        painter.drawPixmap(origin, QPixmap.fromImage(image).scaled(w * zoom, h * zoom))
        painter.setPen(QColor(128, 128, 128))
        painter.drawRect(origin.x() - 1, origin.y() - 1, w * zoom + 1, h * zoom + 1)

    def _map_point(self, event: QMouseEvent) -> tuple[float, float]:
        zoom, origin = self.zoom_and_origin()
        point = event.position()
        return (point.x() - origin.x()) / zoom, (point.y() - origin.y()) / zoom

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.rgb is not None and event.button() == Qt.MouseButton.LeftButton:
            self.painting = True
            self.stroke.emit(*self._map_point(event))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.painting:
            self.stroke.emit(*self._map_point(event))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.painting and event.button() == Qt.MouseButton.LeftButton:
            self.painting = False
            self.stroke_finished.emit()


class LabelMapPainter(QGroupBox):
    """Canvas, class palette, brush size, undo and reset; `edited(ids)` after every change of the map."""

    edited = Signal(object)  # int64 H×W class ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Paint the label map", parent)
        self.setObjectName("translate-label-painter")
        self.colors: tuple[tuple[int, int, int], ...] = ()
        self.ids: np.ndarray | None = None
        self.original: np.ndarray | None = None
        self.undo_stack: list[np.ndarray] = []
        self._in_stroke = False
        self.canvas = LabelCanvas()
        self.canvas.stroke.connect(self._stroke)
        self.canvas.stroke_finished.connect(self._stroke_finished)
        self.palette_host = QWidget()
        self.palette_grid = QGridLayout(self.palette_host)
        self.palette_grid.setContentsMargins(0, 0, 0, 0)
        self.palette_grid.setSpacing(2)
        self.class_group = QButtonGroup(self)
        self.class_group.setExclusive(True)
        self.brush_spin = spin(1, 32, 3, "translate-brush", "Brush radius in pixels of the label map", suffix=" px")
        self.undo_button = button("Undo", "translate-undo", "Take back the last stroke", self.undo)
        self.reset_button = button("Reset", "translate-reset", "Back to the example's own label map", self.reset)
        self.fill_button = button("Fill", "translate-fill", "Paint the whole map in the chosen class", self.fill)
        self.caption = hint("", "translate-painter-hint", small=True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(STROKE_INTERVAL_MS)
        self.timer.timeout.connect(self._emit)
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.canvas, 0, 0, 1, 2)
        layout.addWidget(self.palette_host, 1, 0, 1, 2)
        layout.addLayout(row(QLabel("Brush"), self.brush_spin, self.fill_button), 2, 0, 1, 2)
        layout.addLayout(row(self.undo_button, self.reset_button), 3, 0, 1, 2)
        layout.addWidget(self.caption, 4, 0, 1, 2)
        layout.setRowStretch(0, 1)
        self.setMinimumWidth(220)
        self._update_buttons()

    # ---- the classes and the map ---------------------------------------------------------------------------
    def set_classes(self, names: tuple[str, ...], colors: tuple[tuple[int, int, int], ...]) -> None:
        """One checkable swatch per class, two per row; the first class is chosen."""
        for old in self.class_group.buttons():
            self.class_group.removeButton(old)
            old.deleteLater()
        self.colors = tuple(colors)
        for k, (name, color) in enumerate(zip(names, colors, strict=True)):
            swatch = QPixmap(SWATCH, SWATCH)
            swatch.fill(QColor(*color))
            choice = QToolButton()
            choice.setObjectName(f"translate-class-{k}")
            choice.setText(name)
            choice.setIcon(QIcon(swatch))
            choice.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            choice.setCheckable(True)
            choice.setAutoRaise(True)
            choice.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            choice.setToolTip(f"Paint class {k}: {name} (drawn in RGB {color})")
            self.class_group.addButton(choice, k)
            self.palette_grid.addWidget(choice, k // 2, k % 2)
        if self.class_group.buttons():
            self.class_group.button(0).setChecked(True)

    def set_map(self, ids: np.ndarray | None, source: str = "") -> None:
        """Start from `ids` (a new example): undo history cleared; no `edited` signal (the example is shown)."""
        self.timer.stop()
        self.ids = None if ids is None else np.asarray(ids, dtype=np.int64).copy()
        self.original = None if self.ids is None else self.ids.copy()
        self.undo_stack.clear()
        self.caption.setText(f"Editing {source}." if source else "")
        self._redraw()

    @property
    def class_id(self) -> int:
        return max(0, self.class_group.checkedId())

    def choose_class(self, class_id: int) -> None:
        self.class_group.button(class_id).setChecked(True)

    # ---- editing -------------------------------------------------------------------------------------------
    def paint(self, x: float, y: float) -> None:
        """One brush dab at map coordinates (x, y), as a stroke does (tests and scripts call it directly)."""
        if self.ids is None:
            return
        self.ids = paint_disc(self.ids, x, y, self.brush_spin.value(), self.class_id)
        self._redraw()

    def _stroke(self, x: float, y: float) -> None:
        if self.ids is None:
            return
        if not self._in_stroke:  # the first dab of a stroke: the map before it can be undone
            self._push_undo()
            self._in_stroke = True
        self.paint(x, y)
        if not self.timer.isActive():
            self.timer.start()

    def _stroke_finished(self) -> None:
        self._in_stroke = False
        self.timer.stop()
        self._emit()

    def fill(self) -> None:
        if self.ids is None:
            return
        self._push_undo()
        self.ids = np.full_like(self.ids, self.class_id)
        self._redraw()
        self._emit()

    def undo(self) -> None:
        if self.undo_stack:
            self.ids = self.undo_stack.pop()
            self._redraw()
            self._emit()

    def reset(self) -> None:
        if self.original is not None:
            self._push_undo()
            self.ids = self.original.copy()
            self._redraw()
            self._emit()

    def _push_undo(self) -> None:
        if self.ids is not None:
            self.undo_stack.append(self.ids.copy())
            del self.undo_stack[:-UNDO_DEPTH]

    def _emit(self) -> None:
        self._update_buttons()
        if self.ids is not None:
            self.edited.emit(self.ids.copy())

    def _redraw(self) -> None:
        if self.ids is None or not self.colors:
            self.canvas.set_rgb(None)
        else:
            self.canvas.set_rgb(ids_to_rgb(np.clip(self.ids, 0, len(self.colors) - 1), self.colors))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_map = self.ids is not None
        self.undo_button.setEnabled(bool(self.undo_stack))
        self.reset_button.setEnabled(has_map and self.original is not None
                                     and not np.array_equal(self.ids, self.original))
        self.fill_button.setEnabled(has_map)
