"""What the Latent tab's model-specific tools (Style, Attention, Class blend) share.

Each such tool needs one capability of the loaded model (a protocol of workbench.methods.capabilities, asked of
the method object itself: a SAGAN run without classes has no class embedding to blend). `CapabilityTool` keeps
the tool's controls disabled for any other model and says in one line which methods it needs; it follows the
loaded model (`session.base_space`), not the explored space, so switching between z and W keeps its results.
Also here: seed lists as users type them, and heat maps coloured and laid over images.

No torch here: images are uint8 numpy arrays (`to_uint8`), colour maps come from pyqtgraph.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.panels.run_header import either, methods_offering
from workbench.gui.widgets.factory import fill, label

NEEDS_STYLE = "color: #8a6d00;"  # the amber of "this tool does not apply to this model"
ABOUT_STYLE = "color: palette(mid);"
HEAT_COLORMAP = "inferno"
MAX_SEED = 2**31 - 1
_NOT_SET_UP = object()


class CapabilityTool(QWidget):
    """A tool usable only when the loaded model offers `capability`; subclasses lay out `body` and react to
    `model_changed` (the loaded model changed: `method` is its method object, or None when it does not fit)."""

    capability: type = object
    title = ""  # the tab's title, for the explanation: "Style"
    needs = ""  # what the tool needs, in words: "a style-based generator"
    condition = ""  # a condition on the settings of the methods that offer it: " with method.attention_at > 0"
    about = ""  # what the tool shows, for a model that fits

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.method = None  # the loaded method object when it offers `capability`
        self._base: object = _NOT_SET_UP  # the loaded space the tool was last set up for
        self.banner = label("", wrap=True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setObjectName(f"latent-{self.title.lower().replace(' ', '-')}-needs")
        self.body = QWidget()
        fill(QVBoxLayout(self), self.banner, (self.body, 1), margins=4)

    def follow_session(self) -> None:
        """Start following the loaded model (call at the end of the subclass's constructor)."""
        self.session.space_changed.connect(self._space_changed)
        self.session.closing.connect(self.shutdown)
        self._space_changed()

    def _space_changed(self) -> None:
        base = self.session.base_space
        if base is self._base:
            return  # z ↔ W: the same model
        self._base = base
        method = getattr(base, "method", None)
        self.method = method if isinstance(method, self.capability) else None
        self.body.setEnabled(self.method is not None)
        self.banner.setText(self.explanation())
        self.banner.setStyleSheet(ABOUT_STYLE if self.method is not None or base is None else NEEDS_STYLE)
        self.model_changed()

    def explanation(self) -> str:
        """One line: what the tool shows, or which methods it needs and what the loaded run trains."""
        names = either([f"{spec.display_name} ({spec.name})" for spec in methods_offering(self.capability)])
        base = self.session.base_space
        if base is None:
            return f"Load a run of {names}{self.condition}. {self.about}"
        if self.method is None:
            return (f"{self.title} needs {self.needs}: a run of {names}{self.condition}. This "
                    f"{base.method_name or 'model'} run has none.")
        return self.about

    def model_changed(self) -> None:
        """The loaded model changed (`method` is set): forget results, fill choices."""

    def shutdown(self) -> None:
        """The window is closing: stop worker threads."""


# ---- seeds -----------------------------------------------------------------------------------------------
def parse_seeds(text: str) -> list[int]:
    """"1, 2, 5-7" → [1, 2, 5, 6, 7]; ValueError naming what cannot be read."""
    seeds: list[int] = []
    for part in (p.strip() for p in re.split(r"[,\s;]+", text.strip()) if p.strip()):
        match = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
        if match is None:
            raise ValueError(f"“{part}” is not a seed (whole numbers ≥ 0, e.g. 1, 2, 5-7)")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if last < first or last - first > 256:
            raise ValueError(f"“{part}”: a range goes up, by at most 256 seeds")
        seeds.extend(range(first, last + 1))
    if any(s > MAX_SEED for s in seeds):
        raise ValueError(f"seeds are at most {MAX_SEED}")
    return seeds


def seeds_text(seeds: list[int]) -> str:
    return ", ".join(str(s) for s in seeds)


def resized_seeds(seeds: list[int], count: int) -> list[int]:
    """The first `count` seeds, continued by the seeds after the last one when there are fewer."""
    chosen = list(seeds[:count])
    while len(chosen) < count:
        chosen.append(chosen[-1] + 1 if chosen else 0)
    return chosen


# ---- heat maps -------------------------------------------------------------------------------------------
def colorize(values: np.ndarray, colormap: str = HEAT_COLORMAP) -> np.ndarray:
    """Values H×W in [0, 1] → uint8 H×W×3 through a perceptually uniform colour map."""
    import pyqtgraph as pg

    flat = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0).ravel()
    colors = pg.colormap.get(colormap).map(flat, mode="byte")
    return np.ascontiguousarray(np.asarray(colors, dtype=np.uint8)[:, :3].reshape(*np.shape(values), 3))


