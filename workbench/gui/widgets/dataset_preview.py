"""Dataset preview for the new-run form: a grid of examples and the dataset's size, built in the background."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.config import DataConfig
from workbench.gui.widgets.pixmaps import array_pixmap


class DatasetPreview(QWidget):
    """Call `request(config)` whenever the data settings change; the newest request wins."""

    MAX_WIDTH = 300

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QLabel("No preview yet")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumHeight(80)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image)
        layout.addWidget(self.description)
        self._pending: DataConfig | None = None
        self._busy = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._launch)

    def request(self, config: DataConfig) -> None:
        self._pending = config
        self._debounce.start()

    def _launch(self) -> None:
        if self._busy or self._pending is None:
            return
        from workbench.data.preview import dataset_preview
        from workbench.gui.workers import BackgroundTask

        config, self._pending = self._pending, None
        self._busy = True
        self.description.setText(f"Loading a preview of {config.name}…")
        task = BackgroundTask(lambda: dataset_preview(config), self)
        task.done.connect(self._show)
        task.failed.connect(self._show_error)
        task.start()

    def _finish(self) -> None:
        self._busy = False
        if self._pending is not None:
            self._debounce.start()

    def _show(self, preview) -> None:  # noqa: ANN001 - workbench.data.preview.DatasetPreview
        h, w, _ = preview.image.shape
        scale = max(1, min(4, self.MAX_WIDTH // max(w, 1)))
        self.image.setPixmap(array_pixmap(preview.image, scale))
        self.description.setText(preview.description)
        self.description.setStyleSheet("color: #555;")
        self._finish()

    def _show_error(self, message: str, _details: str) -> None:
        self.image.clear()
        self.image.setText("No preview")
        self.description.setText(message)
        self.description.setStyleSheet("color: #c62828;")
        self._finish()
