"""Embedding view: a 2-D map (PCA, t-SNE or UMAP) of the codes of a dataset sample, coloured by class or by a
known factor; hovering a point shows its image beside the plot, clicking it pins its code.

Models with an encoder map the codes of real images (each point knows its dataset index, class and factors);
models without one map prior samples, which carry no labels (the title says so). The embedding runs in the
background: t-SNE takes seconds, and UMAP's first import alone takes about 15 s.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QSplitter, QVBoxLayout, QWidget

from workbench.gui.panels.latent.tool_common import HINT_STYLE, TaskRow, captioned_view, follow_space
from workbench.gui.widgets.factory import choice, fill, label, row, seed_spin, spin
from workbench.gui.widgets.pixmaps import pixmap_at_least

METHOD_LABELS = (("pca", "PCA"), ("tsne", "t-SNE"), ("umap", "UMAP"))
CATEGORY_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
MAX_CATEGORIES = 12  # more distinct values than this are coloured on a continuous scale
HOVER_PIXELS = 10  # a point within this many screen pixels of the mouse is "under" it
POINT_SIZE = 6


def _umap_imported() -> bool:
    import sys

    return "umap" in sys.modules


class EmbeddingTool(QWidget):
    """Consumes the session's space; pins codes of clicked points."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.embedding = None  # workbench.latent.embedding.Embedding
        self.images: np.ndarray | None = None  # uint8 N×H×W×C dataset images of the points (encoded only)
        self.value_names: dict[str, list[str]] = {}  # readable names of class and factor values
        self.hovered: int | None = None
        self._decoded: dict[int, np.ndarray] = {}
        self.scatter_items: list[pg.ScatterPlotItem] = []

        self.method_combo = choice([(label, key) for key, label in METHOD_LABELS], tip="PCA: linear and instant; "
                                   "t-SNE and UMAP keep neighbours together (distances between clusters mean little)")
        self.points_spin = spin(10, 20_000, 1000, step=250, suffix=" codes")
        self.seed_spin = seed_spin()
        self.colour_combo = choice(on_change=self._draw)
        self.colour_combo.setMinimumWidth(140)
        controls = row(QLabel("Map"), self.method_combo, QLabel("of"), self.points_spin, QLabel("seed"), self.seed_spin,
                       12, QLabel("Colour by"), self.colour_combo, None)
        self.task = TaskRow(session, "Compute")
        self.task.button.setObjectName("embedding-compute")
        self.task.button.clicked.connect(self.compute)

        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setMinimumSize(360, 300)
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        self.plot_item.setLabel("bottom", "component 1")
        self.plot_item.setLabel("left", "component 2")
        self.legend = self.plot_item.addLegend(offset=(8, 8), labelTextColor="#222", brush=(255, 255, 255, 200),
                                               pen=pg.mkPen("#bbb"))
        self.highlight = pg.ScatterPlotItem(size=POINT_SIZE + 8, pen=pg.mkPen("#000", width=2), brush=None)
        self.highlight.setZValue(10)
        self.plot_item.addItem(self.highlight)
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot_widget.scene().sigMouseClicked.connect(self._mouse_clicked)
        self.placeholder = label("", style=f"{HINT_STYLE} padding: 16px;", wrap=True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = label("", "embedding-title", wrap=True)
        plot_box = QWidget()
        fill(QVBoxLayout(plot_box), self.title, self.placeholder, (self.plot_widget, 1), margins=0)

        preview = QGroupBox("Point under the mouse")
        self.real_view = QLabel()
        self.decoded_view = QLabel()
        self.real_caption = QLabel("dataset image")
        images = row(*(captioned_view(view, caption, 112) for view, caption in
                       ((self.real_view, self.real_caption), (self.decoded_view, QLabel("decoded code")))))
        self.point_info = label("Hover a point to see its image; click it to pin its code.", "embedding-point-info",
                                wrap=True, selectable=True)
        fill(QVBoxLayout(preview), images, self.point_info, None)
        preview.setMinimumWidth(260)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("latent-embedding-splitter")  # its sizes are remembered
        splitter.addWidget(plot_box)
        splitter.addWidget(preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        fill(QVBoxLayout(self), controls, self.task, (splitter, 1), margins=4)
        follow_space(session, self._space_changed)

    # ---- the session -------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        self.embedding, self.images, self.hovered = None, None, None
        self._decoded.clear()
        self.task.clear()
        space = self.session.space
        self.task.button.setEnabled(space is not None and not self.task.busy)
        self._fill_colour_choices()
        self._clear_preview()
        if space is None:
            self._show_placeholder("Load a run to map its latent codes.")
        elif space.has_encoder:
            self._show_placeholder(f"“Compute” encodes a seeded sample of dataset images with {space.method_name} "
                                   "and maps their codes to 2-D, coloured by class or factor.")
        else:
            self._show_placeholder(f"{space.method_name} has no encoder: “Compute” maps prior samples, which carry "
                                   "no labels to colour by.")

    def _show_placeholder(self, text: str) -> None:
        self._clear_plot()
        self.title.setText("")
        self.placeholder.setText(text)
        self.placeholder.show()

    # ---- computing ---------------------------------------------------------------------------------------
    def compute(self) -> None:
        space = self.session.space
        if space is None or self.task.busy:
            return
        method = self.method_combo.currentData()
        label = self.method_combo.currentText()
        n, seed = self.points_spin.value(), self.seed_spin.value()
        first_umap = method == "umap" and not _umap_imported()

        def work(progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.embedding import dataset_embedding

            if first_umap:
                progress("Importing UMAP (numba compiles on first use: about 15 s)…")
                import umap  # noqa: F401 - the slow first import, separately so the user knows what waits

            what = "encoding dataset images" if space.has_encoder else "sampling the prior"
            progress(f"{label} of {n} codes ({what})…")
            embedding = dataset_embedding(space, n, method, seed)
            images, names = None, {}
            if embedding.source == "encoded":
                import torch

                dataset = space.dataset()
                progress("Reading the points' images…")
                indices = torch.as_tensor(embedding.indices, dtype=torch.long)
                images = np.concatenate([to_uint8(dataset.get_batch(chunk)[0]) for chunk in indices.split(256)])
                names = _value_names(dataset.info)
            return embedding, images, names

        self.task.start(work, self._computed, f"{label} embedding")

    def _computed(self, value) -> None:  # noqa: ANN001
        self.embedding, self.images, self.value_names = value
        self._decoded.clear()
        self.hovered = None
        self._fill_colour_choices()
        self.placeholder.hide()
        method = self.embedding.method
        label = dict(METHOD_LABELS).get(method, method)
        self.title.setText(self.embedding.provenance.replace(method.upper(), label, 1))
        self.task.set_status(f"{len(self.embedding)} points. Hover for the image, click to pin the code.")
        self._draw()
        self.plot_item.autoRange()

    def _fill_colour_choices(self) -> None:
        current = self.colour_combo.currentData()
        self.colour_combo.blockSignals(True)
        self.colour_combo.clear()
        e = self.embedding
        if e is not None and e.labels is not None:
            self.colour_combo.addItem("class", "class")
        if e is not None:
            for name in e.factor_names:
                self.colour_combo.addItem(f"factor: {name}", name)
        self.colour_combo.addItem("nothing", None)
        index = self.colour_combo.findData(current) if current is not None else -1
        self.colour_combo.setCurrentIndex(index if index >= 0 else 0)
        self.colour_combo.blockSignals(False)

    # ---- drawing -----------------------------------------------------------------------------------------
    def colour_values(self) -> np.ndarray | None:
        """The value each point is coloured by (class or factor), or None."""
        e, key = self.embedding, self.colour_combo.currentData()
        if e is None or key is None:
            return None
        if key == "class":
            return e.labels
        return e.factors[:, e.factor_names.index(key)]

    def _clear_plot(self) -> None:
        for item in self.scatter_items:
            self.plot_item.removeItem(item)
        self.scatter_items.clear()
        self.legend.clear()
        self.highlight.setData([], [])

    def _draw(self) -> None:
        self._clear_plot()
        e = self.embedding
        if e is None:
            return
        points = e.points
        values = self.colour_values()
        key = self.colour_combo.currentData()
        name_of = self.value_names.get(key or "", [])

        def text(v: int) -> str:
            return name_of[v] if 0 <= v < len(name_of) else f"{key} {v}"

        if values is None:
            self._add_points(points, (31, 119, 180), "codes" if e.source == "encoded" else "prior samples")
        else:
            distinct = np.unique(values)
            if len(distinct) <= MAX_CATEGORIES:
                for i, v in enumerate(distinct):
                    self._add_points(points[values == v], CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)], text(int(v)))
            else:  # many ordered values (orientation, position): one continuous scale, a few legend samples
                cmap = pg.colormap.get("viridis")
                low, high = float(values.min()), float(values.max())
                fractions = (values - low) / (high - low if high > low else 1.0)
                colours = cmap.map(fractions, mode="byte")
                item = pg.ScatterPlotItem(points[:, 0], points[:, 1], size=POINT_SIZE, pen=None,
                                          brush=[pg.mkBrush(*c[:3], 200) for c in colours])
                self.plot_item.addItem(item)
                self.scatter_items.append(item)
                for v in np.linspace(low, high, 5).round().astype(int):
                    sample = pg.ScatterPlotItem(size=POINT_SIZE + 2, pen=None,
                                                brush=pg.mkBrush(*cmap.map((v - low) / (high - low or 1.0),
                                                                           mode="byte")[:3]))
                    self.legend.addItem(sample, text(int(v)))
        self._show_hovered()

    def _add_points(self, points: np.ndarray, colour: tuple[int, int, int], name: str) -> None:
        item = pg.ScatterPlotItem(points[:, 0], points[:, 1], size=POINT_SIZE, pen=None,
                                  brush=pg.mkBrush(*colour, 190), name=name)
        self.plot_item.addItem(item)
        self.scatter_items.append(item)

    def drawn_point_count(self) -> int:
        return sum(len(item.data) for item in self.scatter_items)

    # ---- hover and click ---------------------------------------------------------------------------------
    def point_at(self, scene_pos: QPointF) -> int | None:
        """Index of the point within HOVER_PIXELS of a scene position, or None."""
        e = self.embedding
        vb = self.plot_item.vb
        if e is None or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        where = vb.mapSceneToView(scene_pos)
        pixel_w, pixel_h = vb.viewPixelSize()
        dx = (e.points[:, 0] - where.x()) / (pixel_w or 1.0)
        dy = (e.points[:, 1] - where.y()) / (pixel_h or 1.0)
        distance = dx * dx + dy * dy
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= HOVER_PIXELS**2 else None

    def scene_position(self, index: int) -> QPointF:
        """Scene position of point `index` (for tests and keyboard-free pinning)."""
        x, y = self.embedding.points[index]
        return self.plot_item.vb.mapViewToScene(QPointF(float(x), float(y)))

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        index = self.point_at(scene_pos)
        if index is not None and index != self.hovered:
            self.hovered = index
            self._show_hovered()

    def _mouse_clicked(self, event) -> None:  # noqa: ANN001 - a pyqtgraph MouseClickEvent
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.point_at(event.scenePos())
        if index is not None:
            self.pin_point(index)

    def _clear_preview(self) -> None:
        self.real_view.clear()
        self.decoded_view.clear()
        self.point_info.setText("Hover a point to see its image; click it to pin its code.")

    def decoded_image(self, index: int) -> np.ndarray:
        if index not in self._decoded:
            label = self._point_label(index)
            self._decoded[index] = self.session.decode(self.embedding.codes[index:index + 1], [label])[0]
        return self._decoded[index]

    def _point_label(self, index: int) -> int | None:
        e, space = self.embedding, self.session.space
        if space is None or not space.classes or e.labels is None:
            return None
        return int(e.labels[index])

    def _describe_point(self, index: int) -> str:
        e = self.embedding
        if e.source != "encoded":
            return f"prior sample {int(e.indices[index])} of {len(e)} (seed {self.seed_spin.value()})"
        parts = [f"dataset image #{int(e.indices[index])}"]
        if e.labels is not None:
            names = self.value_names.get("class", [])
            label = int(e.labels[index])
            parts.append(names[label] if label < len(names) else f"class {label}")
        if e.factors is not None:
            for j, name in enumerate(e.factor_names):
                value = int(e.factors[index, j])
                names = self.value_names.get(name, [])
                text = names[value] if value < len(names) else f"{name} {value}"
                if text not in parts:  # shapes2d's class is its shape factor
                    parts.append(text)
        return " · ".join(parts)

    def _show_hovered(self) -> None:
        index = self.hovered
        if index is None or self.embedding is None:
            self.highlight.setData([], [])
            return
        x, y = self.embedding.points[index]
        self.highlight.setData([x], [y])
        if self.images is not None:
            self.real_view.setPixmap(pixmap_at_least(self.images[index], 112))
            self.real_caption.setText("dataset image")
        else:
            self.real_view.clear()
            self.real_caption.setText("(no dataset image: prior sample)")
        self.decoded_view.setPixmap(pixmap_at_least(self.decoded_image(index), 112))
        self.point_info.setText(f"{self._describe_point(index)}<br>at ({x:.3g}, {y:.3g}).<br>"
                                "<i>Click to pin this code.</i>")

    def pin_point(self, index: int) -> None:
        """Pin the code of point `index` (its exact code, not a point of the 2-D map)."""
        from workbench.latent.codes import PinnedCode

        e = self.embedding
        if e is None or not 0 <= index < len(e):
            return
        if e.source == "encoded":
            name = f"{self.session.space.data_config.name} #{int(e.indices[index])}"
            source = "encoded"
        else:
            name = f"prior {self.seed_spin.value()}:{int(e.indices[index])}"
            source = "prior"
        detail = f"{self._describe_point(index)}; picked on the {e.method.upper()} map"
        self.session.add_pins([PinnedCode(name=name, z=e.codes[index].clone(), label=self._point_label(index),
                                          source=source, detail=detail)])
        self.hovered = index
        self._show_hovered()


def _value_names(info) -> dict[str, list[str]]:  # noqa: ANN001 - a DataInfo
    """Readable names of the class and factor values (shapes2d's shapes and scales...)."""
    from workbench.latent.attribute_predictor import factor_value_names

    names = {"class": list(info.class_names)} if info.class_names else {}
    for column, name in enumerate(info.factor_names):
        names[name] = list(factor_value_names(info, column))
    return names
