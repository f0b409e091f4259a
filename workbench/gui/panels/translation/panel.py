"""Translate panel: look at what a trained Pix2Pix, CycleGAN or SPADE run does to images, and translate folders.

A header names the selected run, its method, domains and checkpoint step. The input strip offers held-out
examples of the run's dataset (paged), opened image files and files dropped on the panel. The chosen input is
shown in a row of labelled views: input → translation, the cycle reconstruction (CycleGAN), the ground truth
(paired data) and, on demand, the absolute-difference map with its colour scale. For CycleGAN a second row runs
the other direction on the example's image of the other domain. A batch group translates a whole folder.
"Compare with" adds another translation run on the same data to the row (Pix2Pix beside SPADE), and for data
whose input is a semantic label map a painter (brush and class palette) edits the map while the row follows.

The window builds this panel at start-up without importing torch: the model (`workbench.translation`) is loaded
in a background thread when the tab is first shown with a run selected, as the Latent panel does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.base import user_message
from workbench.gui.panels.checkpoint_panel import CheckpointPanel
from workbench.gui.panels.translation import compute
from workbench.gui.panels.translation.batch_box import BatchBox
from workbench.gui.panels.translation.input_strip import InputStrip
from workbench.gui.panels.translation.label_painter import LabelMapPainter
from workbench.gui.panels.translation.partner_choice import PartnerChoice
from workbench.gui.panels.translation.rows import ResultRow
from workbench.gui.panels.translation.views import ZoomGroup, nice_ceiling
from workbench.gui.widgets.factory import hint, row
from workbench.gui.widgets.file_dialogs import ask_open
from workbench.methods.capabilities import Translator
from workbench.runs import Run, Workspace


def _translate(request: tuple) -> list:
    """The preview worker's computation: (model, item, direction) → the rows shown (background thread)."""
    from workbench.compat import one_torch_thread

    with one_torch_thread():
        return compute.compute_rows(*request)


