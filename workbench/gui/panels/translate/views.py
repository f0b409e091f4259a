"""Image views of the Translate pane: crisp zoom-to-fit images, a titled view, and the difference heat map.

Images are enlarged only by whole-number factors with nearest-neighbour sampling (through `pixmaps.py`): a
translation's checkerboard or blur is exactly what one wants to see, and smoothing would hide it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import PixmapView
from workbench.gui.widgets.pixmaps import array_pixmap

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
    """One uint8 image (H×W×C) drawn at the largest whole-number zoom that fits the widget."""

    def __init__(self, text: str = "", minimum: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(text, minimum, parent)
        self.image: np.ndarray | None = None
        self.zoom = 0

    def set_image(self, image: np.ndarray | None, text: str = "") -> None:
        """Show `image` (uint8 H×W×C), or `text` when it is None."""
        self.image = None if image is None else np.ascontiguousarray(image)
        self.zoom = 0
        if self.image is None:
            self.set_text(text)
        else:
            self._refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.image is not None:
            self._refresh()

    def _refresh(self) -> None:
        h, w = self.image.shape[:2]
        zoom = max(1, min(self.width() // max(1, w), self.height() // max(1, h)))
        if zoom != self.zoom or self.pixmap() is None:
            self.zoom = zoom
            self.set_pixmap(array_pixmap(self.image, zoom))


class ColourBar(QWidget):
    """A vertical colour scale from 0 (bottom) to `maximum` (top), with the values written beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.maximum = 1.0
        self.lut = colormap_lut()
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
        top, bottom = metrics.height() // 2 + 2, self.height() - metrics.height() // 2 - 2
        bar = QRect(2, top, 14, max(1, bottom - top))
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
    """A bold title, an image and a caption under it (what the image is, e.g. its domain or an error value)."""

    def __init__(self, title: str, object_name: str, minimum: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.title = QLabel(f"<b>{title}</b>")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view = ZoomImageView("", minimum)
        self.view.setObjectName(f"{object_name}-image")
        self.caption = QLabel(" ")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: palette(mid); font-size: 11px;")
        self.body = QHBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(4)
        self.body.addWidget(self.view, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.caption)

    def set_title(self, title: str) -> None:
        self.title.setText(f"<b>{title}</b>")

    def set_image(self, image: np.ndarray | None, caption: str = "", text: str = "") -> None:
        self.view.set_image(image, text)
        self.caption.setText(caption or " ")


class DifferenceView(LabelledView):
    """The |a − b| map (H×W float, pixel-range units) in colour, with its colour scale."""

    def __init__(self, title: str, object_name: str, minimum: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(title, object_name, minimum, parent)
        self.colour_bar = ColourBar()
        self.colour_bar.setObjectName(f"{object_name}-scale")
        self.body.addWidget(self.colour_bar)
        self.lut = self.colour_bar.lut
        self.values: np.ndarray | None = None

    def set_map(self, values: np.ndarray | None, maximum: float, text: str = "") -> None:
        """Show `values` coloured on the scale [0, maximum]; `text` instead when there is no map."""
        self.values = None if values is None else np.asarray(values, dtype=np.float32)
        if self.values is None:
            self.colour_bar.hide()
            self.set_image(None, "", text)
            return
        self.colour_bar.show()
        self.colour_bar.set_maximum(maximum)
        index = np.clip(np.round(self.values / max(maximum, 1e-6) * 255), 0, 255).astype(np.uint8)
        caption = f"mean {float(self.values.mean()):.3f} · max {float(self.values.max()):.3f}"
        self.set_image(self.lut[index], caption)
