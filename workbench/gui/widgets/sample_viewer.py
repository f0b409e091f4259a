"""Sample grids recorded during training, one per step, with a live-following step scrubber.

Grids stay crisp: they are only ever enlarged by whole-number factors with nearest-neighbour sampling,
because blurred samples hide exactly the artefacts (checkerboards, mode collapse) that one looks for.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.pixmaps import rgb_array

MAX_ZOOM = 16


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """A C-contiguous uint8 H×W×3 array; grayscale (H×W or H×W×1) is repeated into three channels."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"sample grids must be uint8, got {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3)):
        raise ValueError(f"sample grids must be H×W×3 (or grayscale H×W), got shape {image.shape}")
    return rgb_array(image)


def _to_qimage(image: np.ndarray) -> QImage:
    height, width, _ = image.shape
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def load_grid(path: str | os.PathLike[str]) -> np.ndarray:
    """A recorded grid (PNG) as uint8 H×W×3."""
    with Image.open(path) as image:
        return _as_rgb(np.asarray(image.convert("RGB")))


def zoomed_pixmap(image: np.ndarray, zoom: int) -> QPixmap:
    """`image` (uint8 H×W×3) enlarged `zoom` times by nearest neighbour: every pixel a crisp zoom×zoom square."""
    height, width, _ = image.shape
    pixmap = QPixmap.fromImage(_to_qimage(image))
    if zoom > 1:
        pixmap = pixmap.scaled(width * zoom, height * zoom, Qt.AspectRatioMode.IgnoreAspectRatio,
                               Qt.TransformationMode.FastTransformation)
    return pixmap


