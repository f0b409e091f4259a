"""Occupancy grids → small shaded pictures (thumbnails) for the live training view and the run store.

Each grid is padded by one empty voxel (so a shape touching the border still closes), contoured at the
threshold with VTK's flying edges, and drawn light grey on a dark background from one fixed oblique camera
(the same framing for every grid of a side, so sizes compare). An empty grid (nothing reaches the threshold)
gives a dark thumbnail crossed by a grey X instead of an error; so does a grid whose surface covers no pixel
(a few isolated voxels just above the threshold, as an untrained or collapsed generator makes).

Axes follow the app's grid convention (`workbench.data.voxel_shapes`, `workbench.voxels.meshing`): axis 0 = depth
front → back, axis 1 = height top → bottom, axis 2 = width left → right; in space x = right, y = up, z = towards
the viewer, so voxel (d, h, w) sits at x ∝ w, y ∝ −h, z ∝ −d. The camera looks from the front-right, above
(+x, +y, +z), towards the grid's centre.

Threads. OpenGL contexts belong to the thread that made them, and the trainer runs on a worker thread that the
window starts anew for every run. So every render happens on one dedicated daemon thread that owns one
reused off-screen `pv.Plotter` (multi-sampling off: software rendering is 2–3× faster without it); callers on
any thread hand it their grids and wait for the pictures. Errors raised there reach the caller unchanged.
The thread closes its plotter when the process ends. Without a display the plotter renders through EGL
(VTK picks it when no X server answers); under an X display through an off-screen X window, which coexists
with the Voxels tab's QtInteractor on the main thread (tests/unit/test_voxels_render.py).

pyvista is imported on the rendering thread when the first thumbnail is asked for, never at import time.
"""

from __future__ import annotations

import atexit
import importlib.util
import math
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

BACKGROUND = (0.11, 0.11, 0.13)
SURFACE_COLOR = (0.82, 0.82, 0.80)
CROSS_VALUE = 110  # the grey of the X drawn on an empty grid's thumbnail
PAD_VALUE = 64  # grid padding grey: image_grid's pad_value 0.25
VIEW_DIRECTION = (1.0, 0.75, 1.35)  # from the centre towards the camera: front-right, above
VIEW_UP = (0.0, 1.0, 0.0)
SMOOTHING, PASS_BAND = 40, 0.02  # Taubin smoothing, as the Voxels tab's surface (workbench.voxels.meshing)
VIEW_ANGLE = 30.0  # degrees, VTK's default
# The view spans a sphere of this radius (× the grid side) about the centre: shapes inside the grid's inscribed
# sphere (radius 0.5, where the built-in shapes and most generated ones lie) show whole and large; only the
# far corners of a completely full grid would be cut.
FRAMED_RADIUS = 0.6


