"""The Directions tool's "Compute a direction" form and the work behind it: supervised from the dataset's labels
or factors (difference of class means, a linear SVM's or a logistic regression's boundary normal, InterFaceGAN),
from an attribute predictor trained on the labelled real data for models without an encoder (GANs), or
unsupervised (PCA of codes, GANSpace, SeFa). The form says why a method cannot run on the loaded model.

`DirectionComputing` is a part of `DirectionsTool` (the tool's class derives from it): it uses the tool's
session, `directions` and `_save`.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.latent.tool_common import TaskRow
from workbench.gui.widgets.factory import choice, fill, hint, line_edit, row, seed_spin, spin

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


class DirectionComputing:
    """Builds the compute form (`_build_compute`) and computes and saves directions."""

    def _build_compute(self) -> QWidget:
        box = QGroupBox("Compute a direction")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.method_combo = choice([(label, key) for key, label, _ in METHODS], on_change=self._method_changed)
        form.addRow("Method", self.method_combo)
        self.attribute_combo = choice(tip="the label or known factor the direction should change",
                                      on_change=self._attribute_changed)
        form.addRow("Attribute", self.attribute_combo)
        self.positive_combo = choice(tip="the direction points towards this value", on_change=self._suggest_name)
        self.negative_combo = choice(tip="…and away from this one (or from all other values)",
                                     on_change=self._suggest_name)
        values = row((self.positive_combo, 1), QLabel("vs"), (self.negative_combo, 1))
        self.values_label = QLabel("Towards")
        form.addRow(self.values_label, values)
        self.samples_spin = spin(20, 20_000, 1000, step=100, tip="dataset images encoded, or generated samples "
                                 "labelled by the predictor")
        self.seed_spin = seed_spin()
        form.addRow("Samples", row((self.samples_spin, 1), QLabel("seed"), (self.seed_spin, 1)))
        self.components_spin = spin(1, 64, 5, tip="how many principal directions (PCA, GANSpace, SeFa) to save")
        self.steps_label = QLabel("predictor steps")
        self.steps_spin = spin(10, 20_000, 300, step=100, tip="training steps of the attribute predictor (a small "
                               "CNN on the real data)")
        self.components_label = QLabel("Components")
        form.addRow(self.components_label, row((self.components_spin, 1), self.steps_label, (self.steps_spin, 1)))
        self.name_edit = line_edit(placeholder="name (saving an existing name replaces that direction)")
        form.addRow("Name", self.name_edit)
        self.method_hint = hint()
        self.task = TaskRow(self.session, "Compute and save")
        self.task.button.setObjectName("directions-compute")
        self.task.button.clicked.connect(self.compute)
        fill(QVBoxLayout(box), form, self.method_hint, self.task)
        return box

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
