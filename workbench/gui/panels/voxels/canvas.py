"""One embedded 3D view: a pyvistaqt QtInteractor that renders only when something changed.

The interactor is created on first use (`ensure`), not with the widget: pyvistaqt imports pyvista, VTK and
matplotlib (seconds, cold), and it needs a real OpenGL context. Under Qt's offscreen or minimal platforms (the
test process, a server without a display) no interactor is made; the canvas shows why, and everything else in
the pane keeps working. The interactor's own 5 Hz re-render timer is off (`auto_update=False`): a frame is
drawn after a new mesh, a camera reset or a display toggle, and by VTK itself while the mouse turns the view.
Multi-sampling is off; anti-aliasing (FXAA, a cheap post-pass) is a switch.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

NO_GL_PLATFORMS = ("offscreen", "minimal")


def gl_unavailable_reason() -> str:
    """Why no OpenGL view can be made in this process ("" when it can)."""
    platform = QGuiApplication.platformName()
    if platform in NO_GL_PLATFORMS:
        return (f"The 3D view needs an OpenGL display; Qt runs on the “{platform}” platform here. Exports, "
                "thumbnails and the nearest-shape search still work.")
    return ""


class ShapeCanvas(QWidget):
    """A QtInteractor (made on `ensure`) showing one mesh, with a hint label until then."""

    def __init__(self, name: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.plotter: Any = None  # pyvistaqt.QtInteractor once made
        self.renderer_name = ""
        self.last_render_ms = 0.0
        self.style = "surface"
        self.anti_aliasing = False
        self.failure = ""  # why the interactor could not be made
        self.hint = QLabel(hint)
        self.hint.setObjectName(f"{name}-hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid); padding: 12px;")
        self._layout = QStackedLayout(self)
        self._layout.addWidget(self.hint)

    @property
    def ready(self) -> bool:
        return self.plotter is not None

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)
        if self.plotter is None:
            self._layout.setCurrentWidget(self.hint)

    def ensure(self) -> bool:
        """Make the interactor if it does not exist yet; False (with `failure` set) when it cannot be made."""
        if self.plotter is not None:
            return True
        if self.failure:
            return False
        reason = gl_unavailable_reason()
        if reason:
            self.failure = reason
            self.set_hint(reason)
            return False
        try:
            from pyvistaqt import QtInteractor

            from workbench.voxels.turntable import BACKGROUND, opengl_renderer

            plotter = QtInteractor(self, auto_update=False, multi_samples=0)
            plotter.setObjectName(f"{self.objectName()}-interactor")
            plotter.setAcceptDrops(False)  # dropped files go to the pane (silhouettes), not into the scene
            plotter.set_background(BACKGROUND)
            plotter.enable_trackball_style()
            self._layout.addWidget(plotter)
            self._layout.setCurrentWidget(plotter)
            self.plotter = plotter
            self.renderer_name = opengl_renderer(plotter.ren_win)
        except Exception as err:  # noqa: BLE001 - no GL here: say so in the view, keep the app alive
            self.failure = f"The 3D view could not start: {type(err).__name__}: {err}"
            self.set_hint(self.failure)
            return False
        return True

    def show_mesh(self, mesh: Any, style: str) -> float:
        """Replace the shown shape (an empty mesh clears it) and draw; returns the render time in ms."""
        from workbench.voxels.turntable import add_shape

        if self.plotter is None:
            return 0.0
        self.style = style
        add_shape(self.plotter, mesh, style)
        return self.render()

    def render(self) -> float:
        """Draw one frame now; returns its time in ms (also kept in `last_render_ms`)."""
        if self.plotter is None:
            return 0.0
        start = time.perf_counter()
        self.plotter.render()
        self.last_render_ms = (time.perf_counter() - start) * 1000
        return self.last_render_ms

    def frame(self, radius: float) -> None:
        """The app's three-quarter view of a sphere of `radius` around the centre (the reset camera)."""
        from workbench.voxels.turntable import frame_camera

        if self.plotter is not None:
            frame_camera(self.plotter, radius)

    def set_anti_aliasing(self, on: bool) -> None:
        if self.plotter is None or on == self.anti_aliasing:
            self.anti_aliasing = on
            return
        self.anti_aliasing = on
        if on:
            self.plotter.enable_anti_aliasing("fxaa")
        else:
            self.plotter.disable_anti_aliasing()

    def screenshot(self, path: str | None = None) -> Any:
        """The interactor's own picture of the scene (uint8 H×W×3), also saved to `path` if given."""
        if self.plotter is None:
            return None
        return self.plotter.screenshot(path, return_img=True)

    def close_view(self) -> None:
        """Release the GL resources (the pane is closing)."""
        if self.plotter is not None:
            self.plotter.close()
            self.plotter = None
