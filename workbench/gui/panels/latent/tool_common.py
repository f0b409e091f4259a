"""Pieces the analysis tools (directions, embedding, disentanglement, outliers) share: crisp image pixmaps, a
clickable image tile, and a task row that runs one background job at a time with progress text and errors.

No torch here: images arrive as uint8 H×W×C numpy arrays (`LatentSession.decode` / `to_uint8`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from workbench.gui.widgets.pixmaps import pixmap_at_least

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: palette(mid);"


def follow_space(session, slot) -> None:  # noqa: ANN001 - a LatentSession, a method of the tool
    """Call `slot` now and whenever the session loads another space (or none)."""
    session.space_changed.connect(slot)
    slot()


def captioned_view(view: QLabel, caption: QLabel, size: int) -> QVBoxLayout:
    """An image view of size × size on a dark ground with its caption under it (a column of a comparison)."""
    view.setAlignment(Qt.AlignmentFlag.AlignCenter)
    view.setFixedSize(size, size)
    view.setStyleSheet("background: #202020;")
    caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
    column = QVBoxLayout()
    column.addWidget(view)
    column.addWidget(caption)
    return column


class ImageTile(QWidget):
    """An image with a caption under it; emits `clicked(key)` (the key it was built with)."""

    clicked = Signal(object)

    def __init__(self, image: np.ndarray, caption: str, key: object = None, size: int = 64,
                 tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.picture = QLabel()
        self.picture.setPixmap(pixmap_at_least(image, size))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setStyleSheet("font-size: 11px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        if tooltip:
            self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.key)
        super().mouseReleaseEvent(event)


class TaskRow(QWidget):
    """A run button, an indeterminate progress bar with progress text, and an error line.

    `start(work, on_done, what)` runs `work(progress)` through `session.run_task` (background thread, one torch
    thread, stale results dropped); `progress(text)` may be called from that thread and is shown by a
    GUI-thread timer. One job at a time: the button is disabled while it runs.
    """

    def __init__(self, session, button_text: str, parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.session = session
        self.busy = False
        self._job = 0  # the latest job started; an older task that ends late does not touch the busy state
        self._progress_text = ""
        self.button = QPushButton(button_text)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._show_progress)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.busy_bar)
        row.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error_label)

    def start(self, work: Callable[[Callable[[str], None]], object], on_done: Callable[[object], None],
              what: str) -> None:
        if self.busy:
            return
        self.error_label.hide()
        self._progress_text = what + "…"
        self._set_busy(True)

        self._job += 1
        job = self._job

        def done(value) -> None:  # noqa: ANN001
            self._set_busy(False)
            on_done(value)

        def failed(message: str, details: str) -> None:
            self._set_busy(False)
            self.show_error(message, details)

        def ended(*_) -> None:  # noqa: ANN002 - the task object is gone: delivered, or dropped after a new load
            if job == self._job and self.busy:
                self._set_busy(False)

        task = self.session.run_task(lambda: work(self._set_progress_text), done, what, on_failed=failed)
        task.destroyed.connect(ended)

    def show_error(self, message: str, details: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(details)
        self.error_label.show()

    def set_status(self, text: str) -> None:
        self._progress_text = text
        self._show_progress()

    def clear(self) -> None:
        self.error_label.hide()
        self.set_status("")

    def _set_progress_text(self, text: str) -> None:  # called from the background thread
        self._progress_text = text

    def _show_progress(self) -> None:
        self.status_label.setText(self._progress_text)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_bar.setVisible(busy)
        self.button.setEnabled(not busy)
        if busy:
            self._show_progress()
            self._timer.start()
        else:
            self._timer.stop()
            if self._progress_text.endswith("…"):
                self._progress_text = ""
            self._show_progress()
