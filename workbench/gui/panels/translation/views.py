"""Image views of the Translate pane: crisp zoom-to-fit images, a titled view, and the difference heat map.

Images are enlarged only by whole-number factors with nearest-neighbour sampling (through `pixmaps.py`): a
translation's checkerboard or blur is exactly what one wants to see, and smoothing would hide it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import PixmapView
from workbench.gui.widgets.factory import fill, hint, row
from workbench.gui.widgets.pixmaps import array_pixmap

IMAGE_TOP = 7  # images and colour bars start this far below their titles (room for the bar's top label)
COLORMAP = "inferno"  # dark = no difference, bright = large difference; readable in grey print too


def colormap_lut(name: str = COLORMAP) -> np.ndarray:
    """A 256×3 uint8 lookup table of a perceptually uniform colour map."""
    import pyqtgraph as pg

    return np.asarray(pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=False), dtype=np.uint8)[:, :3]


def nice_ceiling(value: float) -> float:
    """The smallest of 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1 that is ≥ value (colour-scale maximum)."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0):
        if value <= step + 1e-9:
            return step
    return float(np.ceil(value))


class ZoomImageView(PixmapView):
    """One uint8 image (H×W×C) drawn at the largest whole-number zoom that fits the widget.

    Views in a `ZoomGroup` share one zoom instead (the largest at which all of them fit), so images side by side
    are compared pixel for pixel.
    """

    def __init__(self, text: str = "", minimum: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(text, minimum, parent)
        self.image: np.ndarray | None = None
        self.zoom = 0
        self.group: ZoomGroup | None = None
        self.zoom_listeners: list = []  # called after the zoom changed (a colour bar matching the image height)

    def set_image(self, image: np.ndarray | None, text: str = "") -> None:
        """Show `image` (uint8 H×W×C), or `text` when it is None."""
        self.image = None if image is None else np.ascontiguousarray(image)
        self.zoom = 0
        if self.image is None:
            self.set_text(text)
        else:
            self._refresh()

    def fit_zoom(self) -> int:
        """The largest whole-number zoom at which the image fits this widget (at least 1)."""
        if self.image is None:
            return 1
        h, w = self.image.shape[:2]
        return max(1, min(self.width() // max(1, w), (self.height() - IMAGE_TOP) // max(1, h)))

    def apply_zoom(self, zoom: int) -> None:
        if self.image is not None and (zoom != self.zoom or self.pixmap() is None):
            self.zoom = zoom
            self.set_pixmap(array_pixmap(self.image, zoom))
            for listener in self.zoom_listeners:
                listener()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.image is not None:
            self._refresh()

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        """The image at the top, centred across: titles and images of a row stay together on tall rows."""
        pixmap = self.pixmap()
        if pixmap is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.drawPixmap((self.width() - pixmap.width()) // 2, IMAGE_TOP, pixmap)
        painter.end()

    def _refresh(self) -> None:
        if self.group is not None:
            self.group.refresh()
        else:
            self.apply_zoom(self.fit_zoom())


class ZoomGroup:
    """Image views shown at one common zoom: the largest at which every shown one fits."""

    def __init__(self) -> None:
        self.views: list[tuple[QWidget, ZoomImageView]] = []

    def add(self, holder: QWidget, view: ZoomImageView) -> None:
        """`view` takes part while `holder` (the widget that is shown or hidden, e.g. its titled box) is shown."""
        self.views.append((holder, view))
        view.group = self

    def refresh(self) -> None:
        shown = [view for holder, view in self.views if view.image is not None and not _hidden(holder)]
        if not shown:
            return
        zoom = min(view.fit_zoom() for view in shown)
        for view in shown:
            view.apply_zoom(zoom)


def _hidden(widget: QWidget) -> bool:
    """Explicitly hidden, itself or an ancestor (unlike isVisible, true also before the window is shown)."""
    while widget is not None:
        if widget.isHidden():
            return True
        widget = widget.parentWidget()
    return False


class ColourBar(QWidget):
    """A vertical colour scale from 0 (bottom) to `maximum` (top), with the values written beside it.

    With `image_height` (a function giving the displayed image's height) the bar spans exactly the image beside
    it (both start `IMAGE_TOP` below their widget's top), so the scale reads as belonging to that picture.
    """

    def __init__(self, image_height=None, parent: QWidget | None = None) -> None:  # noqa: ANN001 - () -> int | None
        super().__init__(parent)
        self.maximum = 1.0
        self.lut = colormap_lut()
        self._image_height = image_height
        self.setFixedWidth(54)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setToolTip("Colour scale: mean absolute difference over the channels, in units of the pixel range "
                        "(0 = identical, 1 = black against white)")

    def set_maximum(self, maximum: float) -> None:
        self.maximum = maximum
        self.update()

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        height = self._image_height() if self._image_height is not None else None
        height = min(height or self.height(), self.height() - IMAGE_TOP - metrics.height())
        top = IMAGE_TOP
        bar = QRect(2, top, 14, max(1, height))
        gradient = QLinearGradient(0, bar.bottom(), 0, bar.top())
        for i in range(0, 256, 15):
            gradient.setColorAt(i / 255, QColor(*map(int, self.lut[i])))
        gradient.setColorAt(1.0, QColor(*map(int, self.lut[255])))
        painter.fillRect(bar, gradient)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawRect(bar)
        for fraction in (0.0, 0.5, 1.0):
            y = round(bar.bottom() - fraction * bar.height())
            painter.drawLine(bar.right(), y, bar.right() + 3, y)
            painter.drawText(bar.right() + 6, y + metrics.ascent() // 2 - 1, f"{fraction * self.maximum:.2g}")
        painter.end()


class LabelledView(QWidget):
    """A bold title (what the image is, e.g. its domain), the image, and an optional caption under it."""

    def __init__(self, title: str, object_name: str, minimum: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.title = QLabel(f"<b>{title}</b>")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view = ZoomImageView("", minimum)
        self.view.setObjectName(f"{object_name}-image")
        self.caption = hint(small=True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = row((self.view, 1), margins=0, spacing=4)
        fill(QVBoxLayout(self), self.title, (self.body, 1), self.caption, margins=2, spacing=2)

    def set_title(self, title: str) -> None:
        self.title.setText(f"<b>{title}</b>")

    def set_image(self, image: np.ndarray | None, caption: str = "", text: str = "") -> None:
        self.view.set_image(image, text)
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))  # no empty line: the image keeps the height


class DifferenceView(LabelledView):
    """The |a − b| map (H×W float, pixel-range units) in colour, with its colour scale."""

    def __init__(self, title: str, object_name: str, minimum: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(title, object_name, minimum, parent)
        self.colour_bar = ColourBar(self._image_height)
        self.view.zoom_listeners.append(self.colour_bar.update)
        self.colour_bar.setObjectName(f"{object_name}-scale")
        # The scale sits in its own column next to this view (the row places `scale_column`), so the map's own
        # column is as wide as the others and every image of the row gets the same zoom. A blank bold line
        # above it lines the bar up with the image under the view's title.
        self.scale_column = QWidget()
        column = QVBoxLayout(self.scale_column)
        column.setContentsMargins(0, 2, 0, 2)
        column.setSpacing(2)
        column.addWidget(QLabel("<b>&nbsp;</b>"))
        column.addWidget(self.colour_bar, 1)
        self.lut = self.colour_bar.lut
        self.values: np.ndarray | None = None
        self.stats = ""  # "mean 0.095 · max 0.374"

    def _image_height(self) -> int | None:
        pixmap = self.view.pixmap()
        return pixmap.height() if pixmap is not None else None

    def set_map(self, values: np.ndarray | None, maximum: float, text: str = "") -> None:
        """Show `values` coloured on the scale [0, maximum]; `text` instead when there is no map."""
        self.values = None if values is None else np.asarray(values, dtype=np.float32)
        if self.values is None:
            self.stats = ""
            self.set_image(None, "", text)
            return
        self.colour_bar.set_maximum(maximum)
        index = np.clip(np.round(self.values / max(maximum, 1e-6) * 255), 0, 255).astype(np.uint8)
        self.stats = f"mean {float(self.values.mean()):.3f} · max {float(self.values.max()):.3f}"
        self.view.setToolTip(f"Absolute difference, {self.stats} (units of the pixel range: 0 = identical, "
                             f"1 = black against white)")
        self.set_image(self.lut[index])
