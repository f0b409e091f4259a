"""Image views that zoom and pan together, for comparing upscaled images pixel by pixel.

Every view shows one image of the same size in its own scene, so a scene coordinate is the same image pixel in
all of them. `ZoomSync` gives every view the same transform and the same scroll position: zooming (wheel,
buttons) or panning (drag) one moves all. Zoom levels other than "fit" are powers of two (… ½×, 1×, 2×, 4×, 8× …)
and pixels are drawn with nearest-neighbour sampling, so at 1× and above one image pixel is an exact square of
screen pixels; smoothing would blur away the differences between bicubic, SRResNet and SRGAN one looks for.
A small square marks the hovered pixel in every view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPen, QResizeEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.factory import fill
from workbench.gui.widgets.pixmaps import array_pixmap

ZOOM_LEVELS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
BACKGROUND = QColor(48, 48, 48)
MARKER = QColor(255, 64, 64)
MIN_CARD_WIDTH = 220  # the grid never makes a view narrower than this
CARD_CHROME = (10, 64)  # a card's width and height around its view: margins, the two title lines, the metrics


def zoom_text(zoom: float) -> str:
    """"4×", "½×", "2.37×"."""
    fractions = {0.5: "½", 0.25: "¼", 0.125: "⅛"}
    if zoom in fractions:
        return f"{fractions[zoom]}×"
    return f"{zoom:g}×" if float(zoom).is_integer() else f"{zoom:.2f}×"


class SyncedImageView(QGraphicsView):
    """One image in its own scene; wheel, drag and hover are handed to the `ZoomSync` that owns the view."""

    hovered = Signal(int, int)  # image pixel (x, y) under the mouse, (-1, -1) when outside

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sync: ZoomSync | None = None
        self.image: np.ndarray | None = None
        scene = QGraphicsScene(self)
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.FastTransformation)  # nearest neighbour
        self.item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        scene.addItem(self.item)
        self.marker = QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(MARKER)
        pen.setCosmetic(True)  # one screen pixel wide whatever the zoom
        self.marker.setPen(pen)
        self.marker.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        self.marker.setZValue(1)
        self.marker.hide()
        scene.addItem(self.marker)
        self.setScene(scene)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # panned by dragging; the
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # bars still hold the position
        self.setBackgroundBrush(QBrush(BACKGROUND))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: np.ndarray | None) -> None:
        """Show uint8 H×W×C `image` (None: empty) at scene coordinates (0, 0)–(W, H)."""
        self.image = image
        if image is None:
            self.item.setPixmap(array_pixmap(np.zeros((1, 1, 3), np.uint8)))
            self.item.hide()
            self.scene().setSceneRect(QRectF(0, 0, 1, 1))
            return
        self.item.setPixmap(array_pixmap(image))
        self.item.show()
        h, w = image.shape[:2]
        self.scene().setSceneRect(QRectF(0, 0, w, h))

    def image_size(self) -> tuple[int, int]:
        """(width, height) of the image shown, (0, 0) without one."""
        return (0, 0) if self.image is None else (int(self.image.shape[1]), int(self.image.shape[0]))

    def zoom(self) -> float:
        return float(self.transform().m11())

    def scroll_position(self) -> tuple[int, int]:
        return self.horizontalScrollBar().value(), self.verticalScrollBar().value()

    def show_marker(self, x: int, y: int) -> None:
        w, h = self.image_size()
        if 0 <= x < w and 0 <= y < h:
            self.marker.setRect(QRectF(x, y, 1, 1))
            self.marker.show()
        else:
            self.marker.hide()

    # ---- events handed to the sync ------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120
        if steps == 0 or self.sync is None:
            event.ignore()
            return
        self.sync.zoom_step(1 if steps > 0 else -1, self, event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        super().mouseMoveEvent(event)
        point = self.mapToScene(event.position().toPoint())
        w, h = self.image_size()
        x, y = int(np.floor(point.x())), int(np.floor(point.y()))
        self.hovered.emit(*((x, y) if 0 <= x < w and 0 <= y < h else (-1, -1)))

    def leaveEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().leaveEvent(event)
        self.hovered.emit(-1, -1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.sync is not None:
            self.sync.view_resized()


class ZoomSync(QObject):
    """Keeps a set of SyncedImageViews at one zoom and one scroll position (the same scene point at top left)."""

    zoom_changed = Signal(float, bool)  # zoom, fitted (True while "fit" is on)
    hovered = Signal(int, int)  # image pixel under the mouse in any view, (-1, -1) when none

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.views: list[SyncedImageView] = []
        self.zoom = 1.0
        self.fitted = True  # "fit" follows resizes until the user picks a zoom
        self._syncing = False
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._refit_now)

    def set_views(self, views: Sequence[SyncedImageView]) -> None:
        for view in self.views:
            view.sync = None
        self.views = list(views)
        for view in self.views:
            view.sync = self
            view.horizontalScrollBar().valueChanged.connect(lambda _v, source=view: self._scrolled(source))
            view.verticalScrollBar().valueChanged.connect(lambda _v, source=view: self._scrolled(source))
            view.hovered.connect(self._hovered)
        if self.fitted:
            self.fit()
        else:
            self.set_zoom(self.zoom)

    # ---- zoom -----------------------------------------------------------------------------------------------
    def fit_zoom(self) -> float:
        """The largest zoom at which every view shows its whole image (1 without views)."""
        zooms = []
        for view in self.views:
            w, h = view.image_size()
            port = view.viewport().size()
            if w and h and port.width() > 1 and port.height() > 1:
                zooms.append(min(port.width() / w, port.height() / h))
        return min(zooms) if zooms else 1.0

    def fit(self) -> None:
        """Show the whole image in every view; stays fitted when the views are resized."""
        self.fitted = True
        self._apply(self.fit_zoom(), None, None)

    def set_zoom(self, zoom: float, anchor: SyncedImageView | None = None, position: QPointF | None = None) -> None:
        """Zoom every view to `zoom`, keeping the scene point under `position` of `anchor` (or the centre) still."""
        self.fitted = False
        self._apply(float(zoom), anchor, position)

    def zoom_step(self, direction: int, anchor: SyncedImageView | None = None,
                  position: QPointF | None = None) -> None:
        """The next power-of-two level above (direction > 0) or below the current zoom."""
        current = self.zoom
        if direction > 0:
            level = next((z for z in ZOOM_LEVELS if z > current * 1.001), ZOOM_LEVELS[-1])
        else:
            level = next((z for z in reversed(ZOOM_LEVELS) if z < current / 1.001), ZOOM_LEVELS[0])
        self.set_zoom(level, anchor, position)

    def view_resized(self) -> None:
        if self.fitted:
            self._refit.start()  # once per layout pass, after every view has its new size

    def _refit_now(self) -> None:
        if self.fitted:
            self.fit()

    def _apply(self, zoom: float, anchor: SyncedImageView | None, position: QPointF | None) -> None:
        if not self.views:
            self.zoom = zoom
            self.zoom_changed.emit(zoom, self.fitted)
            return
        source = anchor if anchor is not None else self.views[0]
        port = source.viewport().rect()
        where = position.toPoint() if position is not None else port.center()
        scene_point = source.mapToScene(where)
        self._syncing = True
        try:
            for view in self.views:
                view.setTransform(QTransform.fromScale(zoom, zoom))
            moved = source.mapFromScene(scene_point) - where  # keep the anchored scene point under the mouse
            h, v = source.horizontalScrollBar(), source.verticalScrollBar()
            h.setValue(h.value() + moved.x())
            v.setValue(v.value() + moved.y())
        finally:
            self._syncing = False
        self.zoom = zoom
        self._scrolled(source)
        self.zoom_changed.emit(zoom, self.fitted)

    # ---- pan and hover --------------------------------------------------------------------------------------
    def _scrolled(self, source: SyncedImageView) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            x, y = source.scroll_position()
            for view in self.views:
                if view is not source:
                    view.horizontalScrollBar().setValue(x)
                    view.verticalScrollBar().setValue(y)
        finally:
            self._syncing = False

    def scroll_to(self, x: int, y: int) -> None:
        """Scroll every view to the same position (what a drag in one view does)."""
        if self.views:
            self.views[0].horizontalScrollBar().setValue(x)
            self.views[0].verticalScrollBar().setValue(y)

    def _hovered(self, x: int, y: int) -> None:
        for view in self.views:
            view.show_marker(x, y)
        self.hovered.emit(x, y)


class ViewCard(QFrame):
    """A view with its title above and its metrics under it."""

    def __init__(self, slug: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"sr-card-{slug}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setObjectName("sr-view-title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.view = SyncedImageView()
        self.view.setObjectName(f"sr-view-{slug}")
        self.metrics = QLabel()
        self.metrics.setObjectName("sr-view-metrics")
        self.metrics.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.metrics.setTextFormat(Qt.TextFormat.RichText)
        self.metrics.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.metrics.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fill(QVBoxLayout(self), self.title, (self.view, 1), self.metrics, margins=4, spacing=3)

    def set_content(self, title: str, detail: str, image: np.ndarray, metrics: str, tooltip: str = "") -> None:
        self.title.setText(f"<b>{title}</b>" + (f"<br><span style='color: palette(mid); font-size: 11px;'>{detail}"
                                                 f"</span>" if detail else ""))
        self.title.setToolTip(tooltip or title)
        self.metrics.setText(metrics)
        self.view.set_image(image)


def view_slug(name: str, index: int) -> str:
    """A stable objectName part for a view: "lr", "bicubic", "hr", or "model-<index>"."""
    return {"LR (nearest)": "lr", "bicubic": "bicubic", "HR": "hr"}.get(name, f"model-{index}")


class ComparisonGrid(QWidget):
    """The cards in the grid of rows × columns that shows the fitted images largest (one row for square images in
    a wide pane, two rows of wide images), never narrower than MIN_CARD_WIDTH per card."""

    def __init__(self, sync: ZoomSync, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sync = sync
        self.cards: list[ViewCard] = []
        self.image_size: tuple[int, int] = (0, 0)  # (width, height) of the images shown
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self._columns = 0

    def set_cards(self, cards: Sequence[ViewCard]) -> None:
        for card in self.cards:
            self.grid.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = list(cards)
        self._columns = 0
        self._layout_cards()
        self.sync.set_views([card.view for card in self.cards])

    def set_image_size(self, width: int, height: int) -> None:
        if (width, height) != self.image_size:
            self.image_size = (width, height)
            self._layout_cards()

    def columns_for(self, width: int, height: int) -> int:
        """The column count at which a fitted image is largest (ties: more columns)."""
        n = len(self.cards)
        if n <= 1:
            return 1
        iw, ih = self.image_size
        spacing = self.grid.spacing()
        best, best_zoom = 1, -1.0
        for columns in range(1, n + 1):
            rows = math.ceil(n / columns)
            cell_w = (width - (columns - 1) * spacing) / columns - CARD_CHROME[0]
            cell_h = (height - (rows - 1) * spacing) / rows - CARD_CHROME[1]
            if columns > 1 and cell_w < MIN_CARD_WIDTH:
                break
            zoom = min(cell_w / iw, cell_h / ih) if iw and ih else float(columns)
            if zoom >= best_zoom * 0.999:
                best, best_zoom = columns, zoom
        return best

    def _layout_cards(self) -> None:
        columns = self.columns_for(max(self.width(), 1), max(self.height(), 1))
        if columns == self._columns:
            return
        self._columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for i in range(self.grid.columnCount()):
            self.grid.setColumnStretch(i, 0)
        for i in range(self.grid.rowCount()):
            self.grid.setRowStretch(i, 0)
        for k, card in enumerate(self.cards):
            row, col = divmod(k, columns)
            self.grid.addWidget(card, row, col)
            card.show()
        for i in range(columns):
            self.grid.setColumnStretch(i, 1)
        for i in range(math.ceil(len(self.cards) / columns)):
            self.grid.setRowStretch(i, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._layout_cards()
