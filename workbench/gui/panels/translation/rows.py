"""One row of the Translate pane: input → translation (→ a compared run's translation, cycle reconstruction),
ground truth, |Δ| map.

Each view is titled with its domain, so a row reads left to right as the model's path through the two domains;
the row's title names the direction, the image size and, when shown, the mean and largest difference. Columns
that do not apply (no reconstruction for Pix2Pix, no ground truth for unpaired data or a file) are hidden rather
than left empty.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.translation.compute import RowResult
from workbench.gui.panels.translation.views import DifferenceView, LabelledView, ZoomGroup

QWIDGETSIZE_MAX = 16_777_215  # Qt's "no maximum size"


class ResultRow(QGroupBox):
    """Labelled views of one direction; `set_result(row, show_difference, scale)` fills them."""

    def __init__(self, name: str, title: str, zoom_group: ZoomGroup | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(f"translate-{name}-row")
        self.input_view = LabelledView("Input", f"translate-{name}-input")
        self.translation_view = LabelledView("Translation", f"translate-{name}-translation")
        self.comparison_view = LabelledView("Compared run", f"translate-{name}-comparison")
        self.reconstruction_view = LabelledView("Cycle reconstruction", f"translate-{name}-reconstruction")
        self.truth_view = LabelledView("Ground truth", f"translate-{name}-truth")
        self.difference_view = DifferenceView("Absolute difference", f"translate-{name}-difference")
        self.views = (self.input_view, self.translation_view, self.comparison_view, self.reconstruction_view,
                      self.truth_view, self.difference_view)
        self.zoom_group = zoom_group or ZoomGroup()
        for view in self.views:
            self.zoom_group.add(view, view.view)
        self.placeholder = QLabel()
        self.placeholder.setObjectName(f"translate-{name}-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 8px;")
        self.note = QLabel()
        self.note.setStyleSheet("color: palette(mid); font-size: 11px;")
        self.note.setWordWrap(True)
        self.note.hide()
        self.result: RowResult | None = None
        views = QHBoxLayout()
        views.setSpacing(6)
        for view in self.views:
            views.addWidget(view, 1)
        views.addWidget(self.difference_view.scale_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.placeholder)
        layout.addLayout(views, 1)
        layout.addWidget(self.note)
        self.set_placeholder("Choose an input above.")

    def set_placeholder(self, text: str) -> None:
        """Show `text` instead of images; the row shrinks to one line so the other row gets the room."""
        self.result = None
        self.setMaximumHeight(self.fontMetrics().height() * 2 + 40)
        for view in self.views:
            view.hide()
        self.difference_view.scale_column.hide()
        self.note.hide()
        self.placeholder.setText(text)
        self.placeholder.show()

    def set_result(self, row: RowResult, show_difference: bool, scale: float) -> None:
        """Show `row`; the difference column only when `show_difference` (colour scale [0, scale])."""
        self.result = row
        self.placeholder.hide()
        self.setMaximumHeight(QWIDGETSIZE_MAX)
        self.input_view.set_title(f"Input · {row.input_domain}")
        self.input_view.set_image(row.input)
        self.translation_view.set_title(f"{row.translation_title or 'Translation'} · {row.output_domain}")
        self.translation_view.set_image(row.translation)
        self.input_view.show()
        self.translation_view.show()
        self._optional(self.comparison_view, row.comparison, f"{row.comparison_title} · {row.output_domain}")
        self._optional(self.reconstruction_view, row.reconstruction, f"Cycle reconstruction · {row.input_domain}")
        self._optional(self.truth_view, row.ground_truth, f"Ground truth · {row.output_domain}")
        title = f"{row.label} ({_arrow(row.direction)}) · {_size(row.input)}"
        if show_difference and row.difference is not None:
            self.difference_view.set_title(row.difference_title)
            self.difference_view.set_map(row.difference, scale)
            self.difference_view.show()
            self.difference_view.scale_column.show()
            title += f" · {row.difference_title}: {self.difference_view.stats}"
        else:
            self.difference_view.hide()
            self.difference_view.scale_column.hide()
        self.setTitle(title)
        note = row.note if show_difference and row.difference is None else ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.zoom_group.refresh()

    @staticmethod
    def _optional(view: LabelledView, image: np.ndarray | None, title: str) -> None:
        if image is None:
            view.hide()
            return
        view.set_title(title)
        view.set_image(image)
        view.show()


def _arrow(direction: str) -> str:
    return "A→B" if direction == "AtoB" else "B→A"


def _size(image: np.ndarray) -> str:
    return f"{image.shape[1]}×{image.shape[0]} px"
