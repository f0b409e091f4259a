"""The Super-resolution pane's image choice: "Open image…", "treat as low-resolution", and a strip of held-out
sr-photos crops (photos no training crop comes from) to step through.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QCheckBox, QGroupBox, QListWidgetItem, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import button, hint, icon_strip, row
from workbench.gui.widgets.pixmaps import pixmap_near

EXAMPLE_ICON = 56


class ImageInput(QGroupBox):
    """Emits `open_requested` for the file dialog, `example_chosen(row)` when the user picks a held-out crop;
    `as_lr_box` says how an opened image is taken."""

    open_requested = Signal()
    example_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Image", parent)
        self.open_button = button("Open image…", "sr-open", "Any image file; you can also drop files on this pane",
                                  self.open_requested)
        self.as_lr_box = QCheckBox("treat as low-resolution")
        self.as_lr_box.setObjectName("sr-as-lr")
        self.as_lr_box.setToolTip("Unticked: the image is the HR original; its bicubic downscale is upscaled and "
                                  "compared with it (PSNR / SSIM).\nTicked: the image itself is upscaled; there is "
                                  "no original, so no metrics.")
        self.prev_button = button("◀", "sr-example-prev", "Previous held-out example", lambda: self.step(-1),
                                  tool=True)
        self.next_button = button("▶", "sr-example-next", "Next held-out example", lambda: self.step(1), tool=True)
        self.examples = icon_strip("sr-examples", EXAMPLE_ICON)
        self.examples.setSpacing(2)
        bar_height = self.examples.horizontalScrollBar().sizeHint().height()
        self.examples.setFixedHeight(EXAMPLE_ICON + 16 + bar_height)
        self.examples.setToolTip("Held-out sr-photos crops (test split: photos no training crop comes from), "
                                 "opened as HR originals")
        self.examples.currentRowChanged.connect(self._row_changed)
        self.examples_label = hint("or a held-out sr-photos crop:")
        self.examples_label.setWordWrap(True)  # wraps on a laptop screen instead of widening the window
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.open_button, self.as_lr_box, 12, (self.examples_label, 1)))
        layout.addLayout(row(self.prev_button, (self.examples, 1), self.next_button))

    def show_examples(self, examples: list[tuple[str, np.ndarray]]) -> None:
        """Fill the strip with (name, uint8 H×W×3 crop) pairs, none chosen."""
        self.examples.blockSignals(True)
        self.examples.clear()
        for name, image in examples:
            item = QListWidgetItem(QIcon(pixmap_near(image, EXAMPLE_ICON)), "")
            item.setToolTip(f"{name} ({image.shape[1]}×{image.shape[0]} HR crop)")
            self.examples.addItem(item)
        self.examples.blockSignals(False)
        self.examples_label.setText(f"or one of {len(examples)} held-out sr-photos crops (photos never trained on):"
                                    if examples else "no held-out examples")
        self.prev_button.setEnabled(bool(examples))
        self.next_button.setEnabled(bool(examples))

    def mark(self, row_index: int) -> None:
        """Show crop `row_index` as chosen (-1: none, e.g. a file was opened) without announcing it."""
        self.examples.blockSignals(True)
        self.examples.setCurrentRow(row_index)
        self.examples.blockSignals(False)

    def set_high_resolution(self) -> None:
        """Untick "treat as low-resolution" without announcing it (the crops are HR originals)."""
        self.as_lr_box.blockSignals(True)
        self.as_lr_box.setChecked(False)
        self.as_lr_box.blockSignals(False)

    def step(self, step: int) -> None:
        n = self.examples.count()
        if n:
            current = self.examples.currentRow()
            self.examples.setCurrentRow((current + step) % n if current >= 0 else 0)

    def _row_changed(self, row_index: int) -> None:
        if row_index >= 0:
            self.example_chosen.emit(row_index)
