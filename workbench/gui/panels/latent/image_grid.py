"""Image helpers for the latent tools: uint8 arrays → crisp pixmaps, and a labelled grid of decoded images.

Images are only enlarged by whole-number factors with nearest-neighbour sampling (as in the sample viewer):
smoothing would hide the artefacts one looks for when moving through a latent space.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import clear_layout, fill, grid_host
from workbench.gui.widgets.pixmaps import pixmap_near

PLACEHOLDER_STYLE = "color: palette(mid); padding: 16px;"


def cell_size_for(image_side: int, wanted: int) -> int:
    """The displayed side of an image of `image_side` px near `wanted` px (a whole-number zoom)."""
    return image_side * max(1, round(wanted / max(1, image_side)))


def placeholder_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(PLACEHOLDER_STYLE)
    return label


class PixmapView(QWidget):
    """One image drawn centred, or a hint text when there is none.

    Unlike QLabel.setPixmap, `set_pixmap` never asks the layout to recompute (QLabel calls updateGeometry on
    every new pixmap, and relaying out a tool with a hundred sliders cost ~5 ms per frame): it only repaints
    this widget, which keeps a slider-driven image at interactive rates.
    """

    def __init__(self, text: str = "", minimum: int = 256, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._text = text
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.update()

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def set_text(self, text: str) -> None:
        """Show `text` instead of an image."""
        self._pixmap = None
        self._text = text
        self.update()

    def text(self) -> str:
        return "" if self._pixmap is not None else self._text

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        painter = QPainter(self)
        if self._pixmap is not None:
            x = (self.width() - self._pixmap.width()) // 2
            y = (self.height() - self._pixmap.height()) // 2
            painter.drawPixmap(x, y, self._pixmap)
        elif self._text:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._text)
        painter.end()


class ImageGrid(QWidget):
    """Rows × columns of images with optional row and column headers and a caption under each image.

    `image_labels` holds the QLabel of every image shown (tests and screenshots read them).
    """

    def __init__(self, placeholder: str = "", cell: int = 72, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = cell
        self.image_labels: list[QLabel] = []
        self.images: np.ndarray | None = None
        self.placeholder = placeholder_label(placeholder)
        self.host, self.grid = grid_host(4, 2, margins=0)
        fill(QVBoxLayout(self), self.placeholder, self.host, None, margins=0)
        self.host.hide()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_placeholder(self, text: str) -> None:
        self._clear()
        self.images = None
        self.host.hide()
        self.placeholder.setText(text)
        self.placeholder.show()

    def set_images(self, images: np.ndarray, columns: int | None = None, *,
                   row_headers: Sequence[str] = (), column_headers: Sequence[str] = (),
                   captions: Sequence[str] = (), cell: int | None = None) -> None:
        """Show uint8 N×H×W×C `images` row by row, `columns` per row (all in one row by default)."""
        self._clear()
        images = np.asarray(images)
        self.images = images
        n = len(images)
        columns = columns or max(1, n)
        size = cell or self.cell
        first_col = 1 if row_headers else 0
        first_row = 1 if column_headers else 0
        for j, text in enumerate(column_headers):
            head = QLabel(f"<b>{text}</b>")
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(head, 0, first_col + j)
        for i, text in enumerate(row_headers):
            head = QLabel(text)
            head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            head.setTextFormat(Qt.TextFormat.RichText)
            self.grid.addWidget(head, first_row + i, 0)
        for k in range(n):
            row, col = divmod(k, columns)
            cell_widget = QWidget()
            box = QVBoxLayout(cell_widget)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(0)
            picture = QLabel()
            picture.setPixmap(pixmap_near(images[k], size))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(picture)
            if k < len(captions) and captions[k]:
                caption = QLabel(captions[k])
                caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
                caption.setStyleSheet("font-size: 11px;")
                box.addWidget(caption)
            self.grid.addWidget(cell_widget, first_row + row, first_col + col)
            self.image_labels.append(picture)
        self.placeholder.hide()
        self.host.show()

    def _clear(self) -> None:
        self.image_labels.clear()
        clear_layout(self.grid)


def grid_shape(n: int, max_columns: int) -> tuple[int, int]:
    columns = max(1, min(n, max_columns))
    return math.ceil(n / columns), columns
