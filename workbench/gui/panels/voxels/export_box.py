"""Export the shown shape (mesh, volume or voxel grid) and animations (turntable, interpolation).

The box asks for a file name and hands it to the pane, which writes in the background. Mesh files hold what
the view shows (smooth surface or cubes, at the current threshold); `.npy` and `.binvox` hold the voxels at the
threshold; `.vti` the raw occupancy. Animations are rendered off-screen at the chosen size, one frame per step.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

SHAPE_FILTERS = ("STL mesh (*.stl)", "Wavefront OBJ mesh (*.obj)", "PLY mesh (*.ply)", "VTK legacy mesh (*.vtk)",
                 "VTK image data, the occupancy volume (*.vti)", "NumPy voxel grid (*.npy)",
                 "binvox voxel grid (*.binvox)")
ANIMATION_FILTERS = ("Animated GIF (*.gif)", "MP4 video (*.mp4)")
STRIP_FILTER = "PNG strip (*.png)"


def _with_suffix(path: str, chosen_filter: str) -> Path:
    """The dialog's file name, with the chosen filter's suffix added when the user typed none."""
    target = Path(path)
    if not target.suffix and "(*." in chosen_filter:
        target = target.with_suffix(chosen_filter.split("(*", 1)[1].rstrip(")"))
    return target


class ExportBox(QWidget):
    """Buttons that ask for a file name; the pane writes the file."""

    shape_export = Signal(object)  # Path
    turntable_export = Signal(object)  # Path
    interpolation_export = Signal(object)  # Path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voxel-export")
        self.folder = Path.home()
        self.shape_button = QPushButton("Save shape…")
        self.shape_button.setObjectName("voxel-export-shape")
        self.shape_button.setToolTip("The shown shape as a mesh (STL, OBJ, PLY, VTK: surface or cubes as shown), "
                                     "its occupancy volume (VTI) or its voxels at the threshold (.npy, .binvox)")
        self.shape_button.clicked.connect(self._ask_shape)
        self.turntable_button = QPushButton("Turntable…")
        self.turntable_button.setObjectName("voxel-export-turntable")
        self.turntable_button.setToolTip("The shown shape turning once around its vertical axis (GIF or MP4)")
        self.turntable_button.clicked.connect(self._ask_turntable)
        self.interpolation_button = QPushButton("Interpolation…")
        self.interpolation_button.setObjectName("voxel-export-interpolation")
        self.interpolation_button.setToolTip("The path from A to B (Interpolate tab) as an animation (GIF, MP4) or "
                                             "a PNG strip")
        self.interpolation_button.clicked.connect(self._ask_interpolation)

        self.frames_spin = QSpinBox()
        self.frames_spin.setObjectName("voxel-export-frames")
        self.frames_spin.setRange(4, 360)
        self.frames_spin.setValue(36)
        self.frames_spin.setToolTip("Turntable frames (the camera turns 360° ÷ frames between two)")
        self.steps_spin = QSpinBox()
        self.steps_spin.setObjectName("voxel-export-steps")
        self.steps_spin.setRange(2, 120)
        self.steps_spin.setValue(12)
        self.steps_spin.setToolTip("Interpolation steps, both ends included")
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("voxel-export-size")
        self.size_spin.setRange(64, 1024)
        self.size_spin.setSingleStep(32)
        self.size_spin.setValue(320)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip("Width and height of each frame")
        self.fps_spin = QSpinBox()
        self.fps_spin.setObjectName("voxel-export-fps")
        self.fps_spin.setRange(1, 60)
        self.fps_spin.setValue(12)
        self.fps_spin.setToolTip("Frames per second of GIF and MP4 files")

        self.note = QLabel()
        self.note.setObjectName("voxel-export-note")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setStyleSheet("color: palette(mid); font-size: 11px;")

        shape_row = QHBoxLayout()
        shape_row.addWidget(self.shape_button)
        shape_row.addWidget(QLabel("STL · OBJ · PLY · VTK · VTI · npy · binvox"), 1)
        animation_form = QFormLayout()
        animation_form.addRow("Turntable frames", self.frames_spin)
        animation_form.addRow("Interpolation steps", self.steps_spin)
        animation_form.addRow("Frame size", self.size_spin)
        animation_form.addRow("Frames per second", self.fps_spin)
        animation_row = QHBoxLayout()
        animation_row.addWidget(self.turntable_button)
        animation_row.addWidget(self.interpolation_button)
        animation_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(shape_row)
        layout.addSpacing(6)
        layout.addLayout(animation_form)
        layout.addLayout(animation_row)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.set_ready(False, False)

    def set_ready(self, shape: bool, interpolation: bool) -> None:
        self.shape_button.setEnabled(shape)
        self.turntable_button.setEnabled(shape)
        self.interpolation_button.setEnabled(interpolation)

    def _ask(self, title: str, filters: tuple[str, ...], name: str) -> Path | None:
        path, chosen = QFileDialog.getSaveFileName(self, title, str(self.folder / name), ";;".join(filters))
        if not path:
            return None
        target = _with_suffix(path, chosen)
        self.folder = target.parent
        return target

    def _ask_shape(self) -> None:
        target = self._ask("Save the shape", SHAPE_FILTERS, "shape.stl")
        if target is not None:
            self.shape_export.emit(target)

    def _ask_turntable(self) -> None:
        target = self._ask("Save a turntable animation", ANIMATION_FILTERS, "turntable.gif")
        if target is not None:
            self.turntable_export.emit(target)

    def _ask_interpolation(self) -> None:
        target = self._ask("Save the interpolation", (*ANIMATION_FILTERS, STRIP_FILTER), "interpolation.gif")
        if target is not None:
            self.interpolation_export.emit(target)