def _as_grids(grids: Any) -> np.ndarray:
    """N×D×H×W float32 from N×D×H×W or N×1×D×H×W (numpy arrays or CPU tensors)."""
    array = np.asarray(grids.detach().cpu() if hasattr(grids, "detach") else grids)
    if array.ndim == 5 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 4:
        raise ValueError(f"voxel grids must be N×D×H×W or N×1×D×H×W; got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.float32)


def blank_thumbnail(size: int) -> np.ndarray:
    """The picture of an empty grid: the dark background crossed by a grey X (size×size×3 uint8)."""
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[:] = np.round(np.asarray(BACKGROUND) * 255).astype(np.uint8)
    margin = max(1, size // 5)
    idx = np.arange(margin, size - margin)
    for offset in (0, 1) if size >= 48 else (0,):  # two pixels thick at larger sizes
        inner = idx[: len(idx) - offset]
        image[inner + offset, inner] = CROSS_VALUE
        image[inner + offset, size - 1 - inner] = CROSS_VALUE
    return image


def _shows_nothing(picture: np.ndarray) -> bool:
    background = np.round(np.asarray(BACKGROUND) * 255)
    return bool((np.abs(picture.astype(np.int16) - background).max(axis=-1) <= 2).all())


class _ThumbnailPainter:
    """One off-screen plotter and its camera; used only on the rendering thread."""

    def __init__(self) -> None:
        import pyvista as pv

        self.pv = pv
        self.plotter = pv.Plotter(off_screen=True, window_size=(96, 96), lighting="light kit")
        self.plotter.disable_anti_aliasing()  # multi_samples 0
        self.plotter.set_background(BACKGROUND)
        self.plotter.renderer.GetActiveCamera().SetViewAngle(VIEW_ANGLE)
        self.size = 96

    def close(self) -> None:
        self.plotter.close()

    def _frame(self, shape: tuple[int, int, int]) -> None:
        """Point the camera at the grid's centre from far enough that FRAMED_RADIUS × the side fills the view."""
        radius = FRAMED_RADIUS * max(shape)
        distance = radius / math.sin(math.radians(VIEW_ANGLE / 2))
        direction = np.asarray(VIEW_DIRECTION) / np.linalg.norm(VIEW_DIRECTION)
        self.plotter.camera_position = [tuple(direction * distance), (0.0, 0.0, 0.0), VIEW_UP]
        self.plotter.renderer.ResetCameraClippingRange()

    def render(self, grid: np.ndarray, size: int, threshold: float) -> np.ndarray:
        if self.size != size:
            self.plotter.window_size = (size, size)
            self.size = size
        if not (grid >= threshold).any():
            return blank_thumbnail(size)
        # Flipping depth and height (a 180° turn about x) makes C order VTK's x-fastest point order with x = W,
        # y = H reversed (up), z = D reversed (towards the viewer). The empty border closes shapes at the sides.
        padded = np.pad(np.ascontiguousarray(grid[::-1, ::-1, :]), 1)
        d, h, w = grid.shape
        image = self.pv.ImageData(dimensions=padded.shape[::-1], origin=(-(w + 1) / 2, -(h + 1) / 2, -(d + 1) / 2))
        image.point_data["occupancy"] = padded.ravel()
        surface = image.contour([threshold], scalars="occupancy", method="flying_edges")
        if surface.n_points == 0:
            return blank_thumbnail(size)
        # Near-binary grids give a staircase surface; a few volume-preserving Taubin passes smooth it.
        surface = surface.smooth_taubin(n_iter=SMOOTHING, pass_band=PASS_BAND).compute_normals(split_vertices=False)
        self.plotter.add_mesh(surface, name="shape", color=SURFACE_COLOR, smooth_shading=True,
                              reset_camera=False)
        self._frame((d, h, w))
        picture = np.ascontiguousarray(self.plotter.screenshot(return_img=True)[..., :3], dtype=np.uint8)
        if _shows_nothing(picture):  # e.g. a few isolated voxels just above the threshold: specks under a pixel
            return blank_thumbnail(size)
        return picture


class _RenderThread:
    """A daemon thread that runs jobs on the thread's own painter, one at a time, in order."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Callable[[_ThumbnailPainter], Any], Future] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="voxel-thumbnails", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        painter: _ThumbnailPainter | None = None
        try:
            while True:
                job = self.jobs.get()
                if job is None:
                    return
                work, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if painter is None:
                        painter = _ThumbnailPainter()
                    future.set_result(work(painter))
                except BaseException as error:  # handed to the waiting caller, who re-raises it
                    future.set_exception(error)
        finally:
            if painter is not None:
                painter.close()

    def submit(self, work: Callable[[_ThumbnailPainter], Any]) -> Any:
        future: Future = Future()
        self.jobs.put((work, future))
        return future.result()

    def stop(self, timeout: float = 10.0) -> None:
        self.jobs.put(None)
        self.thread.join(timeout)


_RENDERER: _RenderThread | None = None
_RENDERER_LOCK = threading.Lock()


def _renderer() -> _RenderThread:
    global _RENDERER
    with _RENDERER_LOCK:
        if _RENDERER is None or not _RENDERER.thread.is_alive():
            _prefer_headless_backend()
            _RENDERER = _RenderThread()
            atexit.register(_RENDERER.stop)  # close the plotter on its own thread before VTK is torn down
        return _RENDERER


def _prefer_headless_backend() -> None:
    """Without an X display, go straight to EGL instead of letting VTK try X first and log a warning."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


def render_thumbnails(grids: Any, size: int = 96, threshold: float = 0.5) -> np.ndarray:
    """Shaded pictures of occupancy grids (N×D×H×W or N×1×D×H×W, values in [0, 1]): uint8 N×size×size×3.

    Safe to call from any thread; the drawing itself happens on the rendering thread (see the module notes).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1]; got {threshold}")
    if size < 8:
        raise ValueError(f"thumbnail size must be at least 8 pixels; got {size}")
    array = _as_grids(grids)
    if len(array) == 0:
        return np.zeros((0, size, size, 3), dtype=np.uint8)
    if not _pyvista_installed():
        return projection_thumbnails(array, size, threshold)

    def paint(painter: _ThumbnailPainter) -> np.ndarray:
        return np.stack([painter.render(grid, size, threshold) for grid in array])

    return _renderer().submit(paint)


def _pyvista_installed() -> bool:
    try:
        return importlib.util.find_spec("pyvista") is not None
    except ImportError:  # an import hook that refuses it
        return False


def projection_thumbnails(array: np.ndarray, size: int, threshold: float) -> np.ndarray:
    """Without pyvista (a headless training machine): each grid seen from the front, the fraction of its depth
    that is occupied as a grey level, enlarged with nearest-neighbour steps: uint8 N×size×size×3."""
    depth_share = (array >= threshold).mean(axis=1)  # N×H×W in [0, 1]
    rows = np.arange(size) * depth_share.shape[1] // size
    columns = np.arange(size) * depth_share.shape[2] // size
    grey = (40 + 200 * depth_share[:, rows][:, :, columns]).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def tile(pictures: np.ndarray, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile uint8 N×S×S×3 pictures into one uint8 image, laid out like `workbench.images.image_grid`."""
    n, height, width, _ = pictures.shape
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    columns = min(nrow, n)
    rows = int(math.ceil(n / columns))
    out = np.full((rows * (height + padding) + padding, columns * (width + padding) + padding, 3), PAD_VALUE,
                  dtype=np.uint8)
    for k in range(n):
        y, x = divmod(k, columns)
        top, left = y * (height + padding) + padding, x * (width + padding) + padding
        out[top:top + height, left:left + width] = pictures[k]
    return out


def thumbnail_grid(grids: Any, size: int = 96, threshold: float = 0.5, nrow: int | None = None,
                   padding: int = 2) -> np.ndarray:
    """Thumbnails of N grids tiled into one uint8 H×W×3 image (the sample grid of a voxel run)."""
    return tile(render_thumbnails(grids, size=size, threshold=threshold), nrow=nrow, padding=padding)


def thumbnails_as_images(pictures: np.ndarray) -> Any:
    """uint8 N×S×S×3 pictures → a float tensor N×3×S×S in [-1, 1] (the form of a method's visuals)."""
    import torch

    return torch.from_numpy(pictures).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
