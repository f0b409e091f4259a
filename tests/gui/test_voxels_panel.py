"""The Voxels tab on tiny trained 3D-GAN runs.

In this process (Qt offscreen, no OpenGL): the pane is built without importing pyvista, VTK or torch; runs that
are not voxel runs or have no checkpoint get their message; a voxel run loads, meshes and exports without the
3D view. In a subprocess on the X display (`QT_QPA_PLATFORM=xcb`, a real OpenGL context; skipped only without
DISPLAY): load, the threshold, surface/cubes, the interpolation slider, exports, a dropped silhouette, and the
interactors' own pictures. This file is also the subprocess's script (`python test_voxels_panel.py WS RUN OUT`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

TIMEOUT = 120_000
TINY = {"data": "voxels3d", "image_size": 16, "steps": 2, "batch_size": 4, "latent_dim": 8}


def wait_idle(panel, qtbot, timeout: int = TIMEOUT) -> None:
    """No background task, no shape being made and no coalescing timer pending."""
    qtbot.waitUntil(lambda: not panel.busy and not panel.view._threshold_timer.isActive()
                    and not panel.interpolation._timer.isActive(), timeout=timeout)


def test_pane_builds_and_takes_a_selection_without_pyvista_vtk_or_torch(tmp_path):
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from workbench.gui.panels.voxels.panel import VoxelsPanel\n"
        "from workbench.runs import Workspace\n"
        "p = VoxelsPanel(Workspace(sys.argv[1])); p.resize(1300, 850); p.show(); app.processEvents()\n"
        "p.show_run(None); app.processEvents()\n"
        "heavy = sorted(m for m in ('torch', 'vtk', 'vtkmodules', 'pyvista', 'pyvistaqt') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert 'No run loaded' in p.placeholder.text()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr


def test_messages_for_no_run_other_methods_and_untrained_runs(qtbot, tiny_run, workspace):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.gui.panels.voxels.panel import VoxelsPanel
    from workbench.methods.registry import method_settings_class

    panel = VoxelsPanel(workspace)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.stack.currentWidget() is panel.placeholder and "No run loaded" in panel.placeholder.text()
    assert not panel.reload_button.isEnabled()

    panel.show_run(tiny_run("vae", steps=2))
    assert "Not a voxel run" in panel.placeholder.text()
    assert panel.error_label.isVisible() and "does not generate voxel grids" in panel.error_label.text()
    assert panel.model is None and not panel.reload_button.isEnabled() and not panel.loading

    settings = method_settings_class("gan3d")(latent_dim=8, g_channels=8, d_channels=8)
    config = RunConfig(settings, DataConfig(name="voxels3d", image_size=16, batch_size=4, channels=1),
                       TrainConfig(steps=2))
    panel.show_run(workspace.create_run(config, name="untrained"))
    assert "No checkpoint yet" in panel.placeholder.text() and not panel.error_label.isVisible()
    panel.shutdown()


def test_voxel_run_without_opengl_meshes_compares_and_exports(qtbot, tiny_run, workspace, tmp_path):
    """Offscreen Qt has no OpenGL: the view says so, and everything that needs no view still works."""
    from workbench.gui.panels.voxels.panel import VoxelsPanel

    run = tiny_run("gan3d", **TINY)
    panel = VoxelsPanel(workspace)
    qtbot.addWidget(panel)
    panel.resize(1300, 850)
    panel.show()
    panel.show_run(run)
    qtbot.waitUntil(lambda: panel.current is not None, timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    assert panel.stack.currentWidget() is panel.content
    assert "3D-GAN on voxels3d" in panel.title.text() and "16³ voxels" in panel.title.text()
    assert not panel.view.canvas.ready and "needs an OpenGL display" in panel.view.canvas.hint.text()
    assert "no OpenGL view" in panel.view.status.text() and "mesh" in panel.view.status.text()
    assert panel.current.grid.shape == (16, 16, 16) and panel.current.request.source == "seed 0"
    from workbench.gui.panels.voxels.gallery import PAGE

    assert panel.gallery.list.count() == PAGE  # the thumbnails were rendered off-screen
    qtbot.waitUntil(lambda: panel.nearest.iou is not None, timeout=TIMEOUT)
    assert 0.0 <= panel.nearest.iou <= 1.0 and "of 2,000 training shapes" in panel.nearest.detail.text()

    first = panel.current
    panel.view.set_threshold(0.2)
    wait_idle(panel, qtbot)
    assert panel.current is not first and panel.current.request.threshold == 0.2
    assert np.array_equal(panel.current.grid, first.grid)  # re-meshed, not decoded again
    assert panel.current.decode_ms == 0

    path = tmp_path / "shape.npy"
    panel.export_shape_to(path)
    wait_idle(panel, qtbot)
    assert np.array_equal(np.load(path, allow_pickle=False), first.grid >= 0.2)
    panel.open_silhouette(tmp_path / "anything.png")  # this run has no encoder: a note, not a crash
    assert "no image encoder" in panel.error_label.text()
    panel.shutdown()


def test_pane_in_a_real_opengl_context(tiny_run, tmp_path):
    import pytest

    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (DISPLAY unset): the 3D view needs a real OpenGL context; "
                    "scripts/test.sh runs the tests under xvfb-run")
    run = tiny_run("gan3d", image_encoder=True, **TINY)
    out = tmp_path / "out"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    result = subprocess.run([sys.executable, __file__, str(run.path.parent.parent), run.id, str(out)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == [], report["errors"]
    assert "llvmpipe" in report["renderer"] or report["renderer"] not in ("", "unknown")
    assert report["render_ms"] > 0 and "render" in report["status"]
    assert report["view_std"] > 3 and report["view_changed_with_style"]  # a shape is drawn, and redrawn as cubes
    assert report["nearest_std"] > 3 and 0 <= report["nearest_iou"] <= 1
    assert report["threshold_source"] == "seed 0" and report["threshold"] == 0.3
    assert report["interpolation_source"].startswith("A → B, t = 0.50")
    assert report["interpolation_between_ends"]
    assert report["silhouette_source"] == "silhouette drawing.png" and report["silhouette_shown"]
    for name in ("shape.stl", "shape.binvox", "turntable.gif", "interpolation.png"):
        assert (out / name).stat().st_size > 0, name
    import pyvista as pv
    from PIL import Image

    assert pv.read(out / "shape.stl").n_points > 0
    with Image.open(out / "turntable.gif") as gif:
        assert gif.n_frames == 6
    with Image.open(out / "interpolation.png") as strip:
        assert strip.size == (4 * 96 + 3 * 4, 96)


# ---- the subprocess: the pane with a real OpenGL context ---------------------------------------------------
def drive(workspace_root: str, run_id: str, out_dir: str) -> int:
    """Drive the pane through its features and write what happened to OUT/report.json; exit code 0 if it ran."""
    import time

    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from workbench.gui.panels.voxels.panel import VoxelsPanel
    from workbench.runs import Workspace

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(workspace_root)
    panel = VoxelsPanel(workspace)
    panel.resize(1300, 850)
    panel.show()
    errors: list[str] = []

    def wait(condition, timeout: float = 180) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the pane did not finish in time")
            app.processEvents()
            time.sleep(0.005)

    def idle() -> None:
        wait(lambda: not panel.busy and not panel.view._threshold_timer.isActive()
             and not panel.interpolation._timer.isActive())
        app.processEvents()
        if panel.error_label.isVisible():
            errors.append(panel.error_label.text())
            panel.clear_error()

    def picture(canvas) -> np.ndarray:  # noqa: ANN001
        return np.asarray(canvas.screenshot())

    report: dict = {}
    panel.show_run(workspace.run(run_id))
    wait(lambda: panel.current is not None)
    idle()
    wait(lambda: panel.nearest.iou is not None)
    idle()
    report["renderer"] = panel.view.canvas.renderer_name
    surface = picture(panel.view.canvas)
    report["view_std"] = float(surface.std())
    report["nearest_std"] = float(picture(panel.nearest.canvas).std())
    report["nearest_iou"] = panel.nearest.iou

    panel.view.set_threshold(0.3)
    idle()
    report["threshold"] = panel.current.request.threshold
    report["threshold_source"] = panel.current.request.source
    panel.view.set_style("cubes")
    idle()
    cubes = picture(panel.view.canvas)
    report["view_changed_with_style"] = bool(cubes.shape != surface.shape or np.abs(
        cubes.astype(int) - surface.astype(int)).mean() > 1)
    panel.view.aa_box.setChecked(True)  # anti-aliasing on and off again: it must not break the view
    panel.view.aa_box.setChecked(False)
    panel.view.axes_box.setChecked(False)
    panel.view.reset_camera()
    report["render_ms"] = panel.view.canvas.last_render_ms
    report["status"] = panel.view.status.text()

    panel.set_end("A")
    panel.gallery.set_seed(3)
    idle()
    panel.set_end("B")
    idle()
    za, zb = panel.ends["A"][0], panel.ends["B"][0]
    panel.interpolation.set_t(0.5)
    idle()
    report["interpolation_source"] = panel.current.request.source
    z = panel.current.z
    report["interpolation_between_ends"] = bool(not np.allclose(z, za) and not np.allclose(z, zb))

    panel.export.frames_spin.setValue(6)
    panel.export.steps_spin.setValue(4)
    panel.export.size_spin.setValue(96)
    panel.export_shape_to(out / "shape.stl")
    idle()
    panel.export_shape_to(out / "shape.binvox")
    idle()
    panel.export_turntable_to(out / "turntable.gif")
    idle()
    panel.export_interpolation_to(out / "interpolation.png")
    idle()

    from PIL import Image

    drawing = np.full((48, 48), 255, np.uint8)
    drawing[8:40, 14:34] = 0
    Image.fromarray(drawing).save(out / "drawing.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(out / "drawing.png"))])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    idle()
    wait(lambda: panel.current.request.source.startswith("silhouette"))
    idle()
    report["silhouette_source"] = panel.current.request.source
    report["silhouette_shown"] = panel.silhouette.shape_picture.pixmap() is not None and \
        not panel.silhouette.shape_picture.pixmap().isNull()
    report["errors"] = errors
    panel.grab().save(str(out / "pane.png"))
    panel.view.canvas.screenshot(str(out / "view.png"))
    (out / "report.json").write_text(json.dumps(report, indent=1))
    panel.shutdown()
    panel.close()
    return 0


if __name__ == "__main__":
    sys.exit(drive(*sys.argv[1:4]))
