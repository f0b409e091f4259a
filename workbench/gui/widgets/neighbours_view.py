"""Nearest-neighbour memorization view: each generated sample beside its nearest training images in feature
space, with the distances and their ratio to the typical distance between neighbouring training images.

A model that copies its training data produces samples far closer to one training image than training images
are to each other (ratio well below 1); those samples are flagged. Images are enlarged by whole-number factors
with nearest-neighbour sampling, so they stay crisp.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import clear_layout, fill, grid_host, label
from workbench.gui.widgets.pixmaps import pixmap_at_least

TARGET_PIXELS = 64  # images are enlarged to at least this size
COPY_COLOUR = "#c62828"


class NeighboursView(QWidget):
    """Shows a `workbench.evaluation.run_evaluation.NeighbourView`, or a placeholder text."""

    columns = 2  # sample groups side by side (8 samples → 4 rows)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = None
        self.caption = label("", "neighbours-caption", wrap=True)
        self.placeholder = label("", "neighbours-placeholder", "color: palette(mid); padding: 24px;", wrap=True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid_host, self.grid = grid_host(6, 4)
        fill(QVBoxLayout(self), self.caption, self.placeholder, self.grid_host, None, margins=0)
        self.image_labels: list[QLabel] = []  # every image shown, samples and neighbours (for tests)
        self.set_placeholder("No run selected.")

    # ---- public ------------------------------------------------------------------------------------------
    def set_placeholder(self, text: str) -> None:
        self.view = None
        self._clear()
        self.caption.hide()
        self.grid_host.hide()
        self.placeholder.setText(text)
        self.placeholder.show()

    def set_view(self, view) -> None:  # noqa: ANN001 - a NeighbourView
        self._clear()
        self.view = view
        self.placeholder.hide()
        n, k = view.distances.shape
        copies = int(view.likely_copies.sum())
        verdict = (f"<span style='color:{COPY_COLOUR}'><b>{copies} of {n} samples look like copies</b></span>"
                   if copies else f"No sample is closer than {view.copy_ratio:g}× the typical distance")
        self.caption.setText(
            f"Each of {n} samples (step {view.step}) beside its {k} nearest training images in "
            f"<b>{view.extractor}</b> feature space. Under each image: the feature distance d and d ÷ the typical "
            f"distance between neighbouring training images ({view.typical_distance:.3g}); a ratio below "
            f"{view.copy_ratio:g} flags a likely copy. {verdict}.")
        self.caption.show()
        per_group = k + 2  # sample, k neighbours, and a spacer column between groups
        headers = ["sample", *(f"nearest {j + 1}" for j in range(k))]
        for group in range(min(self.columns, n)):
            for j, text in enumerate(headers):
                head = QLabel(f"<b>{text}</b>")
                head.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.addWidget(head, 0, group * per_group + j)
            if group:
                spacer = QFrame()
                spacer.setFrameShape(QFrame.Shape.VLine)
                spacer.setStyleSheet("color: palette(mid);")
                self.grid.addWidget(spacer, 0, group * per_group - 1, n // self.columns + 2, 1)
        rows_per_group = math.ceil(n / self.columns)
        for i in range(n):
            group, row = divmod(i, rows_per_group)
            col0 = group * per_group
            copy = bool(view.likely_copies[i])
            self.grid.addWidget(self._cell(view.samples[i], f"#{i + 1}" + (" · likely copy" if copy else ""),
                                           highlight=copy), row + 1, col0)
            for j in range(k):
                ratio = float(view.ratios[i, j])
                text = f"d {view.distances[i, j]:.3g} · {ratio:.2f}×"
                self.grid.addWidget(self._cell(view.neighbours[i, j], text,
                                               highlight=ratio < view.copy_ratio), row + 1, col0 + 1 + j)
        self.grid_host.show()

    # ---- internals ---------------------------------------------------------------------------------------
    def _cell(self, image: np.ndarray, text: str, highlight: bool) -> QWidget:
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(2, 2, 2, 2)
        box.setSpacing(1)
        picture = QLabel()
        picture.setPixmap(pixmap_at_least(image, TARGET_PIXELS))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if highlight:
            picture.setStyleSheet(f"border: 2px solid {COPY_COLOUR};")
        caption = QLabel(text)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption.setStyleSheet(f"font-size: 11px; color: {COPY_COLOUR};" if highlight else "font-size: 11px;")
        box.addWidget(picture)
        box.addWidget(caption)
        self.image_labels.append(picture)
        return cell

    def _clear(self) -> None:
        self.image_labels.clear()
        clear_layout(self.grid)
