"""The shape on view in the Voxels tab and everything that changes it: seeds, the threshold and display style,
interpolation between two ends, silhouettes, and the nearest training shape beside it.

`ShapeFlow` asks the `ShapeWorker` for a mesh (the newest request wins), draws the result in the main view,
writes its caption and timings, and then — once the shape has settled, not during a drag — looks for the
nearest training shape in the background. It also renders the gallery's page of seeded thumbnails. It works
on the pane's widgets and runs its background work through the pane's `TaskGroup`, so results that arrive
after another run was loaded are dropped.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from workbench.gui.panels.base import user_message
from workbench.gui.panels.voxels.gallery import THUMBNAIL
from workbench.gui.panels.voxels.nearest_box import RUNNER_UP_SIZE, RUNNERS_UP
from workbench.gui.panels.voxels.silhouette_box import NO_ENCODER
from workbench.gui.widgets.factory import single_shot

NEAREST_DELAY_MS = 250  # the nearest-shape search waits until the shape has settled (not during a drag)
END_THUMBNAIL = 64


class ShapeFlow(QObject):
    """The shape on view (`current`), the interpolation ends, and the work that makes and compares shapes."""

    def __init__(self, pane: Any) -> None:  # the VoxelsPanel whose widgets it drives
        super().__init__(pane)
        self.pane = pane
        self.worker: Any = None  # ShapeWorker, made with the first model
        self.current: Any = None  # the ShapeResult on view
        self.ends: dict[str, tuple[np.ndarray, str]] = {}  # interpolation ends: code and what it is
        self.silhouette_read: np.ndarray | None = None  # the last silhouette as the encoder read it
        self._framed = False  # the camera was framed for the loaded model
        self._nearest_request = 0
        self._nearest_timer = single_shot(self, NEAREST_DELAY_MS, self.update_nearest)

    @property
    def model(self) -> Any:  # workbench.voxels.model.VoxelModel | None
        return self.pane.model

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.busy

    def start(self, model: Any) -> None:
        """A model was loaded: shapes are decoded with it from now on."""
        from workbench.gui.panels.voxels.shape_worker import ShapeWorker

        if self.worker is None:
            self.worker = ShapeWorker(self)
            self.worker.ready.connect(self._shape_ready)
            self.worker.failed.connect(self._shape_failed)
        self.worker.model = model
        self._framed = False

    def reset(self) -> None:
        """The model is gone: forget the shape on view, the ends and shapes still being made."""
        self.current = None
        self.ends = {}
        self.silhouette_read = None
        if self.worker is not None:
            self.worker.model = None
            self.worker.discard()

    def shutdown(self, timeout: float) -> None:
        if self.worker is not None:
            self.worker.shutdown(timeout)

    # ---- requests --------------------------------------------------------------------------------------------
    def show_seed(self, seed: int) -> None:
        """Show the prior sample with this seed."""
        if self.model is not None:
            self.request_shape(self.model.prior(1, seed=int(seed))[0], source=f"seed {seed}")

    def request_shape(self, z: np.ndarray | None = None, grid: np.ndarray | None = None, source: str = "") -> None:
        """Decode `z` (or take `grid`) and mesh it on the worker thread; the newest request wins."""
        from workbench.gui.panels.voxels.shape_worker import ShapeRequest

        if self.worker is None or self.model is None:
            return
        view = self.pane.view
        self.worker.submit(ShapeRequest(z=None if z is None else np.asarray(z, np.float32).reshape(-1), grid=grid,
                                        threshold=view.threshold(), style=view.style(), source=source))
        self.pane.update_busy()

    def restyle(self) -> None:
        """The threshold or the display changed: mesh the shown grid again (no decoding)."""
        if self.current is not None:
            self.request_shape(self.current.z, grid=self.current.grid, source=self.current.request.source)

    def threshold_changed(self) -> None:
        """Mesh the shown grid at the new threshold, and draw the gallery's samples at it too."""
        self.restyle()
        if self.model is not None:
            self.pane.gallery.request_page(self.pane.gallery.start)

    def show_interpolation(self) -> None:
        """Show the code at the slider's t between ends A and B."""
        if self.model is None or not all(end in self.ends for end in ("A", "B")):
            return
        box = self.pane.interpolation
        t, mode = box.t(), box.mode()
        z = self.model.interpolate(self.ends["A"][0], self.ends["B"][0], t, mode=mode)
        self.request_shape(z, source=f"A → B, t = {t:.2f} ({mode})")

    def set_end(self, end: str) -> None:
        """Make the shape on view end A or B of the interpolation."""
        from workbench.data.voxel_render import render_thumbnails

        current, box = self.current, self.pane.interpolation
        if current is None or current.z is None:
            self.pane.show_error("Show a shape first (a seed or a silhouette): its code becomes the end.")
            return
        source = current.request.source
        self.ends[end] = (np.asarray(current.z, np.float32).copy(), source)
        box.set_end(end, source)
        self.pane.update_exports()
        grid, threshold = current.grid, current.request.threshold
        self.pane.tasks.start(lambda: render_thumbnails(grid[None], size=END_THUMBNAIL, threshold=threshold)[0],
                              lambda picture: box.set_end(end, source, picture))
        if all(e in self.ends for e in ("A", "B")):
            box.hint.setText(f"A: {self.ends['A'][1]} · B: {self.ends['B'][1]}. Move the slider: the 3D view decodes "
                             "each step.")

    def open_silhouette(self, path: Path) -> None:
        """Turn a silhouette picture into a shape with the run's image encoder (background)."""
        path, pane, model = Path(path), self.pane, self.model
        if model is None:
            pane.show_error("Load a 3D-GAN run first: silhouettes are turned into shapes by its image encoder.")
            return
        if not model.has_encoder:
            pane.tools.setCurrentWidget(pane.silhouette)
            pane.show_error(NO_ENCODER)
            return

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
            pane.tools.setCurrentWidget(pane.silhouette)
            pane.silhouette.show_pictures(read, np.full_like(read, -1.0))
            self.request_shape(z, source=f"silhouette {path.name}")

        pane.tasks.start(work, done, f"Encoding {path.name}")

    # ---- results ---------------------------------------------------------------------------------------------
    def _shape_ready(self, _request_id: int, result: Any) -> None:
        pane = self.pane
        pane.update_busy()
        if self.model is None:
            return  # made for a model that is no longer loaded
        self.current = result
        view = pane.view
        frame = view.canvas.ready and not self._framed and result.occupied > 0  # the first shape that has one
        self._framed = self._framed or frame
        try:
            render_ms = view.show_mesh(result.mesh, result.request.style, frame=frame)
        except Exception as err:  # noqa: BLE001 - a drawing failure is shown; the pane and the app carry on
            render_ms = 0.0
            pane.show_error(f"The 3D view could not draw this shape: {type(err).__name__}: {err}",
                            traceback.format_exc())
        view.caption.setText(self._caption(result))
        self.show_timings(result, render_ms)
        if result.request.source.startswith("silhouette") and self.silhouette_read is not None:
            pane.silhouette.show_pictures(self.silhouette_read, self.model.silhouettes(result.grid[None])[0])
        pane.update_exports()
        self._nearest_timer.start()

    def _caption(self, result: Any) -> str:
        threshold, side, source = result.request.threshold, self.model.resolution, result.request.source
        if result.occupied:
            return f"{source} · {side}³ grid · {result.occupied:,} voxels ≥ {threshold:.2f}"
        return (f"{source} · {side}³ grid · empty at {threshold:.2f}: the highest occupancy is "
                f"{float(result.grid.max()):.2f}; lower the threshold below it")

    def show_timings(self, result: Any, render_ms: float) -> None:
        """The status line under the view: renderer, what was computed and how long each part took."""
        from workbench.voxels.meshing import mesh_triangles

        view = self.pane.view
        canvas = view.canvas
        renderer = canvas.renderer_name or ("no OpenGL view" if canvas.failure else "3D view not started")
        parts = [f"OpenGL: {renderer}"]
        if result.decode_ms:
            parts.append(f"decode {result.decode_ms:.0f} ms")
        what = "triangles" if result.request.style == "surface" else "cubes"
        parts.append(f"mesh {result.mesh_ms:.0f} ms ({mesh_triangles(result.mesh):,} {what})")
        if canvas.ready:
            parts.append(f"render {render_ms:.0f} ms" + (" (anti-aliased)" if canvas.anti_aliasing else ""))
        view.status.setText(" · ".join(parts))

    def _shape_failed(self, _request_id: int, message: str, details: str) -> None:
        self.pane.update_busy()
        self.pane.show_error(user_message(message, ("ValueError: ",)), details)

    def update_nearest(self) -> None:
        """Find the training shape nearest to the one on view (background) and show it beside it."""
        from workbench.voxels.turntable import build_mesh

        current, model, nearest = self.current, self.model, self.pane.nearest
        if current is None or model is None or not model.has_dataset:
            return
        self._nearest_request += 1
        request = self._nearest_request
        if current.occupied == 0:
            nearest.clear("Nothing to compare: the shape is empty at this threshold.")
            return
        style, threshold = current.request.style, current.request.threshold
        nearest.set_searching()

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
            nearest.show_result(index, iou, label, mesh, style, model.training_size())
            nearest.show_runners_up(runners)

        self.pane.tasks.start(work, done)

    # ---- gallery ---------------------------------------------------------------------------------------------
    def render_gallery(self, start: int) -> None:
        """Render the thumbnails of the gallery's page of seeds from `start` (background)."""
        from workbench.data.voxel_render import render_thumbnails

        model, gallery = self.model, self.pane.gallery
        if model is None:
            return
        seeds = list(range(start, start + len(gallery.seeds())))
        threshold = self.pane.view.threshold()

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

        self.pane.tasks.start(work, lambda value: gallery.set_thumbnails(start, *value))