class TranslationPanel(CheckpointPanel):
    """Consumes the selected Run (`show_run`); shows and batch-applies its translation model."""

    loading_text = "<h3>Loading…</h3>Reading the latest checkpoint and the held-out examples."
    capability = Translator
    kind, does, purpose = "translation", "translate images", "to translate held-out examples, your own images and " \
        "whole folders"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="translate")
        self.model: Any = None  # workbench.translation.TranslationModel, used only in background tasks
        self.partner: Any = None  # the compared run's TranslationModel, or None
        self.painted: Any = None  # the InputItem of the painted label map while it differs from the example
        self.rows: list = []  # RowResult of the input shown
        self.setObjectName("translate-panel")
        self.preview = LatestRequestWorker(_translate, "translation-preview", self)  # the newest input wins
        self.preview.ready.connect(self._rows_ready)
        self.preview.failed.connect(self._preview_failed)

        self.strip = InputStrip()
        self.strip.selected.connect(self._example_chosen)
        self.strip.page_requested.connect(self.show_examples)
        self.strip.open_requested.connect(self._open_dialog)
        self.direction_combo = QComboBox()
        self.direction_combo.setObjectName("translate-direction")
        self.direction_combo.setToolTip("Which generator to apply: A→B maps the dataset's input domain to its target "
                                        "domain; B→A (CycleGAN) the other way")
        self.direction_combo.currentIndexChanged.connect(lambda _index: self.translate_current())
        self.difference_box = QCheckBox("Show absolute difference")
        self.difference_box.setObjectName("translate-difference")
        self.difference_box.setToolTip("|translation − ground truth| where the data is paired, else "
                                       "|cycle reconstruction − input|; mean over the channels, 0 = identical, "
                                       "1 = black against white")
        self.difference_box.toggled.connect(lambda _on: self._show_rows())
        self.partner_choice = PartnerChoice(workspace)
        self.partner_choice.currentIndexChanged.connect(lambda _index: self._partner_changed())
        self.controls_hint = hint("", "translate-hint", small=True)
        controls = QWidget()
        controls.setObjectName("translate-controls")
        controls.setFixedWidth(260)
        controls_layout = QVBoxLayout(controls)
        controls_layout.setContentsMargins(8, 0, 0, 0)
        controls_layout.setSpacing(4)
        controls_layout.addLayout(row(QLabel("Direction"), (self.direction_combo, 1)))
        controls_layout.addWidget(self.difference_box)
        controls_layout.addLayout(row(QLabel("Compare with"), (self.partner_choice, 1)))
        controls_layout.addWidget(self.controls_hint, 1)
        self.strip.add_column(controls)

        self.zoom_group = ZoomGroup()  # every image of both rows at one zoom: compared pixel for pixel
        self.forward_row = ResultRow("forward", "Translation", self.zoom_group)
        self.reverse_row = ResultRow("reverse", "Reverse direction", self.zoom_group)
        self.reverse_row.hide()
        self.batch = BatchBox(lambda: self.model, self.direction)
        self.batch.error.connect(self.show_error)
        self.batch.status.connect(self.status_label.setText)
        self.batch.running_changed.connect(lambda _running: self.update_busy())

        content = QWidget()
        content.setObjectName("translate-content")
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        self.painter = LabelMapPainter()
        self.painter.edited.connect(self._painted)
        self.painter.hide()
        rows = QVBoxLayout()
        rows.addWidget(self.forward_row, 1)
        rows.addWidget(self.reverse_row, 1)
        content_layout.addWidget(self.strip)
        content_layout.addLayout(row(self.painter, (rows, 1)), 1)
        content_layout.addWidget(self.batch)
        self.set_content(content)
        self.show_run(None)

    # ---- the selected run --------------------------------------------------------------------------------
    def has_model(self) -> bool:
        return self.model is not None or self.loading

    def start_load(self, run: Run) -> None:
        self.tasks.start(lambda: compute.load(run), self._loaded, on_failed=self.load_failed)

    def _loaded(self, loaded: Any) -> None:
        self.model = model = loaded.model
        self.batch.set_model_ready(True)
        self.loaded_title(self._model_line(model, loaded.total, loaded.split))
        self.status_label.setText("Checkpoint loaded.")
        self.direction_combo.blockSignals(True)
        self.direction_combo.clear()
        for direction in model.directions:
            arrow = "A→B" if direction == "AtoB" else "B→A"
            self.direction_combo.addItem(f"{model.direction_label(direction)}  ({arrow})", direction)
        self.direction_combo.setEnabled(len(model.directions) > 1)
        self.direction_combo.blockSignals(False)
        if model.paired:
            text = "Difference: |translation − ground truth| (paired data)."
        elif model.has_cycle:
            text = "Difference: |cycle reconstruction − input| (unpaired data: no ground truth)."
        else:
            text = ""
        self.controls_hint.setText(text)
        self.reverse_row.setVisible(model.has_cycle)
        self.painter.setVisible(model.has_label_maps)
        if model.has_label_maps:
            self.painter.set_classes(model.label_names, model.label_colors)
        self.partner_choice.set_run(self.run)
        self.strip.set_examples(loaded.items, 0, loaded.total, loaded.split, loaded.note)
        self.strip.set_enabled(True)
        if self.strip.items:
            self.strip.select(0)

    @staticmethod
    def _model_line(model: Any, examples: int, split: str) -> str:
        """Domains, size and data: what the header's second line says about the loaded model."""
        if len(model.directions) > 1:
            domains = f"{model.direction_label('AtoB')} and back ({model.direction_label('BtoA')})"
        else:
            domains = f"{model.direction_label('AtoB')} (one direction)"
        data = "paired data: ground truth shown" if model.paired else "unpaired data: no ground truth"
        return f"{domains} · {model.image_size}×{model.image_size} px, {model.channels} channel" \
               f"{'s' if model.channels != 1 else ''} · {data} · {examples:,} " \
               f"{'held-out' if split == 'test' else 'training'} examples"

    def unload(self) -> None:
        super().unload()  # results of tasks on the previous model are dropped
        self.preview.discard()
        self.model = None
        self.partner = None
        self.painted = None
        self.rows = []
        self.painter.set_map(None)
        self.painter.hide()
        self.partner_choice.set_run(None)
        self.strip.clear()
        self.strip.set_enabled(False)
        self.forward_row.set_placeholder("Choose an input above.")
        self.reverse_row.set_placeholder("")
        self.batch.set_model_ready(False)

    # ---- inputs -------------------------------------------------------------------------------------------
    def direction(self) -> str:
        return self.direction_combo.currentData() or "AtoB"

    def set_direction(self, direction: str) -> None:
        index = self.direction_combo.findData(direction)
        if index < 0:
            raise ValueError(f"this model has no direction {direction!r}")
        self.direction_combo.setCurrentIndex(index)

    def show_examples(self, start: int) -> None:
        """Show the page of held-out examples that begins at `start`."""
        model = self.model
        if model is None:
            return

        def done(value: Any) -> None:
            items, total, split, note = value
            self.strip.set_examples(items, start, total, split, note)
            if items:
                self.strip.select(0)

        self.tasks.start(lambda: compute.example_items(model, start), done, "Reading examples")

    def _open_dialog(self) -> None:
        files = ask_open(self, "Images to translate", many=True)
        if files:
            self.open_files(files)

    def open_files(self, paths: list[Path]) -> None:
        """Add image files to the strip (prepared for the model in the background); problems go to the red label."""
        model = self.model
        if model is None:
            self.show_error(f"Load a {self.choices()} run first: files are translated with its model.")
            return
        paths = [Path(p) for p in paths]
        folders = [p for p in paths if p.is_dir()]
        if folders:
            self.show_error(f"{folders[0].name} is a folder: use “Translate a folder” below for whole folders.")
            self.batch.source_edit.setText(str(folders[0]))
            paths = [p for p in paths if not p.is_dir()]
        if not paths:
            return

        def done(value: Any) -> None:
            items, problems = value
            if problems:
                self.show_error(f"{len(problems)} file{'s' if len(problems) != 1 else ''} could not be read: "
                                + "; ".join(problems[:3]) + (" …" if len(problems) > 3 else ""), "\n".join(problems))
            if items:
                self.strip.select(self.strip.add_files(items))
                self.status_label.setText(f"Added {', '.join(item.name for item in items[:3])}"
                                          + (f" and {len(items) - 3} more" if len(items) > 3 else "") + ".")

        self.tasks.start(lambda: compute.load_files(model, paths), done)

    def drop_files(self, paths: list[Path]) -> None:
        self.open_files(paths)

    # ---- translation -------------------------------------------------------------------------------------
    def translate_current(self) -> None:
        """Translate the chosen input (the painted map while there is one) in the chosen direction, with the
        compared run beside it (the preview worker: the newest choice wins)."""
        model, item = self.model, self.painted or self.strip.current()
        if model is None or item is None:
            return
        self.preview.submit((model, item, self.direction(), self.partner))
        self.update_busy()

    def _example_chosen(self, _index: int) -> None:
        """A new input from the strip: the painter starts from its label map, and it is translated."""
        self.painted = None
        model, item = self.model, self.strip.current()
        if model is not None and item is not None and model.has_label_maps:
            self.painter.set_map(compute.label_ids(item, model.label_colors), item.name)
        self.translate_current()

    def _painted(self, ids: Any) -> None:
        model = self.model
        if model is not None:
            self.painted = compute.painted_item(ids, model.label_colors, "painted label map")
            self.translate_current()

    # ---- the compared run --------------------------------------------------------------------------------
    def compare_with(self, run: Run | None) -> None:
        """Show `run`'s translations beside the loaded run's (None: this run only)."""
        self.partner_choice.refresh()
        index = 0 if run is None else self.partner_choice.findData(str(run.path))
        if index < 0:
            raise ValueError(f"run {run.id} is not a translation run on this run's data")
        if index == self.partner_choice.currentIndex():
            self._partner_changed()
        else:
            self.partner_choice.setCurrentIndex(index)

    def _partner_changed(self) -> None:
        model, run = self.model, self.partner_choice.chosen_run()
        self.partner = None
        if model is None or run is None:
            self.translate_current()
            return

        def done(partner: Any) -> None:
            self.partner = partner
            self.status_label.setText(f"Comparing with {run.id}.")
            self.translate_current()

        def failed(_message: str, _details: str = "") -> None:  # the task group has shown the message
            self.partner_choice.setCurrentIndex(0)

        self.tasks.start(lambda: compute.load_partner(run, model), done, f"Loading {run.id}", on_failed=failed)

    def _rows_ready(self, request_id: int, rows: list) -> None:
        self.update_busy()
        if request_id == self.preview.latest_id:  # an older choice's rows would flash by: only the newest is shown
            self.rows = rows
            self._show_rows()

    def _preview_failed(self, _request_id: int, message: str, details: str) -> None:
        self.update_busy()
        self.show_error(user_message(message), details)

    def _show_rows(self) -> None:
        rows = self.rows
        if not rows:
            return
        show = self.difference_box.isChecked()
        maps = [row.difference for row in rows if row.difference is not None]
        scale = nice_ceiling(max(float(m.max()) for m in maps)) if maps else 1.0
        self.forward_row.set_result(rows[0], show, scale)
        if self.model is not None and self.model.has_cycle:
            if len(rows) > 1:
                self.reverse_row.set_result(rows[1], show, scale)
            else:
                self.reverse_row.setTitle("Reverse direction")
                self.reverse_row.set_placeholder("An opened image file has no image of the other domain: the reverse "
                                                 "direction is shown for held-out examples.")


    # ---- background work ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.preview.busy or self.batch.running

    def shutdown(self, timeout: float = 30) -> None:
        """Stop a running folder translation (after its current file) and the preview worker."""
        self.batch.shutdown(timeout)
        self.preview.shutdown(timeout)
