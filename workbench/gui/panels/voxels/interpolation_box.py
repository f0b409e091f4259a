"""Latent interpolation between two picked shapes, the view following the slider live.

The user sets end A and end B from the shape on view (a seed, a silhouette's code, or a point of an earlier
interpolation); the slider walks t from A (0) to B (1) along the great circle (slerp, the path that keeps a
Gaussian code's typical length) or the straight line (lerp). Slider moves are coalesced by the pane like the
threshold's; the mesh is decoded and drawn for the newest t.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from workbench.gui.panels.voxels.view import COALESCE_MS
from workbench.gui.widgets.factory import button, choice, column, fill, hint, label, row, single_shot, slider
from workbench.gui.widgets.pixmaps import array_pixmap

ENDS = ("A", "B")
THUMBNAIL = 64


class InterpolationBox(QWidget):
    """Ends A and B (each set from the shown shape), the t slider and the path (slerp / lerp)."""

    end_requested = Signal(str)  # "A" or "B": set it to the shape on view
    t_changed = Signal(float)  # coalesced
    mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voxel-interpolation")
        self.pictures: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.set_buttons: dict[str, QPushButton] = {}
        ends = QGridLayout()
        ends.setColumnStretch(1, 1)
        for line, end in enumerate(ENDS):
            picture = QLabel()
            picture.setObjectName(f"voxel-end-{end.lower()}-picture")
            picture.setFixedSize(THUMBNAIL, THUMBNAIL)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setStyleSheet("border: 1px solid palette(mid); color: palette(mid);")
            picture.setText(end)
            text = label(f"<b>{end}</b>: not set", f"voxel-end-{end.lower()}", wrap=True)
            set_button = button(f"Set {end} to the shown shape", f"voxel-set-{end.lower()}", f"End {end} of the "
                                "interpolation: the code of the shape in the 3D view",
                                lambda _checked=False, e=end: self.end_requested.emit(e))
            lines = column(text)
            lines.addWidget(set_button, 0, Qt.AlignmentFlag.AlignLeft)
            ends.addWidget(picture, line, 0)
            ends.addLayout(lines, line, 1)
            self.pictures[end], self.labels[end], self.set_buttons[end] = picture, text, set_button

        self.slider = slider(0, 100, 0, "voxel-interpolation-t", "t: 0 = A, 1 = B; the 3D view follows")
        self.t_label = label("t = 0.00", "voxel-interpolation-t-value")
        self.t_label.setMinimumWidth(60)
        self._timer = single_shot(self, COALESCE_MS, lambda: self.t_changed.emit(self.t()))
        self.slider.valueChanged.connect(self._moved)
        self.mode_combo = choice([("slerp (great circle)", "slerp"), ("lerp (straight line)", "lerp")],
                                 "voxel-interpolation-mode", "slerp keeps a Gaussian code's typical length along the "
                                 "way; lerp passes closer to the origin, where shapes often grow thin or vanish",
                                 lambda _i: self.mode_changed.emit(self.mode()))
        self.hint = hint("Set both ends, then move the slider: the 3D view decodes each step.",
                         "voxel-interpolation-hint", small=True)
        fill(QVBoxLayout(self), ends, row(QLabel("A"), (self.slider, 1), QLabel("B"), self.t_label),
             row(QLabel("Path"), (self.mode_combo, 1)), self.hint, None)
        self.set_ready(False)

    def t(self) -> float:
        return self.slider.value() / 100

    def set_t(self, t: float) -> None:
        self.slider.setValue(round(t * 100))

    def mode(self) -> str:
        return self.mode_combo.currentData()

    def _moved(self, value: int) -> None:
        self.t_label.setText(f"t = {value / 100:.2f}")
        self._timer.start()

    def set_end(self, end: str, text: str, picture=None) -> None:  # noqa: ANN001 - uint8 H×W×3 or None
        self.labels[end].setText(f"<b>{end}</b>: {text}")
        if picture is not None:
            self.pictures[end].setPixmap(array_pixmap(picture).scaled(
                THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    def clear_ends(self) -> None:
        for end in ENDS:
            self.labels[end].setText(f"<b>{end}</b>: not set")
            self.pictures[end].clear()
            self.pictures[end].setText(end)
        self.set_ready(False)

    def set_ready(self, ready: bool) -> None:
        """Both ends are set: the slider and the path can be used."""
        self.slider.setEnabled(ready)
        self.mode_combo.setEnabled(ready)
