"""Voxels tab: look at what a trained voxel generator (3D-GAN) makes, turn it in 3D, compare it with the training
shapes, walk its latent space and export shapes and animations.

A header names the selected run, its method, data and checkpoint step. The main view is an embedded pyvistaqt
interactor (drag to turn, wheel to zoom) showing the current shape as a smooth surface or as cubes, with an
occupancy threshold, anti-aliasing (off by default), axes and a camera reset; its status line names the OpenGL
renderer and the last decode, mesh and render times. Beside it a smaller view shows the nearest training shape
by IoU, to check memorization. On the right: samples by seed with a gallery of thumbnails, and tabs for latent
interpolation between two picked shapes (the view follows the slider), silhouette pictures → shapes (runs with
the image encoder) and exports (STL, OBJ, PLY, VTK, VTI, npy, binvox; turntable and interpolation as GIF, MP4 or
a PNG strip).

Decoding and meshing run on one worker thread that always takes the newest request (`ShapeWorker`); slider
moves are coalesced; the view draws only when something changed. The window builds this pane at start-up
without importing torch, pyvista or VTK: the model and the 3D view are made when a voxel run is loaded while
the tab is shown.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.config import ConfigError
from workbench.gui.panels.run_header import (
    missing_checkpoint_placeholder,
    run_checkpoint_step,
    run_method_name,
    run_title_html,
)
from workbench.gui.panels.voxels.export_box import ExportBox
from workbench.gui.panels.voxels.gallery import THUMBNAIL, SampleGallery
from workbench.gui.panels.voxels.interpolation_box import InterpolationBox
from workbench.gui.panels.voxels.nearest_box import RUNNER_UP_SIZE, RUNNERS_UP, NearestBox
from workbench.gui.panels.voxels.silhouette_box import NO_ENCODER, SilhouetteBox
from workbench.gui.panels.voxels.view import VoxelView
from workbench.runs import Run, Workspace

ERROR_STYLE = "color: #c62828;"
METHOD_NAMES = {"gan3d": "3D-GAN"}
NO_RUN_TEXT = ("<h3>No run loaded</h3>Select a 3D-GAN run in the Runs list: its latest checkpoint is loaded here "
               "to view its shapes in 3D, compare them with the training shapes, interpolate and export them.")
NEAREST_DELAY_MS = 250  # the nearest-shape search waits until the shape has settled (not during a drag)
END_THUMBNAIL = 64


def _is_voxel_method(name: str) -> bool:
    from workbench.methods.registry import method_spec

    try:
        return "voxels" in method_spec(name).capabilities
    except ConfigError:
        return False


class VoxelsPanel(QWidget):
    """Consumes the selected Run (`show_run`); shows, compares, interpolates and exports its voxel shapes."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None
        self.model: Any = None  # workbench.voxels.model.VoxelModel once loaded
        self.worker: Any = None  # ShapeWorker, made with the first model
        self.current: Any = None  # the ShapeResult on view
        self.ends: dict[str, tuple[np.ndarray, str]] = {}  # interpolation ends: code and what it is
        self.loading = False
        self.last_written: Path | None = None
        self.silhouette_read: np.ndarray | None = None  # the last silhouette as the encoder read it
        self._pending = False  # a selected run waits to be loaded until the pane is shown
        self._generation = 0  # bumped on every load or selection: late results of older ones are dropped
        self._first_valid_shape = 0  # shape results with a smaller request id belong to an older model
        self._framed = False  # the camera was framed for the loaded model
        self._camera_shared = False  # the nearest-shape view follows the main view's camera
        self._nearest_request = 0
        self._tasks = 0
        self.setAcceptDrops(True)
        self.setObjectName("voxel-panel")

        self.title = QLabel()
        self.title.setObjectName("voxel-title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reload_button = QPushButton("Reload checkpoint")
        self.reload_button.setObjectName("voxel-reload")
        self.reload_button.setToolTip("(Re)load the selected run's latest checkpoint, e.g. after more training")
        self.reload_button.clicked.connect(self.load)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("voxel-busy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("voxel-status")
        self.status_label.setStyleSheet("color: palette(mid);")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QGroupBox()
        header.setObjectName("voxel-header")
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(8, 4, 8, 4)
        header_layout.addWidget(self.title, 3)
        header_layout.addWidget(self.status_label, 1)
        header_layout.addWidget(self.busy_bar)
        header_layout.addWidget(self.reload_button)

        self.error_label = QLabel()
        self.error_label.setObjectName("voxel-error")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_close = QToolButton()
        self.error_close.setText("×")
        self.error_close.setToolTip("Dismiss")
        self.error_close.clicked.connect(self.clear_error)
        messages = QHBoxLayout()
        messages.addWidget(self.error_label, 1)
        messages.addWidget(self.error_close)

        # the 3D view and the nearest training shape, side by side
        self.view = VoxelView()
        self.view.threshold_changed.connect(lambda _t: self._threshold_changed())
        self.view.style_changed.connect(lambda _s: self._restyle())
        self.nearest = NearestBox()
        self.nearest.setFixedWidth(250)
        left = QWidget()
        left.setObjectName("voxel-left")
        left_layout = QHBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.nearest)

        # samples, interpolation, silhouettes, exports
        self.gallery = SampleGallery()
        self.gallery.seed_chosen.connect(self.show_seed)
        self.gallery.page_requested.connect(self._render_gallery)
        samples = QGroupBox("Samples")
        samples.setObjectName("voxel-samples")
        samples_layout = QVBoxLayout(samples)
        samples_layout.setContentsMargins(6, 6, 6, 6)
        samples_layout.addWidget(self.gallery)
        self.interpolation = InterpolationBox()
        self.interpolation.end_requested.connect(self.set_end)
        self.interpolation.t_changed.connect(lambda _t: self.show_interpolation())
        self.interpolation.mode_changed.connect(lambda _m: self.show_interpolation())
        self.silhouette = SilhouetteBox()
        self.silhouette.file_chosen.connect(self.open_silhouette)
        self.export = ExportBox()
        self.export.shape_export.connect(self.export_shape_to)
        self.export.turntable_export.connect(self.export_turntable_to)
        self.export.interpolation_export.connect(self.export_interpolation_to)
        self.tools = QTabWidget()
        self.tools.setObjectName("voxel-tools")
        self.tools.addTab(self.interpolation, "Interpolate")
        self.tools.addTab(self.silhouette, "Silhouette → shape")
        self.tools.addTab(self.export, "Export")
        right = QWidget()
        right.setObjectName("voxel-right")
        right.setFixedWidth(400)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(samples)
        right_layout.addWidget(self.tools, 1)

        self.content = QSplitter(Qt.Orientation.Horizontal)
        self.content.setObjectName("voxel-content")
        self.content.addWidget(left)
        self.content.addWidget(right)
        self.content.setStretchFactor(0, 1)
        self.content.setChildrenCollapsible(False)

        self.placeholder = QLabel()
        self.placeholder.setObjectName("voxel-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 32px; font-size: 14px;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.content)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(messages)
        layout.addWidget(self.stack, 1)

        self._nearest_timer = QTimer(self)
        self._nearest_timer.setSingleShot(True)
        self._nearest_timer.setInterval(NEAREST_DELAY_MS)
        self._nearest_timer.timeout.connect(self.update_nearest)
        self.clear_error()
        self.show_run(None)

    # ---- the selected run --------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.show_run(None)

    def show_run(self, run: Run | None) -> None:
        """Select `run`: loaded now if the pane is visible, else when it is first shown."""
        if run is not None and self.run is not None and run.path == self.run.path and \
                (self.model is not None or self.loading):
            return  # already loaded or loading; "Reload checkpoint" reloads
        self.run = run
        self.clear_error()
        self._set_model(None)
        self.loading = False
        self._pending = False
        if run is None:
            self.title.setText("<b>No run selected</b>")
            self._set_placeholder(NO_RUN_TEXT)
            self._update_buttons()
            return
        self.title.setText(self._run_title())
        method = self._method_name()
        if method is None:
            self._set_placeholder("<h3>Cannot read this run</h3>See the message above.")
            self.show_error(f"Cannot read the configuration of run {run.id}.")
        elif not _is_voxel_method(method):
            self._set_placeholder(f"<h3>Not a voxel run</h3>{html.escape(run.id)} trains {html.escape(method)}, "
                                  "which generates images, not 3D shapes. Select a 3D-GAN (gan3d) run to view its "
                                  "shapes here.")
            self.show_error(f"Run {run.id} trains {method!r}, which does not generate voxel grids: select a 3D-GAN "
                            "(gan3d) run.")
        elif self._checkpoint_step() is None:
            self._set_placeholder(missing_checkpoint_placeholder(run))
        else:
            self._pending = True
            self._set_placeholder("<h3>Not loaded yet</h3>The latest checkpoint is loaded when this tab is shown.")
            if self.isVisible():
                self.load()
        self._update_buttons()

    def load(self) -> None:
        """(Re)load the selected run's latest checkpoint in the background, then start the 3D view."""
        if self.run is None:
            return
        self._pending = False
        self.clear_error()
        self._set_model(None)
        self.loading = True
        self.title.setText(self._run_title())
        self._set_placeholder("<h3>Loading…</h3>Reading the latest checkpoint and the training shapes, starting the "
                              "3D view.")
        run = self.run

        def work() -> Any:
            import pyvista  # noqa: F401 - VTK's import (~1 s) here, not in the GUI thread

            from workbench.voxels.model import VoxelModel

            return VoxelModel.from_run(run)

        self._start_task(work, self._loaded, "", on_failed=self._load_failed, new_generation=True)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._pending:
            self.load()

    def _loaded(self, model: Any) -> None:
        from workbench.gui.panels.voxels.shape_worker import ShapeWorker

        self.loading = False
        self._set_model(model)
        if self.worker is None:
            self.worker = ShapeWorker(self)
            self.worker.ready.connect(self._shape_ready)
            self.worker.failed.connect(self._shape_failed)
        self.worker.model = model
        self._first_valid_shape = self.worker.latest_id + 1
        self.title.setText(f"{self._run_title()}<br><span style='color: palette(mid)'>"
                           f"{html.escape(model.describe())}</span>")
        self.stack.setCurrentWidget(self.content)
        self._start_views(model)
        self.gallery.set_enabled(True)
        self.silhouette.set_encoder(model.has_encoder)
        self.status_label.setText("Checkpoint loaded.")
        self.gallery.request_page(self.gallery.start)
        self.show_seed(self.gallery.seed())
        self._update_buttons()

    def _start_views(self, model: Any) -> None:
        """Make the interactors (first load), share the main camera with the nearest-shape view, frame the grid."""
        if self.view.ensure_canvas() and not self._camera_shared and self.nearest.canvas.ensure():
            main = self.view.canvas.plotter
            self.nearest.canvas.plotter.renderer.camera = main.renderer.camera  # turning one turns both
            main.iren.add_observer("EndInteractionEvent", lambda *_args: self.nearest.canvas.render())
            self._camera_shared = True
        self.view.set_resolution(model.resolution)
        self._framed = False
        if not model.has_dataset:
            self.nearest.clear("This run's training shapes could not be read.")

    def _load_failed(self, _message: str, _details: str) -> None:
        self.loading = False
        self._set_placeholder("<h3>Could not load this run</h3>See the message above.")
        self._update_buttons()

    def _set_model(self, model: Any) -> None:
        if model is None:
            self._generation += 1  # results of tasks on the previous model are dropped
            self.current = None
            self.ends = {}
            self.silhouette_read = None
            self.gallery.clear()
            self.gallery.set_enabled(False)
            self.interpolation.clear_ends()
            self.silhouette.set_encoder(None)
            self.nearest.clear()
            self.view.caption.clear()
            if self.worker is not None:
                self.worker.model = None
                self._first_valid_shape = self.worker.latest_id + 1
            if self.view.canvas.ready:
                self.view.show_mesh(None, self.view.style())
        self.model = model
        self._update_exports()

    def _method_name(self) -> str | None:
        return run_method_name(self.run)

    def _checkpoint_step(self) -> int | None:
        return run_checkpoint_step(self.run)

    def _run_title(self) -> str:
        return run_title_html(self.run, METHOD_NAMES)

    def _set_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def _update_buttons(self) -> None:
        self.reload_button.setEnabled(self.run is not None and not self.loading and self._checkpoint_step() is not None
                                      and _is_voxel_method(self._method_name() or ""))

    def _update_exports(self) -> None:
        both = self.model is not None and all(end in self.ends for end in ("A", "B"))
        self.export.set_ready(self.model is not None and self.current is not None, both)
        self.interpolation.set_ready(both)

    # ---- shapes: seeds, interpolation, silhouettes ----------------------------------------------------------
    def show_seed(self, seed: int) -> None:
        """Show the prior sample with this seed."""
        if self.model is None:
            return
        self.request_shape(self.model.prior(1, seed=int(seed))[0], source=f"seed {seed}")

    def request_shape(self, z: np.ndarray | None = None, grid: np.ndarray | None = None, source: str = "") -> None:
        """Decode `z` (or take `grid`) and mesh it on the worker thread; the newest request wins."""
        from workbench.gui.panels.voxels.shape_worker import ShapeRequest

        if self.worker is None or self.model is None:
            return
        self.worker.submit(ShapeRequest(z=None if z is None else np.asarray(z, np.float32).reshape(-1), grid=grid,
                                        threshold=self.view.threshold(), style=self.view.style(), source=source))
        self._busy_changed()

    def _restyle(self) -> None:
        """The threshold or the display changed: mesh the shown grid again (no decoding)."""
        if self.current is not None:
            self.request_shape(self.current.z, grid=self.current.grid, source=self.current.request.source)

    def _threshold_changed(self) -> None:
        """Mesh the shown grid at the new threshold, and draw the gallery's samples at it too."""
        self._restyle()
        if self.model is not None:
            self.gallery.request_page(self.gallery.start)

    def show_interpolation(self) -> None:
        """Show the code at the slider's t between ends A and B."""
        if self.model is None or not all(end in self.ends for end in ("A", "B")):
            return
        t, mode = self.interpolation.t(), self.interpolation.mode()
        z = self.model.interpolate(self.ends["A"][0], self.ends["B"][0], t, mode=mode)
        self.request_shape(z, source=f"A → B, t = {t:.2f} ({mode})")

    def set_end(self, end: str) -> None:
        """Make the shape on view end A or B of the interpolation."""
        from workbench.data.voxel_render import render_thumbnails

        current = self.current
        if current is None or current.z is None:
            self.show_error("Show a shape first (a seed or a silhouette): its code becomes the end.")
            return
        source = current.request.source
        self.ends[end] = (np.asarray(current.z, np.float32).copy(), source)
        self.interpolation.set_end(end, source)
        self._update_exports()
        grid, threshold = current.grid, current.request.threshold
        self._start_task(lambda: render_thumbnails(grid[None], size=END_THUMBNAIL, threshold=threshold)[0],
                         lambda picture: self.interpolation.set_end(end, source, picture), "")
        if all(e in self.ends for e in ("A", "B")):
            self.interpolation.hint.setText(f"A: {self.ends['A'][1]} · B: {self.ends['B'][1]}. Move the slider: the "
                                            "3D view decodes each step.")

    def open_silhouette(self, path: Path) -> None:
        """Turn a silhouette picture into a shape with the run's image encoder (background)."""
        path = Path(path)
        if self.model is None:
            self.show_error("Load a 3D-GAN run first: silhouettes are turned into shapes by its image encoder.")
            return
        if not self.model.has_encoder:
            self.tools.setCurrentWidget(self.silhouette)
            self.show_error(NO_ENCODER)
            return
        model = self.model

        def work() -> Any:
            from PIL import Image, UnidentifiedImageError

            try:
                with Image.open(path) as image:
                    picture = np.asarray(image.convert("RGB"))
            except (OSError, UnidentifiedImageError) as err:
                raise ValueError(f"{path.name} could not be read as an image: {err}") from None
            return model.silhouette_image(picture), model.encode_silhouette(picture)

        def done(value: Any) -> None:
            read, z = value
            self.silhouette_read = read
            self.tools.setCurrentWidget(self.silhouette)
            self.silhouette.show_pictures(read, np.full_like(read, -1.0))
            self.request_shape(z, source=f"silhouette {path.name}")

        self._start_task(work, done, f"Encoding {path.name}")

    # ---- results ---------------------------------------------------------------------------------------------
    def _shape_ready(self, result: Any) -> None:
        self._busy_changed()
        if result.request_id < self._first_valid_shape or self.model is None:
            return  # made for a model that is no longer loaded
        self.current = result
        view = self.view
        frame = view.canvas.ready and not self._framed and result.occupied > 0  # the first shape that has one
        self._framed = self._framed or frame
        try:
            render_ms = view.show_mesh(result.mesh, result.request.style, frame=frame)
        except Exception as err:  # noqa: BLE001 - a drawing failure is shown; the pane and the app carry on
            import traceback

            render_ms = 0.0
            self.show_error(f"The 3D view could not draw this shape: {type(err).__name__}: {err}",
                            traceback.format_exc())
        threshold = result.request.threshold
        side = self.model.resolution
        if result.occupied:
            view.caption.setText(f"{result.request.source} · {side}³ grid · {result.occupied:,} voxels ≥ "
                                 f"{threshold:.2f}")
        else:
            view.caption.setText(f"{result.request.source} · {side}³ grid · empty at {threshold:.2f}: the highest "
                                 f"occupancy is {float(result.grid.max()):.2f}; lower the threshold below it")
        self.show_timings(result, render_ms)
        if result.request.source.startswith("silhouette") and self.silhouette_read is not None:
            self.silhouette.show_pictures(self.silhouette_read, self.model.silhouettes(result.grid[None])[0])
        self._update_exports()
        self._nearest_timer.start()

    def show_timings(self, result: Any, render_ms: float) -> None:
        """The status line under the view: renderer, what was computed and how long each part took."""
        from workbench.voxels.meshing import mesh_triangles

        canvas = self.view.canvas
        renderer = canvas.renderer_name or ("no OpenGL view" if canvas.failure else "3D view not started")
        parts = [f"OpenGL: {renderer}"]
        if result.decode_ms:
            parts.append(f"decode {result.decode_ms:.0f} ms")
        what = "triangles" if result.request.style == "surface" else "cubes"
        parts.append(f"mesh {result.mesh_ms:.0f} ms ({mesh_triangles(result.mesh):,} {what})")
        if canvas.ready:
            parts.append(f"render {render_ms:.0f} ms" + (" (anti-aliased)" if canvas.anti_aliasing else ""))
        self.view.status.setText(" · ".join(parts))

    def _shape_failed(self, message: str, details: str) -> None:
        self._busy_changed()
        self.show_error(_clean(message), details)

    def update_nearest(self) -> None:
        """Find the training shape nearest to the one on view (background) and show it beside it."""
        from workbench.voxels.turntable import build_mesh

        current, model = self.current, self.model
        if current is None or model is None or not model.has_dataset:
            return
        self._nearest_request += 1
        request = self._nearest_request
        if current.occupied == 0:
            self.nearest.clear("Nothing to compare: the shape is empty at this threshold.")
            return
        style, threshold = current.request.style, current.request.threshold
        self.nearest.set_searching()

        def work() -> Any:
            from workbench.data.voxel_render import render_thumbnails

            found = model.nearest_training_shapes(current.grid, k=1 + RUNNERS_UP, threshold=threshold)
            index, iou, grid = found[0]
            pictures = render_thumbnails(np.stack([g for _i, _iou, g in found[1:]]), size=RUNNER_UP_SIZE) \
                if len(found) > 1 else []
            runners = [(i, u, model.training_label(i), picture)
                       for (i, u, _g), picture in zip(found[1:], pictures, strict=True)]
            return index, iou, model.training_label(index), build_mesh(grid, style, 0.5), runners

        def done(value: Any) -> None:
            if request != self._nearest_request:
                return  # a newer shape is being compared
            index, iou, label, mesh, runners = value
            self.nearest.show_result(index, iou, label, mesh, style, model.training_size())
            self.nearest.show_runners_up(runners)

        self._start_task(work, done, "")

    # ---- gallery ---------------------------------------------------------------------------------------------
    def _render_gallery(self, start: int) -> None:
        from workbench.data.voxel_render import render_thumbnails

        model = self.model
        if model is None:
            return
        seeds = list(range(start, start + len(self.gallery.seeds())))
        threshold = self.view.threshold()

        def work() -> Any:
            codes = np.stack([model.prior(1, seed=s)[0] for s in seeds])
            grids = model.decode(codes)
            empty = int(((grids >= threshold).reshape(len(grids), -1).sum(axis=1) == 0).sum())
            note = ""
            if empty:
                note = (f"{empty} of {len(grids)} samples are empty at the threshold {threshold:.2f} (drawn as ✕; "
                        f"the highest occupancy on this page is {float(grids.max()):.2f}): lower the threshold, or "
                        "train the run longer.")
            return render_thumbnails(grids, size=THUMBNAIL, threshold=threshold), note

        self._start_task(work, lambda value: self.gallery.set_thumbnails(start, *value), "")

    # ---- exports ---------------------------------------------------------------------------------------------
    def export_shape_to(self, path: Path) -> None:
        """Write the shown shape (format by the suffix; meshes as shown: surface or cubes) in the background."""
        from workbench.voxels.export import export_shape

        current = self.current
        if current is None:
            self.show_error("No shape to export yet.")
            return
        grid, threshold, style = current.grid, current.request.threshold, current.request.style
        self._start_task(lambda: export_shape(grid, path, threshold=threshold, style=style), self._written,
                         f"Writing {Path(path).name}")

    def export_turntable_to(self, path: Path) -> None:
        """Render the shown shape turning once (off-screen) and write a GIF or MP4."""
        from workbench.voxels.turntable import save_frames, turntable_frames

        current = self.current
        if current is None:
            self.show_error("No shape to export yet.")
            return
        grid, threshold, style = current.grid, current.request.threshold, current.request.style
        frames, size, fps = self.export.frames_spin.value(), self.export.size_spin.value(), self.export.fps_spin.value()
        anti_aliasing = self.view.aa_box.isChecked()
        if Path(path).suffix.lower() not in (".gif", ".mp4"):
            self.show_error(f"A turntable is written as .gif or .mp4, not {Path(path).name}.")
            return

        def work() -> Path:
            pictures = turntable_frames(grid, frames=frames, size=size, style=style, threshold=threshold,
                                        anti_aliasing=anti_aliasing)
            return save_frames(pictures, path, fps=fps)

        self._start_task(work, self._written, f"Rendering a {frames}-frame turntable")

    def export_interpolation_to(self, path: Path) -> None:
        """Decode the A → B path, render each step off-screen, write a GIF, MP4 or PNG strip."""
        from workbench.voxels.turntable import save_frames, sequence_frames

        model = self.model
        if model is None or not all(end in self.ends for end in ("A", "B")):
            self.show_error("Set ends A and B in the Interpolate tab first.")
            return
        za, zb = self.ends["A"][0], self.ends["B"][0]
        steps, size, fps = self.export.steps_spin.value(), self.export.size_spin.value(), self.export.fps_spin.value()
        mode, style, threshold = self.interpolation.mode(), self.view.style(), self.view.threshold()
        anti_aliasing = self.view.aa_box.isChecked()

        def work() -> Path:
            grids = model.decode(model.interpolate(za, zb, np.linspace(0.0, 1.0, steps), mode=mode))
            pictures = sequence_frames(grids, size=size, style=style, threshold=threshold, anti_aliasing=anti_aliasing)
            return save_frames(pictures, path, fps=fps)

        self._start_task(work, self._written, f"Rendering {steps} interpolation steps")

    def _written(self, path: Path) -> None:
        self.last_written = Path(path)
        self.export.note.setText(f"Wrote {path}")
        self.status_label.setText(f"Wrote {Path(path).name}.")

    # ---- background work ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._tasks > 0 or (self.worker is not None and self.worker.busy)

    def _busy_changed(self) -> None:
        self.busy_bar.setVisible(self.busy)

    def _start_task(self, work: Any, on_done: Any, what: str, on_failed: Any = None,
                    new_generation: bool = False) -> None:
        """Run `work()` on one torch thread in the background; `on_done(result)` unless the run changed."""
        from workbench.compat import one_torch_thread
        from workbench.gui.workers import BackgroundTask

        if new_generation:
            self._generation += 1
        generation = self._generation
        started = time.perf_counter()

        def wrapped() -> Any:
            with one_torch_thread():
                return work()

        def done(value: Any) -> None:
            self._task_ended()
            if generation == self._generation:
                on_done(value)
                if what:
                    self.status_label.setText(f"{what}: done in {time.perf_counter() - started:.1f} s.")

        def failed(message: str, details: str) -> None:
            self._task_ended()
            if generation != self._generation:
                return
            if on_failed is not None:
                on_failed(message, details)
            self.show_error(_clean(message), details)

        self._tasks += 1
        self._busy_changed()
        if what:
            self.status_label.setText(f"{what}…")
        task = BackgroundTask(wrapped, self)
        task.done.connect(done)
        task.failed.connect(failed)
        task.start()

    def _task_ended(self) -> None:
        self._tasks -= 1
        self._busy_changed()
        self._update_buttons()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the shape worker and release the 3D views (the window is closing)."""
        if self.worker is not None:
            self.worker.close(timeout)
        self.view.canvas.close_view()
        self.nearest.canvas.close_view()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # ---- messages ----------------------------------------------------------------------------------------
    def show_error(self, message: str, details: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(details[-3000:] if details else "")
        self.error_label.show()
        self.error_close.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.error_close.hide()

    # ---- drag and drop -----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        if paths:
            if len(paths) > 1:
                self.status_label.setText(f"Using {paths[0].name}; one silhouette at a time.")
            self.open_silhouette(paths[0])


def _clean(message: str) -> str:
    """Drop the exception type from messages of errors a user caused (their text is written for users)."""
    for prefix in ("VoxelError: ", "ConfigError: ", "FileNotFoundError: ", "ValueError: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
