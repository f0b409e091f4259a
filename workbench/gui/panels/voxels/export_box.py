"""Export the shown shape (mesh, volume or voxel grid) and animations (turntable, interpolation).

The box asks for a file name and hands it to the pane, which writes in the background. Mesh files hold what
the view shows (smooth surface or cubes, at the current threshold); `.npy` and `.binvox` hold the voxels at the
threshold; `.vti` the raw occupancy. Animations are rendered off-screen at the chosen size, one frame per step.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import button, fill, hint, row, spin
from workbench.gui.widgets.file_dialogs import ask_save

SHAPE_FILTERS = ("STL mesh (*.stl)", "Wavefront OBJ mesh (*.obj)", "PLY mesh (*.ply)", "VTK legacy mesh (*.vtk)",
                 "VTK image data, the occupancy volume (*.vti)", "NumPy voxel grid (*.npy)",
                 "binvox voxel grid (*.binvox)")
ANIMATION_FILTERS = ("Animated GIF (*.gif)", "MP4 video (*.mp4)")
STRIP_FILTER = "PNG strip (*.png)"


class ExportBox(QWidget):
    """Buttons that ask for a file name; the pane writes the file."""

    shape_export = Signal(object)  # Path
    turntable_export = Signal(object)  # Path
    interpolation_export = Signal(object)  # Path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voxel-export")
        self.shape_button = button("Save shape…", "voxel-export-shape", "The shown shape as a mesh (STL, OBJ, PLY, "
                                   "VTK: surface or cubes as shown), its occupancy volume (VTI) or its voxels at the "
                                   "threshold (.npy, .binvox)", self._ask_shape)
        self.turntable_button = button("Turntable…", "voxel-export-turntable", "The shown shape turning once around "
                                       "its vertical axis (GIF or MP4)", self._ask_turntable)
        self.interpolation_button = button("Interpolation…", "voxel-export-interpolation", "The path from A to B "
                                           "(Interpolate tab) as an animation (GIF, MP4) or a PNG strip",
                                           self._ask_interpolation)
        self.frames_spin = spin(4, 360, 36, "voxel-export-frames", "Turntable frames (the camera turns 360° ÷ frames "
                                "between two)")
        self.steps_spin = spin(2, 120, 12, "voxel-export-steps", "Interpolation steps, both ends included")
        self.size_spin = spin(64, 1024, 320, "voxel-export-size", "Width and height of each frame", step=32,
                              suffix=" px")
        self.fps_spin = spin(1, 60, 12, "voxel-export-fps", "Frames per second of GIF and MP4 files")
        self.note = hint("", "voxel-export-note", small=True, selectable=True)

        animation_form = QFormLayout()
        for text, box in (("Turntable frames", self.frames_spin), ("Interpolation steps", self.steps_spin),
                          ("Frame size", self.size_spin), ("Frames per second", self.fps_spin)):
            animation_form.addRow(text, box)
        fill(QVBoxLayout(self), row(self.shape_button, (QLabel("STL · OBJ · PLY · VTK · VTI · npy · binvox"), 1)), 6,
             animation_form, row(self.turntable_button, self.interpolation_button, None), self.note, None)
        self.set_ready(False, False)

    def set_ready(self, shape: bool, interpolation: bool) -> None:
        self.shape_button.setEnabled(shape)
        self.turntable_button.setEnabled(shape)
        self.interpolation_button.setEnabled(interpolation)

    def _ask_shape(self) -> None:
        target = ask_save(self, "Save the shape", "shape.stl", SHAPE_FILTERS)
        if target is not None:
            self.shape_export.emit(target)

    def _ask_turntable(self) -> None:
        target = ask_save(self, "Save a turntable animation", "turntable.gif", ANIMATION_FILTERS)
        if target is not None:
            self.turntable_export.emit(target)

    def _ask_interpolation(self) -> None:
        target = ask_save(self, "Save the interpolation", "interpolation.gif", (*ANIMATION_FILTERS, STRIP_FILTER))
        if target is not None:
            self.interpolation_export.emit(target)
