"""Attention tool: where a self-attention generator (SAGAN) looks when it computes one pixel.

A grid of generated images (a seed, how many, a class for a conditional model, truncated codes for a model that
can draw them); clicking a pixel of any image (or the row and column boxes) chooses the query, and every image
shows the attention weights of that pixel over the attention layer's positions as a semi-transparent heat map,
the query marked. A convolution only sees its neighbours; the attention layer can draw on any region, which is how
SAGAN keeps far-apart parts of an image consistent (Zhang et al. 2019, Figure 1).

The maps come from workbench.latent.attention (at the layer's resolution, enlarged by whole blocks and scaled to
each map's peak); a newest-request-wins worker computes them, so clicking around never queues work.
No torch is imported at module level.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import QGroupBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.latent.capability_tool import CAPTION, CapabilityTool, fitting_zoom, legend, overlay
from workbench.gui.panels.latent.image_grid import placeholder_label
from workbench.gui.widgets.factory import (
    choice,
    clear_layout,
    fill,
    grid_host,
    hint,
    row,
    scroll_area,
    seed_spin,
    single_shot,
    slider,
    spin,
)
from workbench.gui.widgets.pixmaps import array_pixmap
from workbench.methods.capabilities import AttentionMaps, Conditional, Truncation

MOST = 256  # px: the largest side an image is shown at
EACH_IMAGE = -1  # the class choice "one class per image"
MARK = QColor("#00e5ff")


class QueryImage(QWidget):
    """One image with its heat map and the query marked; a click emits `picked(row, col)` in image pixels."""

    picked = Signal(int, int)

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.picture.setCursor(Qt.CursorShape.CrossCursor)
        self.picture.setToolTip("Click a pixel to see where the attention layer looks for it")
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setStyleSheet("font-size: 11px;")
        self.scale = 1
        fill(QVBoxLayout(self), self.picture, self.caption, margins=2, spacing=1)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def show_image(self, image: np.ndarray, query: tuple[int, int], attention_side: int, zoom: int) -> None:
        """`image` (uint8 S×S×C, the heat already laid over it) enlarged `zoom` times, the query pixel and its
        attention position (the block of the r×r layer that the pixel falls in) marked."""
        side = image.shape[0]
        self.scale = zoom
        pixmap = array_pixmap(image, self.scale)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        block = side / attention_side * self.scale
        r, c = query
        top, left = int(r * attention_side // side) * block, int(c * attention_side // side) * block
        painter.setPen(QPen(MARK, 1, Qt.PenStyle.DashLine))
        painter.drawRect(QRectF(left, top, block, block))
        centre = QPointF((c + 0.5) * self.scale, (r + 0.5) * self.scale)
        radius = max(3.0, self.scale * 0.9)
        painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
        painter.drawEllipse(centre, radius, radius)
        painter.setPen(QPen(MARK, 1.5))
        painter.drawEllipse(centre, radius, radius)
        painter.end()
        self.picture.setPixmap(pixmap)
        self.picture.setFixedSize(pixmap.size())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        position = self.picture.mapFrom(self, event.position().toPoint())
        pixmap = self.picture.pixmap()
        if event.button() == Qt.MouseButton.LeftButton and pixmap is not None and not pixmap.isNull() and \
                self.picture.rect().contains(position):
            side = pixmap.width() // self.scale
            self.picked.emit(min(side - 1, position.y() // self.scale), min(side - 1, position.x() // self.scale))
        super().mousePressEvent(event)


class AttentionTool(CapabilityTool):
    capability = AttentionMaps
    title = "Attention"
    needs = "a generator with a self-attention layer"
    condition = " with method.attention_at > 0"
    about = ("Where the self-attention layer looks: click a pixel of any image to make it the query; each image "
             "shows that pixel's attention weights over the whole image (Zhang et al. 2019, Figure 1).")

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(session, parent)
        self.images: np.ndarray | None = None  # uint8 N×S×S×C of the grid shown
        self.heat: np.ndarray | None = None  # float N×S×S in [0, 1]: the attention of the shown query
        self.shown: dict | None = None  # the request whose result is shown (seed, count, query, labels, threshold)
        self.tiles: list[QueryImage] = []
        self.layout_shown = (0, 0)  # (columns, zoom) of the tiles
        self._needs_render = False
        self.worker = LatestRequestWorker(_attention, "attention-maps", self)
        self.worker.ready.connect(self._ready)
        self.worker.failed.connect(lambda _id, message, _details: self.info.setText(
            f"<span style='color:#c62828'>{message}</span>"))
        self._soon = single_shot(self, 30, self.render)  # spin boxes stepped quickly ask once

        self.seed = seed_spin("attention-seed", "The seed of the codes drawn")
        self.seed.setMaximumWidth(90)
        self.count = spin(1, 32, 8, tip="How many images")
        self.class_combo = choice(tip="The class the images are generated as")
        self.class_label = QLabel("class")
        self.threshold = spin(0.0, 4.0, 0.0, tip="Draw the codes from a normal truncated to ±this (BigGAN's "
                              "truncation trick); 0 = untruncated", step=0.1)
        self.threshold.setSpecialValueText("off")
        self.threshold_label = QLabel("truncation")
        self.query_row = spin(0, 0, 0, "attention-query-row", "The query pixel's row (0 = top)")
        self.query_col = spin(0, 0, 0, "attention-query-col", "The query pixel's column (0 = left)")
        self.opacity = slider(0, 100, 70, "attention-opacity", "How strongly the heat map covers the images")
        self.opacity.setMaximumWidth(140)
        for box in (self.seed, self.count, self.threshold, self.query_row, self.query_col):
            box.valueChanged.connect(lambda _v: self._soon.start())
        self.class_combo.currentIndexChanged.connect(lambda _i: self._soon.start())
        self.opacity.valueChanged.connect(lambda _v: self._compose())
        self.info = hint(small=True)
        self.placeholder = placeholder_label("Load a SAGAN run with a self-attention layer.")
        self.grid_host, self.grid = grid_host(6)
        self.scroll = scroll_area(self.grid_host, frame=False)
        box = QGroupBox("Attention of the query pixel (click any image to move it)")
        fill(QVBoxLayout(box),
             row(QLabel("Seed"), self.seed, QLabel("images"), self.count, self.class_label, self.class_combo,
                 self.threshold_label, self.threshold, None),
             row(QLabel("Query pixel: row"), self.query_row, QLabel("column"), self.query_col, 16,
                 QLabel("opacity"), self.opacity, 16, legend("low attention", "highest"), None),
             self.info, self.placeholder, (self.scroll, 1))
        fill(QVBoxLayout(self.body), box, margins=0)
        self.follow_session()

    # ---- the model ---------------------------------------------------------------------------------------
    def model_changed(self) -> None:
        self.worker.discard()
        self.images = self.heat = self.shown = None
        self._clear_tiles()
        self.info.setText("")
        method = self.method
        classes = tuple(method.classes) if isinstance(method, Conditional) else ()
        for widget in (self.class_combo, self.query_row, self.query_col, self.threshold):
            widget.blockSignals(True)
        self.class_combo.clear()
        if classes:
            self.class_combo.addItem("one per image", EACH_IMAGE)
            for k, name in enumerate(classes):
                self.class_combo.addItem(name, k)
        self.class_combo.setVisible(bool(classes))
        self.class_label.setVisible(bool(classes))
        truncation = isinstance(method, Truncation)
        self.threshold.setVisible(truncation)
        self.threshold_label.setVisible(truncation)
        side = self.session.base_space.image_shape[-1] if method is not None else 1
        for box in (self.query_row, self.query_col):
            box.setRange(0, side - 1)
            box.setValue(side // 2)
        for widget in (self.class_combo, self.query_row, self.query_col, self.threshold):
            widget.blockSignals(False)
        self.placeholder.setText("Computing the attention maps…" if method is not None else
                                 "Nothing to show for this model.")
        self.placeholder.show()
        self._needs_render = method is not None
        if self._needs_render and self.isVisible():
            self.render()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._needs_render:
            self.render()

    def shutdown(self) -> None:
        self.worker.shutdown()

    # ---- the query ---------------------------------------------------------------------------------------
    @property
    def query(self) -> tuple[int, int]:
        return self.query_row.value(), self.query_col.value()

    def set_query(self, row_index: int, col_index: int) -> None:
        """Make pixel (row, col) the query (what a click on an image does)."""
        self.query_row.setValue(row_index)
        self.query_col.setValue(col_index)
        self._soon.start()

    def request(self) -> dict | None:
        """What the controls ask for, or None without a model."""
        method = self.method
        if method is None:
            return None
        n, chosen = self.count.value(), self.class_combo.currentData()
        labels = None
        if isinstance(method, Conditional) and chosen is not None:
            labels = [i % len(method.classes) for i in range(n)] if chosen == EACH_IMAGE else int(chosen)
        threshold = self.threshold.value() if isinstance(method, Truncation) else 0.0
        return {"method": method, "seed": self.seed.value(), "count": n, "query": self.query, "labels": labels,
                "threshold": threshold}

    def render(self) -> None:
        """Ask the worker for the images and maps of the current choices (a newer request replaces it)."""
        self._needs_render = False
        request = self.request()
        if request is not None:
            self.worker.submit(request)

    def _ready(self, _request_id: int, result) -> None:  # noqa: ANN001
        request, images, heat = result
        self.shown, self.images, self.heat = request, images, heat
        self.placeholder.hide()
        self._compose()
        r, c = request["query"]
        side = self.method.attention_resolution if self.method is not None else 0
        self.info.setText(f"Query pixel (row {r}, column {c}): the dashed square is its position in the {side}×{side} "
                          "attention layer; the heat shows how strongly that position draws on each region, "
                          "each map scaled to its own peak.")

    # ---- showing -----------------------------------------------------------------------------------------
    def _compose(self) -> None:
        """Lay the heat maps over the images at the chosen opacity and mark the query (GUI thread: small arrays)."""
        if self.images is None or self.shown is None or self.method is None:
            return
        n = len(self.images)
        if len(self.tiles) != n:
            self._clear_tiles()
            for i in range(n):
                tile = QueryImage(self._caption(i))
                tile.picked.connect(self.set_query)
                self.tiles.append(tile)
        columns, zoom = self._fitting_layout()
        opacity = self.opacity.value() / 100
        side = self.method.attention_resolution
        for i, tile in enumerate(self.tiles):
            tile.caption.setText(self._caption(i))
            tile.show_image(overlay(self.images[i], self.heat[i], opacity), self.shown["query"], side, zoom)
        if (columns, zoom) != self.layout_shown:
            self._place_tiles(columns)
        self.layout_shown = (columns, zoom)

    def _caption(self, i: int) -> str:
        request = self.shown or {}
        labels = request.get("labels")
        label = labels[i] if isinstance(labels, list) else labels
        named = label is not None and isinstance(self.method, Conditional)
        return f"seed {request.get('seed', 0)} · #{i + 1}" + (f" · class {self.method.classes[label]}" if named else "")

    def _fitting_layout(self) -> tuple[int, int]:
        """(columns, zoom): the images as large as the view allows, all of them in view when they fit 1:1."""
        n, side = len(self.images), int(self.images.shape[1])
        width, height = self.scroll.viewport().width() - 8, self.scroll.viewport().height() - 8
        best = (n, 1)
        for columns in range(1, n + 1):
            rows = -(-n // columns)
            zoom = fitting_zoom(side, columns, rows, width, height - (CAPTION + 8) * rows, MOST)
            if zoom > best[1]:
                best = (columns, zoom)
        return best

    def _place_tiles(self, columns: int) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // columns, i % columns)

    def _clear_tiles(self) -> None:
        self.tiles.clear()
        self.layout_shown = (0, 0)
        clear_layout(self.grid)

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        if self.tiles and self.images is not None and self._fitting_layout() != self.layout_shown:
            self._compose()


def _attention(request: dict) -> tuple:
    """The worker's computation (its own thread): (request, uint8 images N×S×S×C, heat maps N×S×S in [0, 1])."""
    from workbench.compat import one_torch_thread
    from workbench.gui.panels.latent.session import to_uint8
    from workbench.latent.attention import attention_overlay

    labels = request["labels"]
    if isinstance(labels, list):
        import torch

        labels = torch.tensor(labels, dtype=torch.long)
    with one_torch_thread():
        images, heat = attention_overlay(request["method"], request["seed"], request["query"], request["count"],
                                         labels=labels, threshold=request["threshold"])
    return request, to_uint8(images), heat.numpy()
