"""Directions tool: find attribute directions in the latent space, keep them in the run, see how entangled
they are, and edit a pinned code along one while holding others fixed.

- Compute: supervised from the dataset's labels or factors (difference of class means, a linear SVM's or a
  logistic regression's boundary normal, InterFaceGAN), from an attribute predictor trained here on the
  labelled real data for models without an encoder (GANs: it labels generated samples), or unsupervised
  (PCA of codes, GANSpace, SeFa). Long work runs in the background with progress text.
- Saved directions: name, method, score and provenance, read from and written to `<run>/latent/`; rename
  by editing the name, delete with the button.
- Cosine similarity of the saved directions as a labelled heat map: entangled attributes show up as large
  off-diagonal values.
- Conditional edit: move a pinned code along one direction with the others checked held fixed (projected out),
  see the decoded image while the slider moves, and pin the result.

Torch and the core are imported inside methods and background work, never at module import.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.panels.latent.tool_common import HINT_STYLE, TaskRow
from workbench.gui.widgets.heatmap import HeatmapView
from workbench.gui.widgets.pixmaps import pixmap_at_least

# (key, label, what it needs): "encoder" = codes of real images, "labels" = a labelled dataset
METHODS = (
    ("class-means", "Difference of class means", "supervised"),
    ("svm", "Linear SVM boundary (InterFaceGAN)", "supervised"),
    ("logistic", "Logistic regression boundary", "supervised"),
    ("predictor-svm", "Attribute predictor → SVM boundary (for GANs)", "predictor"),
    ("predictor-logistic", "Attribute predictor → logistic boundary (for GANs)", "predictor"),
    ("pca", "PCA of codes", "unsupervised"),
    ("ganspace", "GANSpace (PCA of the first generator block)", "unsupervised"),
    ("sefa", "SeFa (first-layer weights, closed form)", "unsupervised"),
)
ALL_OTHERS = -1  # the "negative" choice that means every other value of the attribute
AMOUNT_STEPS = 100  # slider ticks per unit of amount


class DirectionsTool(QWidget):
    """Consumes the session's space, run and pins; writes directions to the run and pins edited codes."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.directions: list = []  # workbench.latent.directions.Direction, in saved order
        self.data_info = None  # the dataset's DataInfo (class and factor names), read in the background
        self.edited_image: np.ndarray | None = None
        self.edited_code = None  # the last edited code (tensor), pinned by "Pin result"
        self._edit_timer = QTimer(self)  # coalesces slider moves: the latest value wins
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(0)
        self._edit_timer.timeout.connect(self._update_edit)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(self._build_compute())
        left_layout.addWidget(self._build_list(), 1)
        splitter.addWidget(left)
        splitter.addWidget(self._build_cosine())
        splitter.addWidget(self._build_edit())
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 4)
        splitter.setSizes([470, 400, 370])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        session.space_changed.connect(self._space_changed)
        session.pins_changed.connect(self._refresh_codes)
        session.directions_changed.connect(self._reload_directions)
        self._space_changed()

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_compute(self) -> QWidget:
        box = QGroupBox("Compute a direction")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.method_combo = QComboBox()
        for key, label, _ in METHODS:
            self.method_combo.addItem(label, key)
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        form.addRow("Method", self.method_combo)
        self.attribute_combo = QComboBox()
        self.attribute_combo.setToolTip("the label or known factor the direction should change")
        self.attribute_combo.currentIndexChanged.connect(self._attribute_changed)
        form.addRow("Attribute", self.attribute_combo)
        values = QHBoxLayout()
        self.positive_combo = QComboBox()
        self.positive_combo.setToolTip("the direction points towards this value")
        self.negative_combo = QComboBox()
        self.negative_combo.setToolTip("…and away from this one (or from all other values)")
        self.positive_combo.currentIndexChanged.connect(self._suggest_name)
        self.negative_combo.currentIndexChanged.connect(self._suggest_name)
        values.addWidget(self.positive_combo, 1)
        values.addWidget(QLabel("vs"))
        values.addWidget(self.negative_combo, 1)
        self.values_label = QLabel("Towards")
        form.addRow(self.values_label, values)
        numbers = QHBoxLayout()
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(20, 20_000)
        self.samples_spin.setSingleStep(100)
        self.samples_spin.setValue(1000)
        self.samples_spin.setToolTip("dataset images encoded, or generated samples labelled by the predictor")
        numbers.addWidget(self.samples_spin, 1)
        numbers.addWidget(QLabel("seed"))
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        numbers.addWidget(self.seed_spin, 1)
        form.addRow("Samples", numbers)
        sizes = QHBoxLayout()
        self.components_spin = QSpinBox()
        self.components_spin.setRange(1, 64)
        self.components_spin.setValue(5)
        self.components_spin.setToolTip("how many principal directions (PCA, GANSpace, SeFa) to save")
        sizes.addWidget(self.components_spin, 1)
        self.steps_label = QLabel("predictor steps")
        sizes.addWidget(self.steps_label)
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(10, 20_000)
        self.steps_spin.setSingleStep(100)
        self.steps_spin.setValue(300)
        self.steps_spin.setToolTip("training steps of the attribute predictor (a small CNN on the real data)")
        sizes.addWidget(self.steps_spin, 1)
        self.components_label = QLabel("Components")
        form.addRow(self.components_label, sizes)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name (saving an existing name replaces that direction)")
        form.addRow("Name", self.name_edit)
        self.method_hint = QLabel()
        self.method_hint.setWordWrap(True)
        self.method_hint.setStyleSheet(HINT_STYLE)
        self.task = TaskRow(self.session, "Compute and save")
        self.task.button.setObjectName("directions-compute")
        self.task.button.clicked.connect(self.compute)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.method_hint)
        layout.addWidget(self.task)
        return box

    def _build_list(self) -> QWidget:
        box = QGroupBox("Saved directions")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("directions-table")
        self.table.setHorizontalHeaderLabels(["Name", "Method", "Score", "Provenance"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.itemChanged.connect(self._name_edited)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("remove the selected directions from the run")
        self.delete_button.clicked.connect(self.delete_selected)
        self.list_info = QLabel()
        self.list_info.setStyleSheet(HINT_STYLE)
        self.list_info.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.list_info, 1)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        return box

    def _build_cosine(self) -> QWidget:
        box = QGroupBox("Cosine similarity of the saved directions")
        self.cosine = HeatmapView("", colormap="CET-D1", row_title="direction", column_title="direction")
        self.cosine.setObjectName("directions-cosine")
        layout = QVBoxLayout(box)
        layout.addWidget(self.cosine)
        return box

    def _build_edit(self) -> QWidget:
        box = QGroupBox("Conditional edit")
        intro = QLabel("Move a pinned code along one direction; checked directions are held fixed (projected out).")
        intro.setWordWrap(True)
        intro.setStyleSheet(HINT_STYLE)
        grid = QGridLayout()
        grid.addWidget(QLabel("Code"), 0, 0)
        self.code_combo = QComboBox()
        self.code_combo.setToolTip("a pinned code (pin one with the bar above)")
        self.code_combo.currentIndexChanged.connect(self._edit_inputs_changed)
        grid.addWidget(self.code_combo, 0, 1)
        grid.addWidget(QLabel("Direction"), 1, 0)
        self.direction_combo = QComboBox()
        self.direction_combo.currentIndexChanged.connect(self._edit_direction_changed)
        grid.addWidget(self.direction_combo, 1, 1)
        grid.addWidget(QLabel("Amount"), 2, 0)
        amount_row = QHBoxLayout()
        self.amount_slider = QSlider(Qt.Orientation.Horizontal)
        self.amount_slider.setRange(-3 * AMOUNT_STEPS, 3 * AMOUNT_STEPS)
        self.amount_slider.setToolTip("distance moved along the (projected) unit direction, in latent units")
        self.amount_slider.valueChanged.connect(self._amount_moved)
        self.amount_label = QLabel("+0.00")
        self.amount_label.setMinimumWidth(44)
        self.range_spin = QSpinBox()
        self.range_spin.setRange(1, 20)
        self.range_spin.setValue(3)
        self.range_spin.setPrefix("±")
        self.range_spin.setToolTip("slider range")
        self.range_spin.valueChanged.connect(
            lambda k: self.amount_slider.setRange(-k * AMOUNT_STEPS, k * AMOUNT_STEPS))
        amount_row.addWidget(self.amount_slider, 1)
        amount_row.addWidget(self.amount_label)
        amount_row.addWidget(self.range_spin)
        grid.addLayout(amount_row, 2, 1)
        grid.addWidget(QLabel("Hold fixed"), 3, 0, Qt.AlignmentFlag.AlignTop)
        self.held_list = QListWidget()
        self.held_list.setToolTip("checked directions are projected out of the moving one, so they stay put")
        self.held_list.setMaximumHeight(120)
        self.held_list.itemChanged.connect(self._edit_inputs_changed)
        grid.addWidget(self.held_list, 3, 1)
        grid.setColumnStretch(1, 1)

        images = QHBoxLayout()
        images.addStretch(1)
        self.original_view = QLabel()
        self.edited_view = QLabel()
        self.edited_view.setObjectName("directions-edited-image")
        for title, view in (("pinned code", self.original_view), ("edited", self.edited_view)):
            column = QVBoxLayout()
            caption = QLabel(title)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            view.setAlignment(Qt.AlignmentFlag.AlignCenter)
            view.setFixedSize(132, 132)
            view.setStyleSheet("background: #202020;")
            column.addWidget(view)
            column.addWidget(caption)
            images.addLayout(column)
        images.addStretch(1)
        self.edit_info = QLabel()
        self.edit_info.setWordWrap(True)
        self.edit_info.setStyleSheet(HINT_STYLE)
        self.pin_button = QPushButton("Pin result")
        self.pin_button.setObjectName("directions-pin")
        self.pin_button.clicked.connect(self.pin_result)
        layout = QVBoxLayout(box)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addLayout(images)
        layout.addWidget(self.edit_info)
        layout.addStretch(1)
        layout.addWidget(self.pin_button)
        return box

    # ---- the session -------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        space = self.session.space
        self.data_info = None
        self.task.clear()
        self._reload_directions()
        self._refresh_codes()
        self._fill_attributes()
        self._method_changed()
        if space is None:
            return
        self.samples_spin.setMaximum(20_000)

        def work():  # noqa: ANN202 - background thread
            return space.dataset().info

        self.session.run_task(work, self._dataset_read, "", on_failed=lambda *_: None)

    def _dataset_read(self, info) -> None:  # noqa: ANN001 - a DataInfo
        self.data_info = info
        self._fill_attributes()
        self._method_changed()

    def _reload_directions(self) -> None:
        space, run = self.session.space, self.session.run
        if space is not None and run is not None:
            from workbench.latent.directions import load_directions

            try:
                self.directions = load_directions(run, space.latent_dim)
            except ValueError as err:
                self.directions = []
                self.list_info.setText(f"<span style='color:#c62828'>{err}</span>")
                self._show_directions(keep_info=True)
                return
        elif space is None:
            self.directions = []
        self._show_directions()

    def _save(self, directions: list, message: str) -> bool:
        """Write `directions` to the run (kept in memory without one); True when it worked."""
        run = self.session.run
        if run is not None:
            from workbench.latent.directions import save_directions

            try:
                save_directions(run, directions)
            except ValueError as err:
                self.task.show_error(str(err))
                return False
        self.directions = list(directions)
        self._show_directions()
        self.session.directions_changed.emit()
        if message:
            self.session.status.emit(message)
        return True

    # ---- compute -----------------------------------------------------------------------------------------
    def _method_kind(self) -> tuple[str, str]:
        key = self.method_combo.currentData()
        return key, next(kind for k, _, kind in METHODS if k == key)

    def _attributes(self) -> list[tuple[str, list[str]]]:
        """(attribute, names of its values) the dataset offers: its classes and its known factors."""
        info = self.data_info
        if info is None:
            return []
        from workbench.latent.attribute_predictor import factor_value_names

        out = []
        if info.num_classes >= 2:
            out.append(("class", list(info.class_names)))
        for column, name in enumerate(info.factor_names):
            out.append((name, list(factor_value_names(info, column))))
        return out

    def _fill_attributes(self) -> None:
        current = self.attribute_combo.currentData()
        self.attribute_combo.blockSignals(True)
        self.attribute_combo.clear()
        for name, values in self._attributes():
            label = "class" if name == "class" else f"{name} (factor, {len(values)} values)"
            self.attribute_combo.addItem(label, name)
        index = self.attribute_combo.findData(current)
        self.attribute_combo.setCurrentIndex(max(0, index))
        self.attribute_combo.blockSignals(False)
        self._attribute_changed()

    def _attribute_changed(self) -> None:
        attribute = self.attribute_combo.currentData()
        values = dict(self._attributes()).get(attribute, [])
        for combo in (self.positive_combo, self.negative_combo):
            combo.blockSignals(True)
            combo.clear()
        for i, value in enumerate(values):
            self.positive_combo.addItem(value, i)
            self.negative_combo.addItem(value, i)
        self.negative_combo.insertItem(0, "all other values", ALL_OTHERS)
        if attribute not in ("class", "shape") and len(values) > 2:  # an ordinal factor: largest vs smallest
            self.positive_combo.setCurrentIndex(len(values) - 1)
            self.negative_combo.setCurrentIndex(1)
        else:
            self.positive_combo.setCurrentIndex(min(1, len(values) - 1))
            self.negative_combo.setCurrentIndex(1 if len(values) > 1 else 0)
        for combo in (self.positive_combo, self.negative_combo):
            combo.blockSignals(False)
        self._suggest_name()

    def _suggest_name(self) -> None:
        key, kind = self._method_kind()
        if kind == "unsupervised":
            prefix = "pc" if key == "pca" else key
            self.name_edit.setPlaceholderText(f"name prefix (default {prefix}: {prefix}1, {prefix}2, …)")
            return
        else:
            positive = self.positive_combo.currentText()
            negative = self.negative_combo.currentData()
            if positive:
                default = positive if negative == ALL_OTHERS else f"{positive} vs {self.negative_combo.currentText()}"
                self.name_edit.setPlaceholderText(f"name (default {default})")

    def _method_changed(self) -> None:
        key, kind = self._method_kind()
        supervised = kind in ("supervised", "predictor")
        for widget in (self.attribute_combo, self.positive_combo, self.negative_combo, self.values_label):
            widget.setEnabled(supervised)
        self.components_spin.setEnabled(kind == "unsupervised")
        self.components_label.setEnabled(kind == "unsupervised")
        self.steps_spin.setEnabled(kind == "predictor")
        self.steps_label.setEnabled(kind == "predictor")
        self.samples_spin.setEnabled(key != "sefa")
        problem = self._unavailable(key, kind)
        hints = {
            "supervised": "Encodes dataset images and fits the direction to their labels or factors.",
            "predictor": "Trains a small CNN on the labelled real images, labels generated samples with it, then "
                         "fits the boundary in the latent space (InterFaceGAN for models without an encoder).",
            "unsupervised": {"pca": "Principal axes of the codes of dataset images (encoder models) or prior "
                                    "samples, largest variance first.",
                             "ganspace": "Principal axes of the generator's first-block activations, mapped back "
                                         "to the latent space.",
                             "sefa": "Eigenvectors of AᵀA for the first generator layer's weight A: the "
                                     "directions that change its output most. No sampling."}.get(key, ""),
        }
        self.method_hint.setText(f"<span style='color:#c62828'>{problem}</span>" if problem else hints[kind])
        self.task.button.setEnabled(not problem and not self.task.busy)
        self._suggest_name()

    def _unavailable(self, key: str, kind: str) -> str:
        """Why the method cannot run on the loaded model (empty when it can)."""
        space = self.session.space
        if space is None:
            return "Load a run first."
        if kind in ("supervised", "predictor"):
            if self.data_info is None:
                return "Reading the dataset…"
            if not self._attributes():
                return f"The dataset {self.data_info.name} has no labels or factors to learn a direction from."
        if kind == "supervised" and not space.has_encoder:
            return (f"{space.method_name} has no encoder, so dataset images have no codes: use an attribute "
                    "predictor (for GANs) or an unsupervised method.")
        if key == "sefa" and space.first_layer_weight() is None:
            return f"SeFa needs a linear or transposed-conv first layer; {space.method_name} has none."
        return ""

    def compute(self) -> None:
        space = self.session.space
        key, kind = self._method_kind()
        if space is None or self._unavailable(key, kind) or self.task.busy:
            return
        n = self.samples_spin.value()
        seed = self.seed_spin.value()
        k = self.components_spin.value()
        steps = self.steps_spin.value()
        attribute = self.attribute_combo.currentData()
        positive = self.positive_combo.currentData()
        negative = self.negative_combo.currentData()
        name = self.name_edit.text().strip() or self.name_edit.placeholderText().split("(default ", 1)[-1][:-1]
        prefix = self.name_edit.text().strip() or ("pc" if key == "pca" else key)
        if negative == ALL_OTHERS:
            negative = tuple(v for v in range(self.positive_combo.count()) if v != positive)
        elif kind != "unsupervised" and positive == negative:
            self.task.show_error("Choose two different values to go from and to.")
            return

        def work(progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            if kind == "supervised":
                from workbench.latent.direction_supervised import (
                    binary_subset,
                    boundary_direction,
                    class_mean_direction,
                )
                from workbench.latent.labelled_codes import labelled_codes

                progress(f"Encoding {n} dataset images…")
                data = labelled_codes(space, attribute, n, seed)
                progress("Fitting the direction…")
                if key == "class-means":
                    return [class_mean_direction(data.codes, data.labels, positive, negative, name,
                                                 source=data.source)]
                x, y = binary_subset(data.codes, data.labels, positive, negative)
                return [boundary_direction(x, y, kind=key, name=name, seed=seed, source=data.source)]
            if kind == "predictor":
                from workbench.latent.attribute_predictor import train_attribute_predictor
                from workbench.latent.direction_predictor import predictor_direction

                progress(f"Training the {attribute} predictor on the real images ({steps} steps)…")
                predictor = train_attribute_predictor(space.dataset(), attribute, steps=steps, seed=seed)
                progress(f"Predictor accuracy {predictor.accuracy:.3f}; labelling {n} generated samples and "
                         "fitting the boundary…")
                return [predictor_direction(space, predictor, positive, negative, n_samples=n,
                                            kind=key.split("-", 1)[1], name=name, seed=seed)]
            if key == "pca":
                from workbench.latent.direction_pca import pca_directions

                if space.has_encoder:
                    from workbench.latent.labelled_codes import encode_sample

                    progress(f"Encoding {n} dataset images…")
                    indices, codes, _ = encode_sample(space, n, seed)
                    described = f"codes of {len(indices)} {space.data_config.name} images (seed {seed})"
                else:
                    codes, described = space.prior(n, seed=seed), f"prior samples of {space.method_name}"
                progress("Principal components…")
                return pca_directions(codes, min(k, space.latent_dim), prefix=prefix, source=described)
            if key == "ganspace":
                from workbench.latent.direction_ganspace import ganspace_directions

                progress(f"Generator features of {n} samples and their principal components…")
                found = ganspace_directions(space, min(k, space.latent_dim), n_samples=n, seed=seed)
            else:
                from workbench.latent.direction_sefa import sefa_directions

                found = sefa_directions(space, min(k, space.latent_dim))
            return [dataclasses.replace(d, name=f"{prefix}{i + 1}") for i, d in enumerate(found)]

        self.task.start(work, self._computed, f"Computing {self.method_combo.currentText()}")

    def _has_classes(self) -> bool:
        return bool(self.data_info is not None and self.data_info.class_names)

    def _first_factor(self) -> str:
        names = self.data_info.factor_names if self.data_info is not None else ()
        return names[0] if names else "class"

    def _computed(self, found: list) -> None:
        from workbench.latent.directions import with_direction

        directions = list(self.directions)
        for direction in found:
            directions = with_direction(directions, direction)
        names = ", ".join(d.name for d in found)
        if self._save(directions, f"Saved direction{'s' if len(found) > 1 else ''} {names}."):
            score = found[0].score
            self.task.set_status(f"Saved {names}" + (f" (score {score:.3g})" if score is not None else "") +
                                 (" in the run." if self.session.run is not None else " (no run: kept in memory)."))
            names_now = [d.name for d in self.directions]
            self.table.selectRow(names_now.index(found[0].name))

    # ---- the list ----------------------------------------------------------------------------------------
    def _show_directions(self, keep_info: bool = False) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.directions))
        for r, d in enumerate(self.directions):
            name = QTableWidgetItem(d.name)
            name.setToolTip("double-click to rename")
            self.table.setItem(r, 0, name)
            for c, text in ((1, d.method), (2, "" if d.score is None else f"{d.score:.3g}"), (3, d.provenance)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(d.provenance)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if not keep_info:
            if self.session.space is None:
                self.list_info.setText("Load a run to see its directions.")
            elif not self.directions:
                self.list_info.setText("No directions saved in this run yet.")
            else:
                where = "in the run" if self.session.run is not None else "in memory (no run)"
                self.list_info.setText(f"{len(self.directions)} saved {where}. Double-click a name to rename.")
        self._show_cosine()
        self._refresh_edit_directions()
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.delete_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _name_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        r = item.row()
        old = self.directions[r]
        new_name = item.text().strip()
        if new_name == old.name:
            return
        problem = "" if new_name else "A direction needs a name."
        if new_name in {d.name for i, d in enumerate(self.directions) if i != r}:
            problem = f"Another direction is already called {new_name!r}."
        if problem:
            self.task.show_error(problem)
            self._show_directions()
            return
        renamed = [*self.directions]
        renamed[r] = dataclasses.replace(old, name=new_name)
        if not self._save(renamed, f"Renamed {old.name} to {new_name}."):
            self._show_directions()

    def delete_selected(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows:
            return
        gone = [self.directions[r].name for r in sorted(rows)]
        self._save([d for r, d in enumerate(self.directions) if r not in rows], f"Deleted {', '.join(gone)}.")

    def _show_cosine(self) -> None:
        if len(self.directions) < 2:
            self.cosine.set_placeholder("Save two or more directions to compare them: the cosine of each pair "
                                        "(1: the same, 0: orthogonal, −1: opposite).")
            self.cosine_matrix = None
            return
        from workbench.latent.projection import cosine_matrix

        self.cosine_matrix = cosine_matrix(self.directions)
        names = [d.name for d in self.directions]
        self.cosine.set_matrix(self.cosine_matrix, names, names, levels=(-1.0, 1.0))

    # ---- conditional edit --------------------------------------------------------------------------------
    def _refresh_codes(self) -> None:
        current = self.code_combo.currentText()
        self.code_combo.blockSignals(True)
        self.code_combo.clear()
        for i, pin in enumerate(self.session.pins):
            self.code_combo.addItem(pin.name, i)
        index = self.code_combo.findText(current)
        self.code_combo.setCurrentIndex(index if index >= 0 else 0)
        self.code_combo.blockSignals(False)
        self._edit_inputs_changed()

    def _refresh_edit_directions(self) -> None:
        current = self.direction_combo.currentText()
        held = {self.held_list.item(i).text() for i in range(self.held_list.count())
                if self.held_list.item(i).checkState() == Qt.CheckState.Checked}
        self.direction_combo.blockSignals(True)
        self.direction_combo.clear()
        for d in self.directions:
            self.direction_combo.addItem(d.name)
        index = self.direction_combo.findText(current)
        self.direction_combo.setCurrentIndex(index if index >= 0 else 0)
        self.direction_combo.blockSignals(False)
        self.held_list.blockSignals(True)
        self.held_list.clear()
        for d in self.directions:
            item = QListWidgetItem(d.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if d.name in held else Qt.CheckState.Unchecked)
            self.held_list.addItem(item)
        self.held_list.blockSignals(False)
        self._edit_direction_changed()

    def _edit_direction_changed(self) -> None:
        moving = self.direction_combo.currentText()
        self.held_list.blockSignals(True)
        for i in range(self.held_list.count()):  # a direction cannot hold itself fixed
            item = self.held_list.item(i)
            enabled = item.text() != moving
            flags = item.flags()
            item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if enabled else flags & ~Qt.ItemFlag.ItemIsEnabled)
            if not enabled:
                item.setCheckState(Qt.CheckState.Unchecked)
        self.held_list.blockSignals(False)
        self._edit_inputs_changed()

    def held_names(self) -> list[str]:
        return [self.held_list.item(i).text() for i in range(self.held_list.count())
                if self.held_list.item(i).checkState() == Qt.CheckState.Checked]

    def set_held(self, names: list[str]) -> None:
        for i in range(self.held_list.count()):
            item = self.held_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)

    def amount(self) -> float:
        return self.amount_slider.value() / AMOUNT_STEPS

    def set_amount(self, value: float) -> None:
        self.amount_slider.setValue(round(value * AMOUNT_STEPS))

    def _amount_moved(self) -> None:
        self.amount_label.setText(f"{self.amount():+.2f}")
        self._edit_timer.start()

    def _edit_inputs_changed(self) -> None:
        pin = self._current_pin()
        if pin is None or self.session.space is None:
            self.original_view.clear()
            self.original_view.setText("pin a code\nwith the bar above" if self.session.space is not None else "")
        else:
            self.original_view.setPixmap(pixmap_at_least(self.session.thumbnail(pin), 128))
        self._edit_timer.start()

    def _current_pin(self):  # noqa: ANN202 - PinnedCode | None
        index = self.code_combo.currentData()
        pins = self.session.pins
        return pins[index] if index is not None and 0 <= index < len(pins) else None

    def _current_direction(self):  # noqa: ANN202 - Direction | None
        name = self.direction_combo.currentText()
        return next((d for d in self.directions if d.name == name), None)

    def _update_edit(self) -> None:
        """Decode the pinned code moved along the chosen direction (GUI thread: one image, one torch thread)."""
        pin, direction = self._current_pin(), self._current_direction()
        ready = pin is not None and direction is not None and self.session.space is not None
        self.pin_button.setEnabled(ready)
        if not ready:
            self.edited_image, self.edited_code = None, None
            self.edited_view.clear()
            self.edit_info.setText("Pin a code and save a direction to edit." if self.session.space is not None
                                   else "Load a run first.")
            return
        from workbench.latent.projection import edit, project_out

        held_names = self.held_names()
        held = [d.vector for d in self.directions if d.name in held_names]
        started = time.perf_counter()
        try:
            self.edited_code = edit(pin.z, direction.vector, self.amount(), held)
        except ValueError as err:  # the direction lies in the span of the held ones
            self.edited_image, self.edited_code = None, None
            self.edited_view.clear()
            self.pin_button.setEnabled(False)
            self.edit_info.setText(f"<span style='color:#c62828'>{err}</span>")
            return
        self.edited_image = self.session.decode(self.edited_code.reshape(1, -1), [pin.label])[0]
        elapsed = (time.perf_counter() - started) * 1000
        self.edited_view.setPixmap(pixmap_at_least(self.edited_image, 128))
        if held:
            moving = project_out(direction.vector, held)
            kept = float(moving @ direction.vector)
            self.edit_info.setText(f"Moving {direction.name} {self.amount():+.2f} with {', '.join(held_names)} "
                                   f"held fixed: the projected direction keeps {kept:.0%} of {direction.name} "
                                   f"(cosine). Decoded in {elapsed:.0f} ms.")
        else:
            self.edit_info.setText(f"Moving {direction.name} {self.amount():+.2f}; nothing held fixed. "
                                   f"Decoded in {elapsed:.0f} ms.")

    def pin_result(self) -> None:
        from workbench.latent.codes import PinnedCode

        pin, direction = self._current_pin(), self._current_direction()
        if pin is None or direction is None or self.edited_code is None:
            return
        held = self.held_names()
        detail = f"{pin.name} moved {self.amount():+.2f} along {direction.name}" + \
            (f", holding {', '.join(held)} fixed" if held else "")
        self.session.add_pins([PinnedCode(name=f"{pin.name} {direction.name}{self.amount():+.1f}",
                                          z=self.edited_code.detach().clone(), label=pin.label, source="edited",
                                          detail=detail)])

