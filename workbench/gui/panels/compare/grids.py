"""The compared runs' image grids side by side at one step: one slider over every step any run recorded, and each
run shows its grid at the nearest step at or before it (runs sample at different intervals), at true size.

True size means whole-number zoom with nearest-neighbour pixels (sample_viewer's reason: blur hides the
artefacts one looks for); "Fit" picks the largest such zoom that puts every grid in one row. A combo picks the
"samples" grid or one of the methods' named visuals (e.g. CycleGAN's "cycle_A"); each grid is captioned with its
run, in the run's colour, and its step.
"""

from __future__ import annotations

import bisect
import html

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QScrollArea, QSlider, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import row
from workbench.gui.widgets.sample_viewer import MAX_ZOOM, load_grid, zoomed_pixmap

FIT = 0
SAMPLES = "samples"
TILE_GAP = 10


def visual_title(name: str) -> str:
    return "Samples" if name == SAMPLES else name.replace("_", " ")


class _Tile(QWidget):
    """One run's grid: a caption over the image."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.shown: tuple[str, np.ndarray] | None = None  # (path, decoded grid) on screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.image, 1)


class CompareGrids(QWidget):
    """Grids of the compared runs at the slider's step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: list[tuple[str, str, QColor]] = []  # (id, label, colour) in selection order
        self._grids: dict[str, dict[str, tuple[list[int], list[str]]]] = {}  # run → name → (steps, paths)
        self._tiles: dict[str, _Tile] = {}
        self._steps: list[int] = []  # every step of the chosen grid, over all runs
        self._layout_key: tuple[int, int] = (0, 0)  # (zoom, columns) of the last render

        self.visual_combo = QComboBox()
        self.visual_combo.setObjectName("compare-visual")
        self.visual_combo.setToolTip("Which grid: the samples, or one of the method's named visuals")
        self.visual_combo.currentIndexChanged.connect(self._visual_changed)
        self.step_slider = QSlider(Qt.Orientation.Horizontal)
        self.step_slider.setObjectName("compare-step")
        self.step_slider.setToolTip("One step for every run: each shows its grid at the nearest step at or before "
                                    "it (←/→, PgUp/PgDn, Home/End)")
        self.step_slider.setEnabled(False)
        self.step_slider.valueChanged.connect(self._render)
        self.step_label = QLabel("no grids")
        self.step_label.setMinimumWidth(150)
        self.zoom_combo = QComboBox()
        self.zoom_combo.setObjectName("compare-zoom")
        self.zoom_combo.addItem("Fit", FIT)
        for zoom in range(1, MAX_ZOOM + 1):
            self.zoom_combo.addItem(f"{zoom}×", zoom)
        self.zoom_combo.setToolTip("True size: each pixel drawn as zoom × zoom (nearest neighbour); Fit picks the "
                                   "largest whole zoom that puts every grid in one row")
        self.zoom_combo.currentIndexChanged.connect(self._render)

        self._host = QWidget()
        self._layout = QGridLayout(self._host)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(TILE_GAP)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self._host)
        self.scroll.setWidgetResizable(True)
        self.scroll.viewport().installEventFilter(self)
        self.empty_label = QLabel("No image grids recorded by the selected runs yet.")
        self.empty_label.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row(QLabel("Grid"), self.visual_combo, (self.step_slider, 1), self.step_label,
                             QLabel("Zoom"), self.zoom_combo, margins=0))
        layout.addWidget(self.empty_label)
        layout.addWidget(self.scroll, 1)

    # ---- data --------------------------------------------------------------------------------------------
    def set_runs(self, runs: list[tuple[str, str, QColor]]) -> None:
        """The compared runs as (id, label, colour), in order; grids of runs no longer listed are dropped."""
        ids = {run_id for run_id, _, _ in runs}
        for run_id in [r for r in self._grids if r not in ids]:
            del self._grids[run_id]
        for run_id in [r for r in self._tiles if r not in ids]:
            self._tiles.pop(run_id).deleteLater()
        self._runs = list(runs)
        for run_id, _, _ in runs:
            self._grids.setdefault(run_id, {})
            if run_id not in self._tiles:
                self._tiles[run_id] = _Tile(self._host)
        self._refresh_names()

    def add_grids(self, run_id: str, grids: list[tuple[int, str, str]]) -> None:
        """Record a run's grids: (step, name, PNG path) each."""
        if run_id not in self._grids or not grids:
            return
        for step, name, path in grids:
            steps, paths = self._grids[run_id].setdefault(name, ([], []))
            if step in steps:  # a resumed run recorded the step again
                paths[steps.index(step)] = path
                continue
            index = bisect.bisect(steps, step)
            steps.insert(index, step)
            paths.insert(index, path)
        self._refresh_names()

    def clear_run(self, run_id: str) -> None:
        """Forget a run's grids (its store is read again)."""
        if run_id in self._grids:
            self._grids[run_id] = {}
            self._refresh_names()

    def names(self) -> list[str]:
        names = {name for grids in self._grids.values() for name in grids}
        return sorted(names, key=lambda n: (n != SAMPLES, n))

    def current_name(self) -> str | None:
        return self.visual_combo.currentData()

    def current_step(self) -> int | None:
        return self._steps[self.step_slider.value()] if self._steps else None

    def shown_step(self, run_id: str) -> int | None:
        """The step of the grid run `run_id` shows (None: none at or before the slider's step)."""
        found = self._grid_at(run_id)
        return found[0] if found else None

    def set_step(self, step: int) -> None:
        """Move the slider to the last recorded step at or before `step`."""
        if self._steps:
            self.step_slider.setValue(max(0, bisect.bisect(self._steps, step) - 1))

    # ---- display -----------------------------------------------------------------------------------------
    def _refresh_names(self) -> None:
        names = self.names()
        current = self.current_name()
        if [self.visual_combo.itemData(i) for i in range(self.visual_combo.count())] != names:
            self.visual_combo.blockSignals(True)
            self.visual_combo.clear()
            for name in names:
                self.visual_combo.addItem(visual_title(name), name)
            index = names.index(current) if current in names else 0
            self.visual_combo.setCurrentIndex(index)
            self.visual_combo.blockSignals(False)
        self._visual_changed()

    def _visual_changed(self) -> None:
        """Steps of the chosen grid over every run; the slider stays on its step, or follows the newest."""
        name = self.current_name()
        following = not self._steps or self.step_slider.value() == len(self._steps) - 1
        previous = self.current_step()
        steps = sorted({s for grids in self._grids.values() for s in grids.get(name, ([], []))[0]})
        self._steps = steps
        self.step_slider.blockSignals(True)
        self.step_slider.setRange(0, max(0, len(steps) - 1))
        if steps:
            index = len(steps) - 1 if following or previous is None else max(0, bisect.bisect(steps, previous) - 1)
            self.step_slider.setValue(index)
        self.step_slider.blockSignals(False)
        self.step_slider.setEnabled(len(steps) > 1)
        self.empty_label.setVisible(not steps)
        self.scroll.setVisible(bool(steps))
        self._render()

    def _grid_at(self, run_id: str) -> tuple[int, str] | None:
        step = self.current_step()
        steps, paths = self._grids.get(run_id, {}).get(self.current_name(), ([], []))
        index = bisect.bisect(steps, step) - 1 if step is not None else -1
        return (steps[index], paths[index]) if index >= 0 else None

    def _images(self) -> dict[str, tuple[int, np.ndarray] | None]:
        """Each run's grid at the slider's step, decoded (the one on screen is not decoded again)."""
        images: dict[str, tuple[int, np.ndarray] | None] = {}
        for run_id, _, _ in self._runs:
            tile, found = self._tiles[run_id], self._grid_at(run_id)
            if found is None:
                images[run_id] = None
                continue
            step, path = found
            if tile.shown is None or tile.shown[0] != path:
                try:
                    tile.shown = (path, load_grid(path))
                except OSError:  # deleted, or still being written by another process: shown on the next render
                    images[run_id] = None
                    continue
            images[run_id] = (step, tile.shown[1])
        return images

    def zoom(self, images: dict[str, tuple[int, np.ndarray] | None] | None = None) -> int:
        """The chosen zoom, or for Fit the largest that puts every grid in one row (at least 1)."""
        chosen = self.zoom_combo.currentData()
        if chosen != FIT:
            return chosen
        shapes = [found[1].shape for found in (images or self._images()).values() if found]
        if not shapes:
            return 1
        viewport = self.scroll.viewport().size()
        width = viewport.width() - 8 - TILE_GAP * (len(self._runs) - 1)
        height = viewport.height() - 8 - 2 * self.fontMetrics().height()
        by_width = width // sum(shape[1] for shape in shapes)
        by_height = height // max(shape[0] for shape in shapes)
        return max(1, min(by_width, by_height, MAX_ZOOM))

    def _arrangement(self, images: dict[str, tuple[int, np.ndarray] | None]) -> tuple[int, int]:
        """(zoom, grids per row) for the view's width."""
        zoom = self.zoom(images)
        widths = [found[1].shape[1] * zoom for found in images.values() if found] or [1]
        return zoom, max(1, (self.scroll.viewport().width() - 8 + TILE_GAP) // (max(widths) + TILE_GAP))

    def _render(self) -> None:
        step = self.current_step()
        self.step_label.setText("no grids" if step is None else
                                f"step {step} ({self.step_slider.value() + 1}/{len(self._steps)})")
        images = self._images()
        zoom, columns = self._layout_key = self._arrangement(images)
        for tile in self._tiles.values():
            self._layout.removeWidget(tile)
        for index, (run_id, label, colour) in enumerate(self._runs):
            tile, found = self._tiles[run_id], images[run_id]
            swatch = f'<span style="color:{colour.name()}">■</span> <b>{html.escape(label)}</b>'
            if found is None:
                tile.caption.setText(f"{swatch} · no grid at or before step {step}")
                tile.image.clear()
            else:
                tile.caption.setText(f"{swatch} · step {found[0]}")
                tile.image.setPixmap(zoomed_pixmap(found[1], zoom))
            tile.caption.setToolTip(f"{label} ({run_id})")
            self._layout.addWidget(tile, index // columns, index % columns)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize and self._steps:
            if self._arrangement(self._images()) != self._layout_key:  # a scroll bar coming and going must not loop
                self._render()
        return super().eventFilter(watched, event)
