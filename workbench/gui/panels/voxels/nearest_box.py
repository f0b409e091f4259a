"""The nearest training shape beside the generated one: does the generator invent or recall?

A second, small interactor shares the main view's camera (turning one turns both when it is next drawn) and
shows the training shape with the highest IoU (intersection over union of the occupied voxels) with the shown
sample, its index, class and the IoU. An IoU near 1 means the sample is (almost) a copy of a training shape:
memorization; typical samples of a healthy generator stay well below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.voxels.canvas import ShapeCanvas
from workbench.gui.widgets.factory import SMALL_HINT_STYLE, fill, hint, label
from workbench.gui.widgets.pixmaps import array_pixmap

MEMORIZED_IOU = 0.9  # at or above: called out as a likely copy
CANVAS = 226  # px
RUNNERS_UP = 6  # the next nearest shapes, as thumbnails in two rows of three
RUNNER_UP_SIZE = 60  # px: two rows of three fit a laptop screen under the view


class NearestBox(QGroupBox):
    """The nearest training shape (by IoU) in a small interactor, with its IoU."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Nearest training shape", parent)
        self.setObjectName("voxel-nearest")
        self.setToolTip("The training shape with the highest IoU (shared occupied voxels ÷ voxels occupied in either, "
                        "both at the threshold) with the shape on the left. IoU near 1: the generator copies its "
                        "training data (memorization); a generator that invents stays well below. Both views turn "
                        "together (the small one is redrawn when you let go).")
        self.index: int | None = None
        self.iou: float | None = None
        self.canvas = ShapeCanvas("voxel-nearest-canvas", "Load a voxel run to compare its samples with the "
                                  "training shapes.")
        self.canvas.setFixedSize(CANVAS, CANVAS)  # square: the shared camera frames it as the main view
        self.iou_label = QLabel("IoU –")
        self.iou_label.setObjectName("voxel-nearest-iou")
        self.iou_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.iou_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = hint("", "voxel-nearest-detail", small=True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.runners_up_title = label("Next nearest", style=SMALL_HINT_STYLE)
        self.runner_pictures: list[QLabel] = []
        self.runner_labels: list[QLabel] = []
        runners = QGridLayout()
        runners.setHorizontalSpacing(6)
        for i in range(RUNNERS_UP):
            picture = QLabel()
            picture.setObjectName(f"voxel-nearest-{i + 2}")
            picture.setFixedSize(RUNNER_UP_SIZE, RUNNER_UP_SIZE)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = label("", style="font-size: 10px;", wrap=True)
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            line, column = divmod(i, 3)
            runners.addWidget(picture, 2 * line, column, Qt.AlignmentFlag.AlignHCenter)
            runners.addWidget(caption, 2 * line + 1, column)
            self.runner_pictures.append(picture)
            self.runner_labels.append(caption)
        self.explanation = hint(  # short: the box fits a laptop screen; its tooltip says the rest
            "IoU near 1: a copy of a training shape (memorization). Both views turn together.",
            "voxel-nearest-explanation", small=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        fill(layout, self.iou_label, self.detail, 6, self.runners_up_title, runners, 6, self.explanation, None)

    def clear(self, text: str = "") -> None:
        self.index = self.iou = None
        self.iou_label.setText("IoU –")
        self.detail.setText(text)
        self.show_runners_up([])
        if self.canvas.ready:
            self.canvas.show_mesh(None, "surface")

    def set_searching(self) -> None:
        self.detail.setText("Searching the training shapes…")

    def show_result(self, index: int, iou: float, label: str, mesh: Any, style: str, size: int) -> None:
        self.index, self.iou = index, iou
        self.iou_label.setText(f"IoU {iou:.2f}")
        copy = " · likely a copy (memorized)" if iou >= MEMORIZED_IOU else ""
        what = f"{label} " if label else ""
        self.detail.setText(f"{what}#{index} of {size:,} training shapes{copy}")
        self.iou_label.setStyleSheet("font-size: 15px; font-weight: bold;"
                                     + (" color: #c62828;" if iou >= MEMORIZED_IOU else ""))
        if self.canvas.ready:
            self.canvas.show_mesh(mesh, style)

    def show_runners_up(self, runners: list[tuple[int, float, str, np.ndarray]]) -> None:
        """The next nearest shapes: (index, IoU, class name, thumbnail uint8 S×S×3), best first."""
        self.runners_up_title.setVisible(bool(runners))
        for i, (picture, caption) in enumerate(zip(self.runner_pictures, self.runner_labels, strict=True)):
            if i < len(runners):
                index, iou, name, thumbnail = runners[i]
                picture.setPixmap(array_pixmap(thumbnail))
                caption.setText(f"IoU {iou:.2f}<br>{name + ' ' if name else ''}#{index}")
            else:
                picture.clear()
                caption.clear()