def overlay(image: np.ndarray, heat: np.ndarray, opacity: float, colormap: str = HEAT_COLORMAP) -> np.ndarray:
    """The heat map H×W (in [0, 1]) coloured and laid over the uint8 image H×W×C: each pixel covered in proportion
    to its heat times `opacity`, so regions with no weight keep the image visible."""
    rgb = np.asarray(image, dtype=np.float32)
    if rgb.ndim == 2:
        rgb = rgb[:, :, None]
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    heat = np.clip(np.asarray(heat, dtype=np.float32), 0.0, 1.0)
    alpha = (float(opacity) * heat)[:, :, None]
    mixed = rgb[:, :, :3] * (1 - alpha) + colorize(heat, colormap).astype(np.float32) * alpha
    return np.clip(mixed.round(), 0, 255).astype(np.uint8)


def color_bar(width: int = 160, height: int = 10, colormap: str = HEAT_COLORMAP) -> np.ndarray:
    """A horizontal colour bar, low on the left (uint8 height×width×3)."""
    ramp = np.tile(np.linspace(0.0, 1.0, width), (height, 1))
    return colorize(ramp, colormap)


def legend(text_low: str, text_high: str, colormap: str = HEAT_COLORMAP) -> QWidget:
    """"low ▭▭▭ high": what the colours of a heat map mean."""
    from workbench.gui.widgets.factory import row
    from workbench.gui.widgets.pixmaps import array_pixmap

    bar = QLabel()
    bar.setPixmap(array_pixmap(color_bar(colormap=colormap)))
    host = QWidget()
    host.setLayout(row(label(text_low, style=ABOUT_STYLE), bar, label(text_high, style=ABOUT_STYLE), None,
                       margins=0))
    return host


# ---- image grids that fit their room ---------------------------------------------------------------------
GAP = 6  # px between images (the grid's spacing and the cells' margins)
HEADER_LINE = 18  # px, a line of the column headers
CAPTION = 16  # px, a caption under an image
ROW_HEADER = 110  # px, the column of row headers


def fitting_zoom(side: int, columns: int, rows: int, width: int, height: int, most: int = 192) -> int:
    """The largest whole-number zoom of `side`-px images that fits columns × rows of them into width × height
    (at least 1, at most `most` px per image)."""
    per = min((width - GAP) / max(1, columns) - GAP, (height - GAP) / max(1, rows) - GAP)
    return max(1, min(int(per // max(1, side)), most // max(1, side)))


class FittedImages(QScrollArea):
    """An ImageGrid in a scroll area whose images are enlarged as far as the area's room allows (whole-number
    zooms), again when it is resized; it scrolls only when even 1:1 does not fit."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.grid = ImageGrid(placeholder)
        self.setWidget(self.grid)
        self.setMinimumHeight(56)
        self._shown: tuple | None = None  # (images, columns, options) of the grid shown
        self._blank: tuple[int, ...] = ()
        self.zoom = 0

    @property
    def image_labels(self) -> list[QLabel]:
        return self.grid.image_labels

    def set_placeholder(self, text: str) -> None:
        self._shown = None
        self.grid.set_placeholder(text)

    def set_images(self, images: np.ndarray, columns: int | None = None, *, row_headers: Sequence[str] = (),
                   column_headers: Sequence[str] = (), captions: Sequence[str] = (), blank: Sequence[int] = ()) -> None:
        """Show uint8 N×H×W×C `images`, `columns` per row (all in one row by default), as large as fits; the
        cells in `blank` stay empty (a corner)."""
        columns = columns or max(1, len(images))
        self._blank = tuple(blank)
        self._shown = (images, columns, {"row_headers": tuple(row_headers), "column_headers": tuple(column_headers),
                                         "captions": tuple(captions)})
        self._show()

    def _fitting_zoom(self) -> int:
        images, columns, options = self._shown
        rows = math.ceil(len(images) / columns)
        width = self.viewport().width() - (ROW_HEADER if options["row_headers"] else 0)
        caption = CAPTION if any(options["captions"]) else 0
        lines = 1 + max((h.count("<br>") for h in options["column_headers"]), default=-1)
        height = self.viewport().height() - HEADER_LINE * lines - caption * rows
        return fitting_zoom(int(images.shape[1]), columns, rows, width, height)

    def _show(self) -> None:
        images, columns, options = self._shown
        self.zoom = self._fitting_zoom()
        self.grid.set_images(images, columns, cell=int(images.shape[1]) * self.zoom, **options)
        for index in self._blank:
            self.grid.image_labels[index].clear()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._shown is not None and self._fitting_zoom() != self.zoom:
            self._show()
