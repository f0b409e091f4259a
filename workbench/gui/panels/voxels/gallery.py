"""Samples by seed: a seed box, "New seed", and a page of thumbnails to pick from.

The thumbnails are rendered off-screen (`workbench.data.voxel_render.render_thumbnails`) in a background task
that the pane runs; this widget only shows them and reports what the user picked. Seed n always gives the
same shape (the model's prior with that seed), in the box and in the gallery alike.
"""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QListView, QListWidgetItem, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import HINT_STYLE, button, fill, hint, icon_strip, label, row, seed_spin
from workbench.gui.widgets.pixmaps import array_pixmap

PAGE = 12  # thumbnails per page: three rows of four
THUMBNAIL = 80  # px: four to a row in the 400 px column
MAX_SEED = 2**31 - 1


class SampleGallery(QWidget):
    """Seed box, new-seed button and a page of seeded samples as thumbnails."""

    seed_chosen = Signal(int)  # the seed box changed, or a thumbnail was picked
    page_requested = Signal(int)  # the first seed of the page to render

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voxel-gallery")
        self.start = 0  # first seed of the page shown

        self.seed_spin = seed_spin("voxel-seed", "The prior sample with this seed: the same seed gives the same shape")
        self.seed_spin.setKeyboardTracking(False)  # typing a number asks once, on Enter or leaving the box
        self.seed_spin.valueChanged.connect(self.seed_chosen.emit)
        self.new_button = button("New seed", "voxel-new-seed", "A random seed", self.new_seed)
        self.list = icon_strip("voxel-gallery-list", THUMBNAIL, QSize(THUMBNAIL + 8, THUMBNAIL + 20), wrap=True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(True)
        self.list.setMinimumHeight(2 * (THUMBNAIL + 20) + 8)  # two rows on a laptop screen (it scrolls) ...
        self.list.setMaximumHeight(3 * (THUMBNAIL + 20) + 8)  # ... a page, three rows of four, on a larger one
        self.list.itemClicked.connect(self._picked)
        self.list.itemActivated.connect(self._picked)
        self.previous_button = button("", "voxel-gallery-previous", f"The previous {PAGE} seeds",
                                      lambda: self.request_page(self.start - PAGE), tool=True)
        self.previous_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.next_button = button("", "voxel-gallery-next", f"The next {PAGE} seeds",
                                  lambda: self.request_page(self.start + PAGE), tool=True)
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.page_label = label("", "voxel-gallery-page", HINT_STYLE)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = hint("", "voxel-gallery-note", small=True)
        self.note.hide()
        fill(QVBoxLayout(self), row(QLabel("Seed"), (self.seed_spin, 1), self.new_button), self.list, self.note,
             row(self.previous_button, (self.page_label, 1), self.next_button), margins=0)
        self.set_enabled(False)
        self._update_page_label(busy=False)

    def seed(self) -> int:
        return self.seed_spin.value()

    def set_seed(self, seed: int) -> None:
        self.seed_spin.setValue(int(seed))

    def new_seed(self) -> None:
        self.set_seed(random.randrange(0, MAX_SEED))

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.seed_spin, self.new_button, self.list, self.previous_button, self.next_button):
            widget.setEnabled(enabled)
        if enabled:
            self.previous_button.setEnabled(self.start > 0)

    def request_page(self, start: int) -> None:
        self.start = max(0, min(MAX_SEED - PAGE, start))
        self.previous_button.setEnabled(self.start > 0)
        self._update_page_label(busy=True)
        self.page_requested.emit(self.start)

    def seeds(self) -> list[int]:
        return list(range(self.start, self.start + PAGE))

    def set_thumbnails(self, start: int, images: np.ndarray, note: str = "") -> None:
        """Show the rendered thumbnails (uint8 N×S×S×3) of seeds start, start + 1, …, and `note` under them
        (e.g. how many samples are empty at the threshold)."""
        if start != self.start:
            return  # an older page
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.list.clear()
        for i, image in enumerate(images):
            item = QListWidgetItem(QIcon(array_pixmap(image)), f"seed {start + i}")
            item.setData(Qt.ItemDataRole.UserRole, start + i)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setToolTip(f"Seed {start + i}: click to view it")
            self.list.addItem(item)
        self._update_page_label(busy=False)

    def clear(self) -> None:
        self.list.clear()
        self.note.hide()
        self._update_page_label(busy=False)

    def _update_page_label(self, busy: bool) -> None:
        what = f"seeds {self.start}–{self.start + PAGE - 1}"
        self.page_label.setText(f"Rendering {what}…" if busy else what)

    def _picked(self, item: QListWidgetItem) -> None:
        seed = int(item.data(Qt.ItemDataRole.UserRole))
        if seed == self.seed():
            self.seed_chosen.emit(seed)  # the view may show another shape (an interpolation): show this seed again
        else:
            self.set_seed(seed)
