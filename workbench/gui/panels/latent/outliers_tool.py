"""Outliers tool: rank a sample of dataset images by how well the model explains them and show the least
likely ones, with their scores and where they fall in the distribution of all scores.

VAEs rank by the ELBO (a lower bound on log p(x), in nats: the density-estimation use of a VAE); any model with
an encoder can rank by reconstruction error instead. Clicking an image pins its code. Scoring runs in the
background (`workbench.latent.outliers.rank_outliers`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QSplitter, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import placeholder_label
from workbench.gui.panels.latent.tool_common import ImageTile, TaskRow, follow_space
from workbench.gui.widgets.factory import choice, clear_layout, fill, grid_host, hint, row, scroll_area, seed_spin, spin

CRITERIA = (("elbo", "ELBO (VAE likelihood bound)"), ("reconstruction", "Reconstruction error (MSE)"))
TILE_PIXELS = 64
TILE_WIDTH = TILE_PIXELS + 16  # a tile with its margins and spacing


class OutliersTool(QWidget):
    """Consumes the session's space; pins the codes of clicked images."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.ranking = None  # workbench.latent.outliers.OutlierRanking
        self.images: np.ndarray | None = None  # uint8 K×H×W×C of the K least likely images
        self.inputs: np.ndarray | None = None  # float32 K×C×H×W in [-1, 1], to encode on click
        self.labels: np.ndarray | None = None  # K class labels
        self.tiles: list[ImageTile] = []

        self.criterion_combo = choice([(label, key) for key, label in CRITERIA])
        self.images_spin = spin(10, 200_000, 2000, tip="a seeded sample of the dataset (all of it when smaller)",
                                step=500, suffix=" images")
        self.show_spin = spin(1, 256, 32)
        self.seed_spin = seed_spin()
        controls = row(QLabel("Rank by"), self.criterion_combo, QLabel("over"), self.images_spin, QLabel("show the"),
                       self.show_spin, QLabel("least likely · seed"), self.seed_spin, None)
        self.applicability = QLabel()
        self.applicability.setWordWrap(True)
        self.task = TaskRow(session, "Rank")
        self.task.button.setObjectName("outliers-rank")
        self.task.button.clicked.connect(self.rank)

        self.histogram = pg.PlotWidget(background="w")
        self.histogram.setMinimumHeight(110)
        self.histogram.setMaximumHeight(190)
        plot = self.histogram.getPlotItem()
        plot.setLabel("left", "images")
        plot.setLabel("bottom", "score")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        self.bars = pg.PlotCurveItem([0.0], [], stepMode="center", fillLevel=0, brush=(31, 119, 180, 120),
                                     pen=pg.mkPen((31, 119, 180)))
        plot.addItem(self.bars)
        self.cut_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#c62828", width=2, style=Qt.PenStyle.DashLine),
                                        label="shown", labelOpts={"color": "#c62828", "position": 0.9})
        self.cut_line.hide()
        plot.addItem(self.cut_line)
        histogram_box = QGroupBox("Scores of all ranked images")
        histogram_layout = QVBoxLayout(histogram_box)
        histogram_layout.addWidget(self.histogram)

        grid_box = QGroupBox("Least likely images (click one to pin its code)")
        self.caption = hint()
        self.placeholder = placeholder_label()
        self.grid_host, self.grid = grid_host(4)
        self.scroll = scroll = scroll_area(self.grid_host, frame=False)
        fill(QVBoxLayout(grid_box), self.caption, self.placeholder, (scroll, 1))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("latent-outliers-splitter")  # its sizes are remembered
        splitter.addWidget(grid_box)
        splitter.addWidget(histogram_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 160])
        fill(QVBoxLayout(self), self.applicability, controls, self.task, (splitter, 1), margins=4)
        follow_space(session, self._space_changed)

    # ---- the session -------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        space = self.session.space
        self.task.clear()
        self._show(None)
        model = self.criterion_combo.model()
        model.item(0).setEnabled(bool(space is not None and space.is_vae))
        model.item(1).setEnabled(bool(space is not None and space.has_encoder))
        if space is not None and space.has_encoder:
            self.criterion_combo.setCurrentIndex(0 if space.is_vae else 1)
        usable = space is not None and space.has_encoder
        self.task.button.setEnabled(usable and not self.task.busy)
        if space is None:
            text = "Load a run to rank its dataset by likelihood."
        elif space.is_vae:
            text = (f"{space.method_name} is a VAE: its ELBO bounds log p(x) from below, so the images with the "
                    "lowest ELBO are the ones the model finds least likely (odd, mislabelled or corrupted).")
        elif space.has_encoder:
            text = (f"{space.method_name} has no likelihood; images it reconstructs worst (highest MSE) stand in for "
                    "the least likely.")
        else:
            text = (f"{space.method_name} has no encoder, so it cannot score real images: outliers by likelihood "
                    "need a VAE (ELBO) or an autoencoder (reconstruction error).")
        self.applicability.setText(text if usable or space is None else f"<span style='color:#8a6d00'>{text}</span>")
        self.placeholder.setText("Press “Rank” to score the dataset sample." if usable else
                                 "Nothing to rank for this model.")

    # ---- ranking -----------------------------------------------------------------------------------------
    def rank(self) -> None:
        space = self.session.space
        if space is None or not space.has_encoder or self.task.busy:
            return
        criterion = self.criterion_combo.currentData()
        n, shown, seed = self.images_spin.value(), self.show_spin.value(), self.seed_spin.value()

        def work(progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            import torch

            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.outliers import rank_outliers

            ranking = rank_outliers(space, n, criterion, seed,
                                    progress=lambda done, total: progress(f"Scoring images: {done} / {total}"))
            first = torch.as_tensor(ranking.indices[:shown], dtype=torch.long)
            images, labels = space.dataset().get_batch(first)
            return ranking, to_uint8(images), images.numpy().astype(np.float32), labels.numpy()

        label = self.criterion_combo.currentText().split(" (")[0]
        self.task.start(work, self._ranked, f"Ranking by {label}")

    def _ranked(self, value) -> None:  # noqa: ANN001
        ranking, images, inputs, labels = value
        self.images, self.inputs, self.labels = images, inputs, labels
        self._show(ranking)
        self.task.set_status(f"Ranked {len(ranking.scores)} images.")

    # ---- showing -----------------------------------------------------------------------------------------
    def _clear_grid(self) -> None:
        self.tiles.clear()
        clear_layout(self.grid)

    def _show(self, ranking) -> None:  # noqa: ANN001 - an OutlierRanking or None
        self.ranking = ranking
        self._clear_grid()
        if ranking is None:
            self.caption.setText("")
            self.placeholder.show()
            self.grid_host.hide()
            self.bars.setData([0.0], [])
            self.cut_line.hide()
            return
        self.placeholder.hide()
        self.grid_host.show()
        elbo = ranking.criterion == "elbo"
        unit = "ELBO (nats)" if elbo else "reconstruction MSE"
        k = len(self.images)
        scores = ranking.scores
        median = float(np.median(scores))
        self.caption.setText(
            f"The {k} least likely of {len(scores)} {self.session.space.data_config.name} images by {unit}; "
            f"{'lower' if elbo else 'higher'} is less likely. Median of all: {median:.4g}. "
            "Hover an image for its details, click it to pin its code.")
        classes = self._class_names()
        for i in range(k):
            index = int(ranking.indices[i])
            score = f"{scores[i]:.1f}" if elbo else f"{scores[i]:.4f}"
            label = int(self.labels[i]) if self.labels is not None else None
            kind = f" · {classes[label]}" if label is not None and label < len(classes) else ""
            tile = ImageTile(self.images[i], f"#{index}\n{score}", key=i, size=TILE_PIXELS,
                             tooltip=f"{ranking.describe(i)}{kind}; rank {i + 1} of {len(scores)}. Click to pin.")
            tile.clicked.connect(self.pin_image)
            self.tiles.append(tile)
        self._place_tiles()
        counts, edges = np.histogram(scores, bins=min(60, max(10, len(scores) // 20)))
        self.bars.setData(edges, counts)
        self.histogram.getPlotItem().setLabel("bottom", unit)
        self.cut_line.setPos(float(scores[k - 1]))
        self.cut_line.show()

    def _columns(self) -> int:
        return max(4, (self.scroll.viewport().width() - 8) // TILE_WIDTH)

    def _place_tiles(self) -> None:
        """Fill the grid row by row with as many tiles per row as the view is wide."""
        columns = self._columns()
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // columns, i % columns)

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        if self.tiles and self.grid.columnCount() != self._columns():
            self._place_tiles()

    def _class_names(self) -> tuple[str, ...]:
        space = self.session.space
        if space is None:
            return ()
        if space.classes:
            return tuple(space.classes)
        try:
            return tuple(space.dataset().info.class_names)
        except Exception:  # noqa: BLE001 - names are decoration; a dataset that fails to build has none
            return ()

    def pin_image(self, i: int) -> None:
        """Encode the i-th least likely image and pin its code."""
        import torch

        from workbench.compat import one_torch_thread
        from workbench.latent.codes import encoded_codes

        space, ranking = self.session.space, self.ranking
        if space is None or ranking is None or not 0 <= i < len(self.tiles):
            return
        index = int(ranking.indices[i])
        labels = torch.as_tensor(self.labels[i:i + 1]) if space.classes and self.labels is not None else None
        with one_torch_thread():
            codes = encoded_codes(space, torch.from_numpy(self.inputs[i:i + 1]),
                                  [f"{space.data_config.name} #{index}"], labels,
                                  details=[f"outlier rank {i + 1} of {len(ranking.scores)}: {ranking.describe(i)}"])
        self.session.add_pins(codes)
