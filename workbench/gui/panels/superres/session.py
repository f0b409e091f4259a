"""The Super-resolution pane's state: loaded models (cached per run and checkpoint), the input image and the
comparison built from them.

Everything here lives in the GUI thread; loading a checkpoint and building the held-out examples run in
background tasks on one torch thread, and the comparison is built by a `LatestRequestWorker`: while it upscales,
newer inputs replace each other and only the newest is built next, so a slow upscale never overwrites a newer one.
This module imports no torch: the core is imported inside the background work.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.base import TaskGroup, user_message


def _build_comparison(request: tuple) -> tuple:
    """The preview worker's computation (background thread): the comparison, and the request it answers."""
    from workbench.compat import one_torch_thread
    from workbench.superres.comparison import build_comparison

    image, models, as_lr, source = request[:4]
    with one_torch_thread():
        return build_comparison(image, models, as_lr=as_lr, source=source), request


class SuperResolutionSession(QObject):
    """Models by run, the chosen runs, the input image, and the comparison of the two."""

    models_changed = Signal()  # a model finished loading (or failed): `models` / `failures` changed
    comparison_changed = Signal()  # `comparison` changed (may be None)
    examples_changed = Signal()  # `examples` arrived
    status = Signal(str)
    error = Signal(str, str)  # message, details
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chosen: list = []  # (Run, key) of the chosen runs in picker order, the key fixed when chosen
        self.models: dict[tuple[str, int | None], object] = {}  # (run folder, step) → SuperResolutionModel
        self.failures: dict[tuple[str, int | None], str] = {}  # (run folder, step) → why it did not load
        self.loading: set[tuple[str, int | None]] = set()
        self.image: np.ndarray | None = None  # uint8 H×W×3 as opened
        self.source = ""  # where the image came from
        self.as_lr = False
        self.comparison = None  # workbench.superres.comparison.Comparison | None
        self.compare_error = ""  # why the last comparison could not be built with every chosen model
        self.examples: list[tuple[str, np.ndarray]] | None = None
        self.examples_loading = False
        self.tasks = TaskGroup(self, self.status.emit, self.error.emit, ("SuperResolutionError: ",))
        self.tasks.busy_changed.connect(lambda _busy: self._busy_update())
        self.preview = LatestRequestWorker(_build_comparison, "superres-preview", self)  # the newest input wins
        self.preview.ready.connect(self._compared)
        self.preview.failed.connect(self._compare_failed)
        self._was_busy = False

    # ---- models ---------------------------------------------------------------------------------------------
    @staticmethod
    def key(run) -> tuple[str, int | None]:  # noqa: ANN001 - a workbench.runs.Run
        try:
            step = run.latest_checkpoint_step()
        except OSError:
            step = None
        return str(Path(run.path).resolve()), step

    def set_runs(self, runs: list) -> None:
        """Choose the runs to compare (None entries ignored); loads the ones not loaded yet, then compares."""
        chosen: list = []
        for run in runs:
            key = self.key(run) if run is not None else None
            if key is not None and all(key != k for _, k in chosen):
                chosen.append((run, key))
        self.chosen = chosen
        fresh = dict(key for _, key in chosen)  # run folder → the checkpoint step chosen now
        self.models = {k: m for k, m in self.models.items() if fresh.get(k[0], k[1]) == k[1]}  # drop older steps
        for run, key in chosen:
            if key not in self.models and key not in self.failures and key not in self.loading:
                self._load(run, key)
        self.recompare()

    def forget_failures(self) -> None:
        """Let runs that failed to load be tried again (after a refresh: they may have been trained since)."""
        self.failures.clear()

    def chosen_models(self) -> list:
        return [self.models[key] for _, key in self.chosen if key in self.models]

    def pending(self) -> bool:
        """A chosen run is still loading."""
        return any(key in self.loading for _, key in self.chosen)

    def _load(self, run, key: tuple[str, int | None]) -> None:  # noqa: ANN001
        self.loading.add(key)
        self.status.emit(f"Loading the latest checkpoint of {run.id}…")

        def work():  # noqa: ANN202 - background thread: no Qt
            from workbench.superres.model import SuperResolutionModel

            return SuperResolutionModel.from_run(run)

        def done(model) -> None:  # noqa: ANN001
            self.loading.discard(key)
            self.models[key] = model
            self.status.emit(f"Loaded {model.describe()}.")
            self.models_changed.emit()
            self.recompare()

        def failed(message: str, _details: str) -> None:
            self.loading.discard(key)
            self.failures[key] = message
            self.models_changed.emit()
            self.recompare()

        self.tasks.start(work, done, on_failed=failed)

    # ---- input ----------------------------------------------------------------------------------------------
    def open_file(self, path: str | Path) -> bool:
        """Read an image file (in this thread: decoding is fast, and a bad file is reported at once)."""
        from workbench.superres.comparison import read_image
        from workbench.superres.errors import SuperResolutionError

        try:
            image = read_image(path)
        except SuperResolutionError as err:
            self.error.emit(str(err), "")
            return False
        self.set_image(image, Path(path).name)
        return True

    def set_image(self, image: np.ndarray | None, source: str = "") -> None:
        self.image = image
        self.source = source
        self.recompare()

    def set_as_lr(self, as_lr: bool) -> None:
        if as_lr != self.as_lr:
            self.as_lr = as_lr
            self.recompare()

    # ---- the comparison -------------------------------------------------------------------------------------
    def recompare(self) -> None:
        """Build the comparison of the image with the loaded chosen models, in the background."""
        self.preview.discard()  # a comparison of older inputs being built now is not shown
        if self.image is None:
            self._set_comparison(None, "")
            self._busy_update()
            return
        if self.pending():
            self.status.emit("Waiting for the models to load…")
            self._busy_update()
            return
        from workbench.superres.comparison import common_scale
        from workbench.superres.errors import SuperResolutionError

        models = self.chosen_models()
        problem = ""
        try:
            common_scale(models)
        except SuperResolutionError as err:
            problem = f"{err}. Showing {models[0].label} only."
            models = models[:1]
        self.status.emit(f"Upscaling {self.source or 'the image'}…")
        self.preview.submit((self.image, models, self.as_lr, self.source, problem, time.perf_counter()))
        self._busy_update()

    def _compared(self, _request_id: int, value: tuple) -> None:
        comparison, (_image, models, _as_lr, _source, problem, started) = value
        self._busy_update()
        self._set_comparison(comparison, problem)
        if problem:
            self.error.emit(problem, "")
        names = ", ".join(m.display_name for m in models) or "bicubic only: no model chosen"
        self.status.emit(f"Upscaled ×{comparison.scale} ({names}) in {time.perf_counter() - started:.2f} s.")

    def _compare_failed(self, _request_id: int, message: str, details: str) -> None:
        self._busy_update()
        self._set_comparison(None, user_message(message))
        self.error.emit(user_message(message), details)

    def _set_comparison(self, comparison, problem: str) -> None:  # noqa: ANN001
        self.comparison = comparison
        self.compare_error = problem
        self.comparison_changed.emit()

    # ---- held-out examples ----------------------------------------------------------------------------------
    def load_examples(self, count: int = 12, image_size: int = 128) -> None:
        """The held-out sr-photos crops, built once in the background."""
        if self.examples is not None or self.examples_loading:
            return
        self.examples_loading = True

        def work():  # noqa: ANN202 - background thread: no Qt
            from workbench.superres.comparison import held_out_examples

            return held_out_examples(count=count, image_size=image_size)

        def done(examples) -> None:  # noqa: ANN001
            self.examples_loading = False
            self.examples = list(examples)
            self.examples_changed.emit()

        def failed(message: str, details: str) -> None:
            self.examples_loading = False
            self.examples = []
            self.examples_changed.emit()
            self.error.emit(f"The held-out examples could not be built: {message}", details)

        self.tasks.start(work, done, on_failed=failed, report=False)

    # ---- background work ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.preview.busy

    def _busy_update(self) -> None:
        if self.busy != self._was_busy:
            self._was_busy = self.busy
            self.busy_changed.emit(self._was_busy)

    def shutdown(self, timeout: float = 5.0) -> None:
        self.preview.shutdown(timeout)