class SampleViewer(QWidget):
    """One image grid per recorded step; follows the newest grid until the user scrubs back."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._steps: list[int] = []
        self._sources: dict[int, np.ndarray | str] = {}  # an in-memory grid, or the path of a PNG to load lazily
        self._shown: tuple[int, np.ndarray] | None = None  # the decoded grid on screen
        self._sample_every: int | None = None

        title_label = QLabel(title)
        bold = QFont(title_label.font())
        bold.setBold(True)
        title_label.setFont(bold)
        title_label.setWordWrap(True)  # a long title wraps instead of widening the window

        self.step_slider = QSlider(Qt.Orientation.Horizontal)
        self.step_slider.setRange(0, 0)
        self.step_slider.setEnabled(False)
        self.step_slider.setToolTip("Recorded steps; drag back to stop following the newest grid")
        self.step_slider.valueChanged.connect(self._show_current)
        self.step_label = QLabel()

        self.true_size_checkbox = QCheckBox("True size")
        self.true_size_checkbox.setToolTip("Show pixels at an exact whole-number zoom instead of fitting the view")
        self.true_size_checkbox.toggled.connect(self._on_true_size_toggled)
        self.zoom_spin = QSpinBox()
        self.zoom_spin.setRange(1, MAX_ZOOM)
        self.zoom_spin.setSuffix("×")
        self.zoom_spin.setEnabled(False)
        self.zoom_spin.setToolTip("Zoom factor in true-size mode (nearest neighbour)")
        self.zoom_spin.valueChanged.connect(self._render)
        self.zoom_label = QLabel()
        self.zoom_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # narrow: clipped
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._ask_and_export)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(title_label)
        controls.addSpacing(8)
        controls.addWidget(self.step_slider, 1)
        controls.addWidget(self.step_label)
        view_controls = QHBoxLayout()
        view_controls.setContentsMargins(0, 0, 0, 0)
        view_controls.addWidget(self.true_size_checkbox)
        view_controls.addWidget(self.zoom_spin)
        view_controls.addSpacing(8)
        view_controls.addWidget(self.zoom_label)
        view_controls.addStretch(1)
        view_controls.addWidget(self.export_button)

        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.image_label)
        self.scroll_area.setWidgetResizable(True)  # centres the grid when it is smaller than the view
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.viewport().installEventFilter(self)

        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)  # drawn in the palette's disabled (greyed) text colour
        self._stack = QStackedWidget()
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.scroll_area)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addLayout(view_controls)
        layout.addWidget(self._stack, 1)
        self._update_placeholder()
        self._update_step_label()

    # ----------------------------------------------------------------------------------------------- data

    def set_sample_every(self, steps: int | None) -> None:
        """How often the run records a grid, for the placeholder text."""
        self._sample_every = steps
        self._update_placeholder()

    def add_image(self, step: int, image: np.ndarray) -> None:
        """Store the grid of `step` in memory (a later grid for the same step replaces it)."""
        self._add(step, _as_rgb(image).copy())

    def add_file(self, step: int, path: str | os.PathLike[str]) -> None:
        """Record that the grid of `step` is the PNG at `path`; it is decoded only when shown."""
        self._add(step, str(path))

    def clear(self) -> None:
        self._steps.clear()
        self._sources.clear()
        self._shown = None
        self.step_slider.blockSignals(True)
        self.step_slider.setRange(0, 0)
        self.step_slider.blockSignals(False)
        self.step_slider.setEnabled(False)
        self.export_button.setEnabled(False)
        self.image_label.clear()
        self._stack.setCurrentWidget(self.placeholder)
        self._update_step_label()
        self.zoom_label.clear()

    def steps(self) -> list[int]:
        return list(self._steps)

    def current_step(self) -> int | None:
        return self._steps[self.step_slider.value()] if self._steps else None

    def current_image(self) -> np.ndarray | None:
        """The grid on screen as uint8 H×W×3 (decoded from its file if needed)."""
        step = self.current_step()
        if step is None:
            return None
        if self._shown is None or self._shown[0] != step:
            source = self._sources[step]
            image = source if isinstance(source, np.ndarray) else load_grid(source)
            self._shown = (step, image)
        return self._shown[1]

    def _add(self, step: int, source: np.ndarray | str) -> None:
        step = int(step)
        following = not self._steps or self.step_slider.value() == len(self._steps) - 1
        shown_step = self.current_step()
        if step not in self._sources:
            bisect.insort(self._steps, step)
        self._sources[step] = source
        if self._shown is not None and self._shown[0] == step:
            self._shown = None  # replaced: decode again

        # Follow the newest grid while at the end; otherwise stay on the step the user chose.
        index = len(self._steps) - 1 if following else self._steps.index(shown_step)
        self.step_slider.blockSignals(True)
        self.step_slider.setRange(0, len(self._steps) - 1)
        self.step_slider.setValue(index)
        self.step_slider.blockSignals(False)
        self.step_slider.setEnabled(len(self._steps) > 1)
        self.export_button.setEnabled(True)
        self._stack.setCurrentWidget(self.scroll_area)
        self._update_step_label()
        if self.current_step() == step or self._shown is None:
            self._render()

    # -------------------------------------------------------------------------------------------- display

    def _show_current(self) -> None:
        self._update_step_label()
        self._render()

    def _on_true_size_toggled(self, true_size: bool) -> None:
        self.zoom_spin.setEnabled(true_size)
        self._render()

    def zoom(self) -> int:
        """The whole-number factor the grid is drawn at: the chosen one, or the largest that fits the view."""
        image = self.current_image()
        if self.true_size_checkbox.isChecked() or image is None:
            return self.zoom_spin.value()
        viewport = self.scroll_area.viewport().size()
        height, width, _ = image.shape
        return max(1, min(viewport.width() // width, viewport.height() // height))

    def _render(self) -> None:
        image = self.current_image()
        if image is None:
            return
        zoom = self.zoom()
        height, width, _ = image.shape
        self.image_label.setPixmap(zoomed_pixmap(image, zoom))
        mode = "true size" if self.true_size_checkbox.isChecked() else "fit"
        self.zoom_label.setText(f"{width}×{height} px · {mode} {zoom}×")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (watched is self.scroll_area.viewport() and event.type() == QEvent.Type.Resize
                and not self.true_size_checkbox.isChecked()):
            self._render()  # the largest fitting factor depends on the view size
        return super().eventFilter(watched, event)

    def _update_step_label(self) -> None:
        if not self._steps:
            self.step_label.setText("no steps")
            return
        index = self.step_slider.value()
        self.step_label.setText(f"step {self._steps[index]} of {self._steps[-1]} "
                                f"({index + 1}/{len(self._steps)})")

    def _update_placeholder(self) -> None:
        every = f": they appear every {self._sample_every} steps" if self._sample_every else ""
        self.placeholder.setText(f"No samples yet{every}")

    # -------------------------------------------------------------------------------------------- export

    def export_png(self, path: str | os.PathLike[str]) -> None:
        """Write the current grid at its own resolution (not the zoomed view)."""
        image = self.current_image()
        if image is None:
            raise ValueError("no sample grid to export")
        Image.fromarray(image).save(Path(path), format="PNG")

    def _ask_and_export(self) -> None:
        step = self.current_step()
        default_name = f"samples_step{step}.png"
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", default_name, "PNG image (*.png)")
        if path:
            self.export_png(path)
