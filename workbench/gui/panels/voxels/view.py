"""The Voxels tab's main view: display controls above the interactor, a status line beneath.

Controls: smooth surface or cubes, the occupancy threshold (a slider whose moves are coalesced: the newest
value wins after a short quiet spell, so a drag re-meshes a few times, not fifty), anti-aliasing (off by
default: software OpenGL draws several times faster without it), axes with the grid's box, and a camera
reset. The status line names the OpenGL renderer (e.g. llvmpipe, Mesa's software renderer) and the last
decode, mesh and render times, so a slow view can be told from a slow model.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.voxels.canvas import ShapeCanvas
from workbench.gui.widgets.factory import button, checkbox, choice, fill, hint, label, row, single_shot, slider

COALESCE_MS = 40  # slider moves within this quiet spell are merged; the newest value wins
STYLES = (("Smooth surface", "surface"), ("Cubes", "cubes"))


class VoxelView(QWidget):
    """Display controls, the main interactor and the status line."""

    threshold_changed = Signal(float)  # coalesced
    style_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voxel-view")
        self.resolution = 32  # the grid side of the loaded model
        self.mesh: Any = None  # the mesh on view (the camera reset frames it)
        self._axes_actor: Any = None

        self.style_combo = choice([(text, style) for text, style in STYLES], "voxel-style", "Smooth surface: the "
                                  "iso-surface of the occupancy at the threshold (flying edges, lightly smoothed). "
                                  "Cubes: every voxel at or above the threshold as a cube, exactly what the generator "
                                  "produced.", lambda _i: self.style_changed.emit(self.style()))
        self.threshold_slider = slider(1, 99, 50, "voxel-threshold", "Occupancy threshold: a voxel is part of the "
                                       "shape when the generator's occupancy is at least this (0.5 as in training)")
        self.threshold_slider.setMinimumWidth(80)
        self.threshold_label = label("0.50", "voxel-threshold-value")
        self.threshold_label.setMinimumWidth(32)
        self._threshold_timer = single_shot(self, COALESCE_MS, lambda: self.threshold_changed.emit(self.threshold()))
        self.threshold_slider.valueChanged.connect(self._threshold_moved)
        self.aa_box = checkbox("Anti-aliasing", "voxel-antialiasing", "Smooth the edges (FXAA). Off by default: a "
                               "software renderer draws faster without", self._anti_aliasing_toggled)
        self.axes_box = checkbox("Axes", "voxel-axes", "Show the orientation axes (x right, y up, z towards the front) "
                                 "and the grid's box", self._axes_toggled, checked=True)
        self.reset_button = button("Reset camera", "voxel-reset-camera", "Back to the three-quarter view of the whole "
                                   "shape (drag to turn, wheel to zoom, shift-drag to pan)", self.reset_camera)

        self.canvas = ShapeCanvas("voxel-canvas", "The 3D view starts when a voxel run is loaded.")
        self.canvas.setMinimumSize(320, 260)
        self.caption = label("", "voxel-caption", "font-weight: bold;", wrap=True)  # a long one must not widen the pane
        self.status = hint("", "voxel-render-status", small=True, selectable=True)
        controls = row(QLabel("Display"), self.style_combo, 12, QLabel("Threshold"), (self.threshold_slider, 1),
                       self.threshold_label, margins=0)
        view_controls = row(self.reset_button, self.axes_box, self.aa_box, 8, (self.status, 1), margins=0)
        fill(QVBoxLayout(self), controls, self.caption, (self.canvas, 1), view_controls, margins=0, spacing=4)

    # ---- values ----------------------------------------------------------------------------------------------
    def style(self) -> str:
        return self.style_combo.currentData()

    def set_style(self, style: str) -> None:
        self.style_combo.setCurrentIndex(self.style_combo.findData(style))

    def threshold(self) -> float:
        return self.threshold_slider.value() / 100

    def set_threshold(self, value: float) -> None:
        """Move the slider (the coalesced `threshold_changed` follows)."""
        self.threshold_slider.setValue(round(value * 100))

    def _threshold_moved(self, value: int) -> None:
        self.threshold_label.setText(f"{value / 100:.2f}")
        self._threshold_timer.start()  # restarted by every move: one signal after the drag pauses

    # ---- the interactor --------------------------------------------------------------------------------------
    def ensure_canvas(self) -> bool:
        """Start the interactor (first voxel run); False when this process cannot show OpenGL."""
        had = self.canvas.ready
        if not self.canvas.ensure():
            return False
        if not had:
            self.canvas.set_anti_aliasing(self.aa_box.isChecked())
            self._axes_toggled(self.axes_box.isChecked(), render=False)
        return True

    def set_resolution(self, resolution: int) -> None:
        """A model with grids of this side was loaded: redraw the grid's box."""
        self.resolution = resolution
        if self.canvas.ready:
            self._axes_toggled(self.axes_box.isChecked(), render=False)

    def show_mesh(self, mesh: Any, style: str, frame: bool = False) -> float:
        """Show `mesh`; with `frame`, also point the camera at it (the first shape of a model)."""
        self.mesh = mesh
        if frame:
            self.frame_shape()
        return self.canvas.show_mesh(mesh, style)

    def frame_shape(self) -> None:
        """The three-quarter view, far enough to see the shape on view whichever way it is turned, and at least
        the sphere inscribed in the grid: the shapes that follow (an interpolation, other seeds) stay in view
        even when the framed one is small."""
        from workbench.voxels.turntable import shape_radius

        radius = shape_radius([self.mesh] if self.mesh is not None else [], self.resolution)
        self.canvas.frame(max(radius, self.resolution / 2))

    def reset_camera(self) -> None:
        if self.canvas.ready:
            self.frame_shape()
            self.canvas.render()

    def _anti_aliasing_toggled(self, on: bool) -> None:
        self.canvas.set_anti_aliasing(on)
        self.canvas.render()

    def _axes_toggled(self, on: bool, render: bool = True) -> None:
        plotter = self.canvas.plotter
        if plotter is None:
            return
        import pyvista as pv

        if on:
            plotter.show_axes()
            half = self.resolution / 2
            box = pv.Box(bounds=(-half, half, -half, half, -half, half)).outline()
            plotter.add_mesh(box, color="#9aa3ad", line_width=1, name="grid-box", reset_camera=False, render=False,
                             pickable=False)
        else:
            plotter.hide_axes()
            plotter.remove_actor("grid-box", render=False)
        if render:
            self.canvas.render()
