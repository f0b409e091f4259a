"""Codes and grids → meshes off the GUI thread, the newest request winning.

The Voxels tab asks for a shape whenever a latent code, the threshold or the display style changes; slider drags
ask many times a second. A `ShapeWorker` (a `LatestRequestWorker`) decodes (generator forward) and meshes
(contour or cubes) the newest request only, on one torch thread: requests that arrive while it works replace
each other, so the view never falls behind the user. The finished mesh reaches the GUI thread through the
worker's `ready(request_id, ShapeResult)`, where the pane renders it.

Timings (decode, mesh, and request → mesh handed over) travel with each result: the pane's status line and
bench/voxel_latency.py read them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from workbench.gui.latest_request import LatestRequestWorker


@dataclass(frozen=True)
class ShapeRequest:
    """What to show: a code to decode (`z`) or a grid already decoded (`grid`), drawn as `style`."""

    z: np.ndarray | None
    grid: np.ndarray | None
    threshold: float
    style: str  # "surface" | "cubes"
    source: str = ""  # what the shape is, for the status line ("seed 7", "interpolation t = 0.40"...)
    method: str = "flying_edges"


@dataclass(frozen=True)
class ShapeResult:
    request: ShapeRequest
    z: np.ndarray | None
    grid: np.ndarray  # D×H×W float32 occupancy
    mesh: Any  # pv.PolyData (surface) or pv.UnstructuredGrid (cubes)
    decode_ms: float  # 0 when the grid came with the request
    mesh_ms: float
    latency_ms: float  # request submitted → result ready to hand to the GUI thread
    occupied: int  # voxels ≥ threshold


def make_shape(job: tuple[ShapeRequest, float, Any]) -> ShapeResult:
    """(request, submitted at, model) → the decoded grid and its mesh (worker thread)."""
    from workbench.compat import one_torch_thread
    from workbench.voxels.turntable import build_mesh

    request, submitted, model = job
    decode_ms = 0.0
    grid = request.grid
    if grid is None:
        if model is None or request.z is None:
            raise ValueError("no model loaded to decode the code with")
        start = time.perf_counter()
        with one_torch_thread():
            grid = model.decode(request.z.reshape(1, -1))[0]
        decode_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    mesh = build_mesh(grid, request.style, request.threshold, method=request.method)
    done = time.perf_counter()
    return ShapeResult(request, request.z, grid, mesh, decode_ms, (done - start) * 1000, (done - submitted) * 1000,
                       int((grid >= request.threshold).sum()))


class ShapeWorker(LatestRequestWorker):
    """Decodes with `model` (set it after a load) and meshes the newest `ShapeRequest`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(make_shape, "voxel-shapes", parent)
        self.model: Any = None  # workbench.voxels.model.VoxelModel

    def submit(self, request: ShapeRequest) -> int:
        """Queue `request`, replacing one not yet started; returns its id (`ready` carries it)."""
        return super().submit((request, time.perf_counter(), self.model))
