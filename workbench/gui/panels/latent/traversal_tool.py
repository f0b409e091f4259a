"""Traversals: a grid whose rows are latent dimensions (or saved directions) and whose columns move the chosen
code from −k to +k along each. Dimensions can be ordered by their KL (VAEs: the dimensions the model really
uses come first, the collapsed ones last) or by the variance of encoded data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.panels.latent.pinned_strip import PinCombo
from workbench.gui.widgets.factory import button, choice, fill, hint, row, scroll_area, spin

ORDERS = (("index", "dimension index"), ("kl", "KL to the prior (VAE), largest first"),
          ("variance", "variance of encoded data, largest first"))


def load_saved_directions(session) -> list:  # noqa: ANN001 - a LatentSession
    """The run's saved directions (workbench.latent.directions), [] when none or unreadable (reported)."""
    if session.run is None or session.space is None:
        return []
    try:
        from workbench.latent.directions import load_directions
    except ImportError:
        return []
    try:
        return list(load_directions(session.run, session.space.latent_dim))
    except ValueError as err:
        session.error.emit(f"The saved directions could not be read: {str(err).removeprefix('LatentError: ')}", "")
        return []


class TraversalTool(QWidget):
    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.directions: list = []  # saved Direction records
        self.rows: list[str] = []  # row headers of the grid shown
        self.codes = None  # (R·columns, D) of the grid shown
        self.images = None  # float tensor of the grid shown (for the PNG export)
        self.scores = None  # per-dimension order scores (np.ndarray) of the current space, by order key
        self._score_cache: dict[str, object] = {}

        self.center = PinCombo(session)
        self.center.setToolTip("The code at the centre column")
        self.rows_combo = choice([("latent dimensions", "dims"), ("saved directions", "directions")],
                                 on_change=self._update_controls)
        self.order_combo = choice([(text, key) for key, text in ORDERS], tip="Which dimensions come first")
        for combo in (self.rows_combo, self.order_combo):  # long item texts must not widen the whole window
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        self.max_rows = spin(1, 512, 10, tip="At most this many rows")
        self.k_spin = spin(0.0, 50.0, 3.0, step=0.5, tip="Columns go from −k to +k around the code (prior units: "
                           "k = 3 is three standard deviations)")
        self.columns_spin = spin(1, 41, 7)
        self.show_button = button("Show traversal", "show-traversal", on_click=self.show_traversal)
        self.export_button = button("Export PNG…", on_click=self._ask_export)
        self.info = hint()
        self.grid = ImageGrid("Pin a code, then Show traversal.", cell=56)
        scroll = scroll_area(self.grid)

        controls = QGroupBox("Traversal around a pinned code")
        fill(QVBoxLayout(controls),
             row(QLabel("Centre"), self.center, QLabel("Rows"), self.rows_combo, QLabel("Order"), self.order_combo,
                 QLabel("Max rows"), self.max_rows, None),
             # two rows, so the tab fits beside the Runs list on a 1366-pixel screen
             row(QLabel("k"), self.k_spin, QLabel("Columns"), self.columns_spin, self.show_button, self.export_button,
                 None),
             self.info)
        layout = QVBoxLayout(self)
        layout.addWidget(controls)
        layout.addWidget(scroll, 1)
        self.center.currentIndexChanged.connect(lambda _i: self._update_controls())
        session.space_changed.connect(self._space_changed)
        session.directions_changed.connect(self.reload_directions)
        self._space_changed()

    # ---- state -------------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        self._score_cache.clear()
        self.codes = self.images = None
        space = self.session.space
        model = self.order_combo.model()
        for i, (key, _text) in enumerate(ORDERS):
            ok = key == "index" or (space is not None and (space.is_vae if key == "kl" else space.has_encoder))
            model.item(i).setEnabled(ok)
        if space is not None:
            self.order_combo.setCurrentIndex(1 if space.is_vae else 2 if space.has_encoder else 0)
            self.max_rows.setValue(min(10, space.latent_dim))
        self.grid.set_placeholder("Pin a code, then Show traversal." if space is not None else "Load a run first.")
        self.reload_directions()

    def reload_directions(self) -> None:
        self.directions = load_saved_directions(self.session)
        item = self.rows_combo.model().item(1)
        item.setEnabled(bool(self.directions))
        self.rows_combo.setItemText(1, f"saved directions ({len(self.directions)})" if self.directions
                                    else "saved directions (none yet: compute them in Directions)")
        if not self.directions and self.rows_combo.currentIndex() == 1:
            self.rows_combo.setCurrentIndex(0)
        self._update_controls()

    def _update_controls(self) -> None:
        loaded = self.session.space is not None
        dims = self.rows_combo.currentData() == "dims"
        self.order_combo.setEnabled(loaded and dims)
        self.show_button.setEnabled(loaded and self.center.current_pin() is not None)
        self.export_button.setEnabled(self.images is not None)

    # ---- compute -----------------------------------------------------------------------------------------
    def show_traversal(self) -> None:
        pin = self.center.current_pin()
        space = self.session.space
        if pin is None or space is None:
            return
        use_dims = self.rows_combo.currentData() == "dims"
        order = self.order_combo.currentData() if use_dims else "index"
        max_rows, k, columns = self.max_rows.value(), self.k_spin.value(), self.columns_spin.value()
        directions = list(self.directions)
        cached = self._score_cache.get(order)
        session = self.session

        def work():  # noqa: ANN202 - background thread
            import numpy as np
            import torch

            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.traversal import dimension_directions, dimension_order, traversal_codes

            scores = cached
            if use_dims:
                if scores is None and order != "index":
                    scores = _dimension_scores(space, order)
                dims = (dimension_order(scores) if scores is not None else np.arange(space.latent_dim))[:max_rows]
                rows = dimension_directions(dims, space.latent_dim)
                headers = [f"z{d}" + (f"<br><small>{_score_text(order, scores[d])}</small>" if scores is not None
                                      else "") for d in dims]
            else:
                chosen = directions[:max_rows]
                rows = torch.stack([d.vector.float() for d in chosen])
                headers = [f"{d.name}<br><small>{d.method}</small>" for d in chosen]
            codes = traversal_codes(pin.z, rows, k, columns)
            labels = session.labels_tensor([pin.label] * codes.shape[0])
            with torch.no_grad():
                images = space.decode(codes, labels)
            return order, scores, headers, codes, images, to_uint8(images)

        self.show_button.setEnabled(False)
        what = f"Traversal of {min(max_rows, space.latent_dim if use_dims else len(directions))}×{columns}"
        self.session.run_task(work, self._show, what, on_failed=lambda *_: self._update_controls())

    def _show(self, value) -> None:  # noqa: ANN001
        order, scores, headers, self.codes, self.images, shown = value
        if scores is not None:
            self._score_cache[order] = scores
        self.rows = headers
        columns = self.columns_spin.value()
        k = self.k_spin.value()
        values = [-k + 2 * k * j / (columns - 1) if columns > 1 else 0.0 for j in range(columns)]
        column_headers = [f"{v:+.2g}" if abs(v) > 1e-9 else "0 (code)" for v in values]
        self.grid.set_images(shown, columns=columns, row_headers=headers, column_headers=column_headers)
        pin = self.center.current_pin()
        if self.rows_combo.currentData() == "dims":
            rows_text = {"index": "latent dimensions in index order",
                         "kl": "latent dimensions, largest KL to the prior first (nats, over encoded data)",
                         "variance": "latent dimensions, largest variance of encoded data first"}[order]
        else:
            rows_text = "saved directions (unit vectors)"
        self.info.setText(f"{len(headers)} rows × {columns} columns around “{pin.name if pin else '?'}”, offsets "
                          f"−{k:g} … +{k:g}; rows: {rows_text}.")
        self._update_controls()

    # ---- export ------------------------------------------------------------------------------------------
    def _ask_export(self) -> None:
        run = self.session.run
        default = str((Path(run.path) / "latent" if run is not None else Path.home()) / "traversal.png")
        path, _ = QFileDialog.getSaveFileName(self, "Export the traversal grid", default, "PNG image (*.png)")
        if path:
            self.export(path)

    def export(self, path: str | Path):  # noqa: ANN201 - the Path written, or None
        from workbench.latent.export import save_png_strip

        if self.images is None:
            return None
        try:
            written = save_png_strip(self.images, path, nrow=self.columns_spin.value())
        except (ValueError, OSError) as err:
            self.session.error.emit(f"Export failed: {str(err).removeprefix('LatentError: ')}", "")
            return None
        self.session.status.emit(f"Exported the traversal grid to {written}.")
        return written


def _dimension_scores(space, order: str, n: int = 512):  # noqa: ANN001, ANN202 - np.ndarray (D,)
    """KL per dimension (VAEs) or variance of encoded codes over a fixed sample of the dataset."""
    import torch

    from workbench.latent.traversal import kl_per_dimension, variance_per_dimension

    dataset = space.dataset()
    count = min(n, len(dataset))
    indices = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))[:count]
    images, labels = dataset.get_batch(indices)
    labels = labels if space.classes else None
    with torch.no_grad():
        if order == "kl":
            mu, logvar = space.posterior(images, labels) if labels is not None else space.posterior(images)
            return kl_per_dimension(mu, logvar)
        return variance_per_dimension(space.encode(images, labels))


def _score_text(order: str, value: float) -> str:
    return f"KL {value:.2f}" if order == "kl" else f"var {value:.2f}" if order == "variance" else ""
