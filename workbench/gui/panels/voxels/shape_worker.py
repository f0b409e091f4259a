"""Codes and grids → meshes off the GUI thread, the newest request winning.

The Voxels tab asks for a shape whenever a latent code, the threshold or the display style changes; slider drags
ask many times a second. One daemon thread decodes (generator forward) and meshes (contour or cubes) the newest
request only: requests that arrive while it works replace each other, so the view never falls behind the user.
The finished mesh is handed to the GUI thread through a queued signal (a slot of this object, which lives in
the GUI thread), where the pane renders it. Decoding runs on one torch thread (`one_torch_thread`).

Timings (decode, mesh, and request → mesh handed over) travel with each result: the pane's status line and
bench/voxel_latency.py read them.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot


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
    request_id: int
    request: ShapeRequest
    z: np.ndarray | None
    grid: np.ndarray  # D×H×W float32 occupancy
    mesh: Any  # pv.PolyData (surface) or pv.UnstructuredGrid (cubes)
    decode_ms: float  # 0 when the grid came with the request
    mesh_ms: float
    latency_ms: float  # request submitted → result ready to hand to the GUI thread
    occupied: int  # voxels ≥ threshold


class ShapeWorker(QObject):
    """Decodes and meshes the newest request on its own thread; `ready` / `failed` are emitted in the GUI thread."""

    ready = Signal(object)  # ShapeResult
    failed = Signal(str, str)  # message, traceback
    _delivered = Signal()  # emitted by the worker thread; queued to `_deliver` in the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model: Any = None  # workbench.voxels.model.VoxelModel
        self._condition = threading.Condition()
        self._pending: tuple[int, ShapeRequest, float, Any] | None = None  # id, request, submitted at, model
        self._outcome: tuple[str, Any] | None = None
        self._next_id = 0
        self._closed = False
        self.busy = False
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._serve, name="voxel-shapes", daemon=True)
        self._thread.start()

    def submit(self, request: ShapeRequest) -> int:
        """Queue `request`, replacing one not yet started; returns its id (results carry it)."""
        with self._condition:
            self._next_id += 1
            self._pending = (self._next_id, request, time.perf_counter(), self.model)
            self.busy = True
            self._condition.notify()
            return self._next_id

    @property
    def latest_id(self) -> int:
        return self._next_id

    def close(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._closed = True
            self._pending = None
            self._condition.notify()
        self._thread.join(timeout)

    # ---- the worker thread ---------------------------------------------------------------------------------
    def _serve(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                request_id, request, submitted, model = self._pending
                self._pending = None
            try:
                outcome: tuple[str, Any] = ("ready", self._make(request_id, request, submitted, model))
            except Exception as err:  # delivered to the GUI thread and shown in the pane's red label
                outcome = ("failed", (str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}",
                                      traceback.format_exc()))
            with self._condition:
                self._outcome = outcome
            try:
                self._delivered.emit()
            except RuntimeError:  # the pane was deleted while this shape was made
                return

    @staticmethod
    def _make(request_id: int, request: ShapeRequest, submitted: float, model: Any) -> ShapeResult:
        from workbench.compat import one_torch_thread
        from workbench.voxels.turntable import build_mesh

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
        return ShapeResult(request_id, request, request.z, grid, mesh, decode_ms, (done - start) * 1000,
                           (done - submitted) * 1000, int((grid >= request.threshold).sum()))

    # ---- the GUI thread --------------------------------------------------------------------------------------
    @Slot()
    def _deliver(self) -> None:
        with self._condition:
            outcome, self._outcome = self._outcome, None
            self.busy = self._pending is not None
        if outcome is None:
            return
        kind, value = outcome
        if kind == "ready":
            self.ready.emit(value)
        else:
            self.failed.emit(*value)
