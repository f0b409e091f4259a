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

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from workbench.gui.panels.checkpoint_panel import CheckpointPanel
from workbench.gui.panels.voxels import exports
from workbench.gui.panels.voxels.export_box import ExportBox
from workbench.gui.panels.voxels.gallery import SampleGallery
from workbench.gui.panels.voxels.interpolation_box import InterpolationBox
from workbench.gui.panels.voxels.nearest_box import NearestBox
from workbench.gui.panels.voxels.shapes import ShapeFlow
from workbench.gui.panels.voxels.silhouette_box import SilhouetteBox
from workbench.gui.panels.voxels.view import VoxelView
from workbench.gui.widgets.scrolling_tabs import ScrollingTabs
from workbench.methods.capabilities import VoxelGenerator
from workbench.runs import Run, Workspace


class VoxelsPanel(CheckpointPanel):
    """Consumes the selected Run (`show_run`); shows, compares, interpolates and exports its voxel shapes."""

    loading_text = "<h3>Loading…</h3>Reading the latest checkpoint and the training shapes, starting the 3D view."
    capability = VoxelGenerator
    kind, does = "voxel", "generate voxel grids"
    purpose = "to view its shapes in 3D, compare them with the training shapes, interpolate and export them"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="voxel", also=("ValueError: ",))
        self.model: Any = None  # workbench.voxels.model.VoxelModel once loaded
        self.last_written: Path | None = None
        self._camera_shared = False  # the nearest-shape view follows the main view's camera
        self.setObjectName("voxel-panel")
        self.shapes = ShapeFlow(self)

        # the 3D view and the nearest training shape, side by side
        self.view = VoxelView()
        self.view.threshold_changed.connect(lambda _t: self.shapes.threshold_changed())
        self.view.style_changed.connect(lambda _s: self.shapes.restyle())
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
        self.gallery.seed_chosen.connect(self.shapes.show_seed)
        self.gallery.page_requested.connect(self.shapes.render_gallery)
        samples = QGroupBox("Samples")
        samples.setObjectName("voxel-samples")
        samples_layout = QVBoxLayout(samples)
        samples_layout.setContentsMargins(6, 6, 6, 6)
        samples_layout.addWidget(self.gallery)
        self.interpolation = InterpolationBox()
        self.interpolation.end_requested.connect(self.set_end)
        self.interpolation.t_changed.connect(lambda _t: self.shapes.show_interpolation())
        self.interpolation.mode_changed.connect(lambda _m: self.shapes.show_interpolation())
        self.silhouette = SilhouetteBox()
        self.silhouette.file_chosen.connect(self.open_silhouette)
        self.export = ExportBox()
        self.export.shape_export.connect(self.export_shape_to)
        self.export.turntable_export.connect(self.export_turntable_to)
        self.export.interpolation_export.connect(self.export_interpolation_to)
        self.tools = ScrollingTabs()  # its pages scroll on a small screen
        self.tools.setObjectName("voxel-tools")
        self.tools.addTab(self.interpolation, "Interpolate")
        self.tools.addTab(self.silhouette, "Silhouette → shape")
        self.tools.addTab(self.export, "Export")
        right = QWidget()
        right.setObjectName("voxel-right")
        right.setMinimumWidth(330)  # three thumbnails a row on a laptop screen, four from 400 px
        right.setMaximumWidth(420)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(samples, 1)
        right_layout.addWidget(self.tools, 1)

        content = QSplitter(Qt.Orientation.Horizontal)
        content.setObjectName("voxel-content")
        content.addWidget(left)
        content.addWidget(right)
        content.setStretchFactor(0, 1)
        content.setChildrenCollapsible(False)
        content.setSizes([1000, 400])
        self.set_content(content)
        self.show_run(None)

    # ---- what the tests and scripts drive ------------------------------------------------------------------
    @property
    def current(self) -> Any:
        """The ShapeResult on view (None before the first shape)."""
        return self.shapes.current

    @property
    def ends(self) -> dict[str, tuple[Any, str]]:
        return self.shapes.ends

    def set_end(self, end: str) -> None:
        self.shapes.set_end(end)

    def open_silhouette(self, path: Path) -> None:
        self.shapes.open_silhouette(path)

    def export_shape_to(self, path: Path) -> None:
        exports.export_shape(self, path)

    def export_turntable_to(self, path: Path) -> None:
        exports.export_turntable(self, path)

    def export_interpolation_to(self, path: Path) -> None:
        exports.export_interpolation(self, path)

    def written(self, path: Path) -> None:
        self.last_written = Path(path)
        self.export.note.setText(f"Wrote {path}")
        self.status_label.setText(f"Wrote {Path(path).name}.")

    # ---- the selected run --------------------------------------------------------------------------------
    def has_model(self) -> bool:
        return self.model is not None or self.loading

    def start_load(self, run: Run) -> None:
        def work() -> Any:
            import pyvista  # noqa: F401 - VTK's import (~1 s) here, not in the GUI thread

            from workbench.voxels.model import VoxelModel

            return VoxelModel.from_run(run)

        self.tasks.start(work, self._loaded, on_failed=self.load_failed)

    def _loaded(self, model: Any) -> None:
        self.model = model
        self.update_exports()
        self.shapes.start(model)
        self.loaded_title(model.describe())
        self._start_views(model)
        self.gallery.set_enabled(True)
        self.silhouette.set_encoder(model.has_encoder)
        self.status_label.setText("Checkpoint loaded.")
        self.gallery.request_page(self.gallery.start)
        self.shapes.show_seed(self.gallery.seed())

    def _start_views(self, model: Any) -> None:
        """Make the interactors (first load), share the main camera with the nearest-shape view, frame the grid."""
        if self.view.ensure_canvas() and not self._camera_shared and self.nearest.canvas.ensure():
            main = self.view.canvas.plotter
            self.nearest.canvas.plotter.renderer.camera = main.renderer.camera  # turning one turns both
            main.iren.add_observer("EndInteractionEvent", lambda *_args: self.nearest.canvas.render())
            self._camera_shared = True
        self.view.set_resolution(model.resolution)
        if not model.has_dataset:
            self.nearest.clear("This run's training shapes could not be read.")

    def unload(self) -> None:
        super().unload()  # results of tasks on the previous model are dropped
        self.model = None
        self.shapes.reset()
        self.gallery.clear()
        self.gallery.set_enabled(False)
        self.interpolation.clear_ends()
        self.silhouette.set_encoder(None)
        self.nearest.clear()
        self.view.caption.clear()
        if self.view.canvas.ready:
            self.view.show_mesh(None, self.view.style())
        self.update_exports()

    def update_exports(self) -> None:
        both = self.model is not None and all(end in self.shapes.ends for end in ("A", "B"))
        self.export.set_ready(self.model is not None and self.shapes.current is not None, both)
        self.interpolation.set_ready(both)

    # ---- background work ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.shapes.busy

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the shape worker and release the 3D views (the window is closing)."""
        self.shapes.shutdown(timeout)
        self.view.canvas.close_view()
        self.nearest.canvas.close_view()

    def drop_files(self, paths: list[Path]) -> None:
        if len(paths) > 1:
            self.status_label.setText(f"Using {paths[0].name}; one silhouette at a time.")
        self.open_silhouette(paths[0])
