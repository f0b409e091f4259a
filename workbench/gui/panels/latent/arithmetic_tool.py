"""Latent arithmetic: A − B + C with groups (each term is the mean of the pins checked for it), shown as an
analogy grid, and class arithmetic for labelled data (a code minus its class's mean code plus another class's).

Groups matter: a single code carries its own quirks, the mean of several with the same attribute keeps mostly
the attribute (Radford et al., DCGAN, 2015).
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.panels.latent.pinned_strip import PinChecklist, PinCombo
from workbench.gui.widgets.factory import button, choice, fill, hint, row, scroll_area, spin

TERMS = ("A", "B", "C")


class ArithmeticTool(QWidget):
    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.result = None  # AnalogyResult
        self.result_label: int | None = None
        self.class_means = None  # {class: mean code}
        self.class_counts: dict[int, int] = {}
        self.class_names: tuple[str, ...] = ()
        self.class_result = None  # (codes T×D, target classes) of the class arithmetic row

        # ---- A − B + C
        analogy_box = QGroupBox("Analogy: A − B + C (each term the mean of the codes checked for it)")
        terms = QGridLayout()
        self.term_lists: dict[str, PinChecklist] = {}
        for j, term in enumerate(TERMS):
            sign = {"A": "A", "B": "− B", "C": "+ C"}[term]
            terms.addWidget(QLabel(f"<b>{sign}</b>"), 0, j)
            checklist = PinChecklist(session, max_height=130)
            checklist.changed.connect(self._update_buttons)
            self.term_lists[term] = checklist
            terms.addWidget(checklist, 1, j)
        self.compute_button = button("Compute A − B + C", "compute-analogy", on_click=self.compute)
        self.pin_result_button = button("Pin A − B + C", on_click=self.pin_result)
        self.hint = hint()
        self.grid = ImageGrid("Check at least one code for each of A, B and C.", cell=96)
        fill(QVBoxLayout(analogy_box), terms, row(self.compute_button, self.pin_result_button, (self.hint, 1)),
             self.grid)

        # ---- class arithmetic
        self.class_box = QGroupBox("Class arithmetic: code − mean(its class) + mean(another class)")
        self.samples_spin = spin(10, 100_000, 500, tip="Labelled dataset images encoded to estimate each class's "
                                 "mean code")
        self.means_button = button("Compute class means", "class-means", on_click=self.compute_class_means)
        self.class_pin = PinCombo(session)
        self.source_combo = choice(tip="The class the chosen code shows now (default: the label it was pinned with, "
                                   "else the class with the nearest mean code)",
                                   on_change=lambda _i: self.move_to_classes())
        self.pin_class_combo = choice(tip="Pin one of the moved codes")
        self.pin_class_combo.setMinimumWidth(120)
        self.pin_class_combo.activated.connect(lambda i: self.pin_class_result(i - 1) if i > 0 else None)
        self.class_info = hint()
        self.class_grid = ImageGrid("", cell=64)
        fill(QVBoxLayout(self.class_box), self.class_info,
             row(QLabel("Images for the means"), self.samples_spin, self.means_button, 16, QLabel("Code"),
                 self.class_pin, QLabel("shows class"), self.source_combo, self.pin_class_combo, None),
             self.class_grid)

        host = QWidget()
        fill(QVBoxLayout(host), analogy_box, self.class_box, None)
        fill(QVBoxLayout(self), scroll_area(host), margins=0)
        self.class_pin.currentIndexChanged.connect(self._pin_chosen)
        session.space_changed.connect(self._space_changed)
        self._space_changed()

    # ---- analogy -----------------------------------------------------------------------------------------
    def term_pins(self) -> dict[str, list]:
        return {term: self.term_lists[term].checked_pins() for term in TERMS}

    def compute(self) -> None:
        from workbench.latent.arithmetic import analogy, analogy_grid_codes

        groups = self.term_pins()
        if self.session.space is None or not all(groups.values()):
            return
        try:
            self.result = analogy(*[[p.z for p in groups[t]] for t in TERMS])
        except ValueError as err:
            self.session.error.emit(str(err).removeprefix("LatentError: "), "")
            return
        codes = analogy_grid_codes(self.result)
        # conditional models: each term decodes with its first code's class, the result with A's
        labels = [groups[t][0].label for t in TERMS]
        self.result_label = labels[0]
        images = self.session.decode(codes, [*labels, self.result_label])
        headers = [f"A ({_count(groups['A'])})", f"B ({_count(groups['B'])})", f"C ({_count(groups['C'])})",
                   "A − B + C"]
        self.grid.set_images(images, columns=4, column_headers=headers,
                             captions=[", ".join(p.name for p in groups[t])[:40] for t in TERMS] + ["result"])
        self._update_buttons()

    def pin_result(self) -> None:
        from workbench.latent.codes import PinnedCode

        if self.result is None:
            return
        groups = self.term_pins()
        names = {t: "+".join(p.name for p in groups[t]) or "?" for t in TERMS}
        code = PinnedCode(name="A−B+C", z=self.result.result.clone().float(), label=self.result_label,
                          source="arithmetic",
                          detail=f"A = mean({names['A']}), B = mean({names['B']}), C = mean({names['C']})")
        self.session.add_pins([code])

    # ---- class arithmetic --------------------------------------------------------------------------------
    def compute_class_means(self) -> None:
        """Encode a sample of labelled dataset images (background) and keep each class's mean code."""
        space = self.session.space
        if space is None or not space.has_encoder:
            return
        n = self.samples_spin.value()

        def work():  # noqa: ANN202 - background thread
            import torch

            from workbench.latent.arithmetic import class_means

            dataset = space.dataset()
            names = tuple(dataset.info.class_names)
            if not names:
                from workbench.latent.errors import LatentError

                raise LatentError(f"{dataset.info.name} has no class labels: class arithmetic needs labelled data")
            count = min(n, len(dataset))
            indices = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))[:count]
            images, labels = dataset.get_batch(indices)
            with torch.no_grad():
                codes = torch.cat([space.encode(images[i:i + 256], labels[i:i + 256] if space.classes else None)
                                   for i in range(0, count, 256)])
            counts = {int(c): int((labels == c).sum()) for c in labels.unique()}
            return class_means(codes, labels), names, counts, count

        self.means_button.setEnabled(False)
        self.session.run_task(work, self._means_done, f"Class means from {n} encoded images",
                              on_failed=lambda *_: self._update_buttons())

    def _means_done(self, value) -> None:  # noqa: ANN001
        self.class_means, names, self.class_counts, count = value
        self.class_names = names
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        self.source_combo.addItems(list(names))
        self.source_combo.blockSignals(False)
        self.class_info.setText(f"Mean codes of {len(self.class_means)} classes from {count} encoded dataset "
                                "images. Choose a code and the class it shows; the row moves it to every class.")
        self._pin_chosen()

    def nearest_class(self, z) -> int | None:  # noqa: ANN001 - tensor (D,)
        """The class whose mean code is closest to `z` (the default source class of an unlabelled code)."""
        if not self.class_means:
            return None
        return min(self.class_means, key=lambda c: float((self.class_means[c] - z).norm()))

    def _pin_chosen(self) -> None:
        pin = self.class_pin.current_pin()
        if pin is not None and self.class_means:
            source = pin.label if pin.label is not None else self.nearest_class(pin.z)
            if source is not None and source < self.source_combo.count():
                self.source_combo.blockSignals(True)
                self.source_combo.setCurrentIndex(source)
                self.source_combo.blockSignals(False)
        self.move_to_classes()
        self._update_buttons()

    def move_to_classes(self) -> None:
        """Decode the chosen code moved from the source class to every class (GUI thread: one row)."""
        import torch

        from workbench.latent.arithmetic import class_arithmetic

        pin = self.class_pin.current_pin()
        source = self.source_combo.currentIndex()
        if pin is None or not self.class_means or source not in self.class_means:
            self.class_result = None
            if self.class_means:
                self.class_grid.set_placeholder("Pin a code to move it between classes." if pin is None else
                                                "No encoded image of this class among those used for the means.")
            return
        targets = sorted(self.class_means)
        moved = torch.stack([class_arithmetic(pin.z, self.class_means, source, t) for t in targets])
        labels = targets if self.session.space.classes else None
        images = self.session.decode(moved, labels)
        self.class_result = (moved, targets)
        names = self.class_names
        captions = [("→ " if t != source else "= ") + (names[t] if t < len(names) else str(t)) for t in targets]
        self.class_grid.set_images(images, columns=min(len(targets), 10), captions=captions)

    def pin_class_result(self, index: int) -> None:
        from workbench.latent.codes import PinnedCode

        if self.class_result is None:
            return
        moved, targets = self.class_result
        pin, source = self.class_pin.current_pin(), self.source_combo.currentIndex()
        target = targets[index]
        code = PinnedCode(name=f"{pin.name} → {self.class_names[target]}", z=moved[index].clone().float(),
                          label=target if self.session.space.classes else None, source="arithmetic",
                          detail=f"{pin.name} − mean({self.class_names[source]}) + mean({self.class_names[target]})")
        self.session.add_pins([code])

    # ---- state -------------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        self.result = None
        self.class_means = None
        self.class_result = None
        self.class_names: tuple[str, ...] = ()
        self.grid.set_placeholder("Check at least one code for each of A, B and C, then Compute.")
        self.class_grid.set_placeholder("")
        self.source_combo.clear()
        space = self.session.space
        if space is None:
            self.class_info.setText("")
        elif not space.has_encoder:
            self.class_info.setText("Class arithmetic needs an encoder to find each class's mean code; this model "
                                    "has none. (A conditional model's class is chosen when pinning a prior sample.)")
        else:
            self.class_info.setText("“Compute class means” encodes a sample of labelled dataset images and takes each "
                                    "class's mean code; the chosen code is then moved from its class to every class.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        space = self.session.space
        loaded = space is not None
        groups = self.term_pins()
        missing = [t for t in TERMS if not groups[t]]
        self.compute_button.setEnabled(loaded and not missing)
        self.hint.setText(f"check codes for {', '.join(missing)}" if loaded and missing else "")
        self.pin_result_button.setEnabled(self.result is not None)
        encoder = loaded and space.has_encoder
        self.means_button.setEnabled(encoder)
        self.samples_spin.setEnabled(encoder)
        ready = encoder and bool(self.class_means)
        for widget in (self.class_pin, self.source_combo):
            widget.setEnabled(ready)
        self.pin_class_combo.setEnabled(ready and self.class_result is not None)
        if ready and self.class_result is not None:
            self.pin_class_combo.blockSignals(True)
            self.pin_class_combo.clear()
            self.pin_class_combo.addItem("Pin one…")
            self.pin_class_combo.addItems([f"→ {self.class_names[t]}" for t in self.class_result[1]])
            self.pin_class_combo.blockSignals(False)


def _count(pins: list) -> str:
    return f"{len(pins)} code{'s' if len(pins) != 1 else ''}"
