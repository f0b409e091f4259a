"""Inversion: an image → the noise x_T that deterministic DDIM maps back to it (the encoder of diffusion models).

The user picks a dataset example from a strip of thumbnails or opens an image file; the tool shows input | noise
x_T | reconstruction with the reconstruction's PSNR and the noise's mean and standard deviation (≈ 0 and 1 when
the image was inverted to noise the model expects). The noise can be sent to the Interpolation tool as one of
its endpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QComboBox, QLabel, QListWidgetItem, QVBoxLayout, QWidget

from workbench.gui.panels.diffusion import compute
from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.widgets.factory import button, hint, icon_strip, label, row, spin
from workbench.gui.widgets.file_dialogs import ask_open
from workbench.gui.widgets.pixmaps import pixmap_near

THUMB = 56
VIEW_CELL = 256
STEPS_TIP = ("DDIM steps of the inversion and of the sampling back: more steps solve the ODE more finely, so the "
             "reconstruction comes closer to the input (and it takes longer)")
CLASS_TIP = ("The class the noise predictor is conditioned on while inverting and sampling back. “No class” (the "
             "unconditional prediction) suits any image, and inverted images of different classes can then be "
             "interpolated exactly; an image's own class may reconstruct it a little better")
INTRO = ("DDIM with η = 0 is an ODE: run upwards it maps an image to the noise x_T that sampling maps back to it. "
         "A faithful inversion gives noise with mean ≈ 0 and std ≈ 1 and a reconstruction close to the input "
         "(high PSNR).")


class InversionTool(QWidget):
    """Pick an image, invert it, see input | noise | reconstruction; hand the noise to the interpolation."""

    endpoint_chosen = Signal(str, object)  # "A" or "B", compute.InversionView

    def __init__(self, panel: Any) -> None:
        super().__init__()
        self.panel = panel
        self.setObjectName("diffusion-inversion")
        self.model: Any = None
        self.items: list[compute.Example] = []  # what the strip shows: the files, then the page
        self.files: list[compute.Example] = []
        self.page: list[compute.Example] = []
        self.note = ""
        self.start = 0
        self.total = 0
        self.result: compute.InversionView | None = None

        self.strip = icon_strip("diffusion-examples", THUMB, QSize(THUMB + 16, THUMB + 24))
        self.strip.setFixedHeight(THUMB + 44)
        self.strip.setToolTip("Images of the run's dataset (and images you opened): click one to invert it")
        self.strip.currentRowChanged.connect(self._chosen)
        self.more_button = button("More examples", "diffusion-more", "Show the next page of dataset images",
                                  self.next_page)
        self.open_button = button("Open image…", "diffusion-open",
                                  "Invert an image file: it is centre-cropped, resized to the model's size and "
                                  "converted to the run's channels", self._open_dialog)
        self.source_label = hint("", "diffusion-examples-note", small=True)
        self.steps_spin = spin(1, 1000, 50, "diffusion-inversion-steps", STEPS_TIP)
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("diffusion-inversion-class")
        self.class_combo.setToolTip(CLASS_TIP)
        self.invert_button = button("Invert", "diffusion-invert", "Invert the chosen image with these settings",
                                    self.invert)
        self.views = ImageGrid("Choose an image above: its inversion is shown here.", cell=VIEW_CELL)
        self.views.setObjectName("diffusion-inversion-views")
        self.summary = label("", "diffusion-inversion-summary", wrap=True, selectable=True)
        self.a_button = button("Use as endpoint A", "diffusion-use-a",
                               "Interpolate from this image's noise (Interpolation tab, endpoint A)",
                               lambda: self._use("A"))
        self.b_button = button("Use as endpoint B", "diffusion-use-b",
                               "Interpolate to this image's noise (Interpolation tab, endpoint B)",
                               lambda: self._use("B"))
        self.class_label = QLabel("Condition on")

        layout = QVBoxLayout(self)
        layout.addWidget(hint(INTRO, small=True))
        layout.addLayout(row((self.strip, 1), self.more_button, self.open_button))
        layout.addWidget(self.source_label)
        layout.addLayout(row(QLabel("DDIM steps"), self.steps_spin, self.class_label, self.class_combo,
                             self.invert_button, None))
        layout.addWidget(self.views)
        layout.addWidget(self.summary)
        layout.addLayout(row(self.a_button, self.b_button, None))
        layout.addStretch(1)
        self.set_model(None)

    # ---- model ------------------------------------------------------------------------------------------------
    def set_model(self, model: Any, loaded: compute.Loaded | None = None) -> None:
        self.model = model
        self.result = None
        self.items, self.files, self.page = [], [], []
        self.strip.clear()
        self.views.set_placeholder("Choose an image above: its inversion is shown here.")
        self.summary.clear()
        self.class_combo.clear()
        self.class_combo.addItem("no class (unconditional)", -1)
        if model is not None:
            for index, name in enumerate(model.classes):
                self.class_combo.addItem(name, index)
            self.steps_spin.setMaximum(model.num_timesteps)
            self.steps_spin.setValue(min(50, model.num_timesteps))
        self.class_combo.setVisible(model is not None and model.conditional)
        self.class_label.setVisible(model is not None and model.conditional)
        if loaded is not None:
            self._show_page(loaded.examples, 0, loaded.total, loaded.note)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.model is not None
        for widget in (self.more_button, self.open_button, self.invert_button, self.steps_spin, self.class_combo):
            widget.setEnabled(ready)
        for widget in (self.a_button, self.b_button):
            widget.setEnabled(self.result is not None)

    # ---- inputs -----------------------------------------------------------------------------------------------
    def _show_page(self, items: list[compute.Example], start: int, total: int, note: str) -> None:
        """Show a page of dataset images after the files the user opened."""
        self.page, self.start, self.total, self.note = items, start, total, note
        self._render(len(self.files))

    def _render(self, current: int) -> None:
        self.items = [*self.files, *self.page]
        self.strip.blockSignals(True)
        self.strip.clear()
        for item in self.items:
            entry = QListWidgetItem(QIcon(pixmap_near(item.thumbnail, THUMB)), item.name)
            entry.setToolTip(item.name + (" (your file)" if item.source == "file" else ""))
            self.strip.addItem(entry)
        self.strip.blockSignals(False)
        shown = f"dataset images {self.start + 1}–{self.start + len(self.page)} of {self.total:,} (shuffled)" \
            if self.page else ""
        self.source_label.setText(" · ".join(part for part in (shown, self.note) if part))
        if self.items:
            self.strip.setCurrentRow(min(current, len(self.items) - 1))

    def next_page(self) -> None:
        model = self.model
        if model is None:
            return
        start = (self.start + compute.STRIP_EXAMPLES) % max(1, self.total)
        self.panel.tasks.start(lambda: compute.example_page(model, start),
                               lambda value: self._show_page(value[0], start, value[1], value[2]), "Reading images")

    def _open_dialog(self) -> None:
        files = ask_open(self, "Image to invert")
        if files:
            self.open_file(files[0])

    def open_file(self, path: str | Path) -> None:
        """Add an image file to the strip and invert it; an unreadable file is reported in the panel."""
        model = self.model
        if model is None:
            self.panel.show_error("Load a DDPM run first: images are inverted with its model.")
            return
        path = Path(path)

        def done(item: compute.Example) -> None:
            self.files.insert(0, item)
            self._render(0)

        self.panel.clear_error()
        self.panel.tasks.start(lambda: compute.load_file(model, path), done, f"Reading {path.name}")

    def _chosen(self, index: int) -> None:
        if 0 <= index < len(self.items):
            self.invert()

    # ---- inversion --------------------------------------------------------------------------------------------
    def invert(self) -> None:
        """Invert the chosen image in the background (the newest request wins)."""
        model, index = self.model, self.strip.currentRow()
        if model is None or not 0 <= index < len(self.items):
            return
        item, steps = self.items[index], self.steps_spin.value()
        label_index = int(self.class_combo.currentData() if self.class_combo.currentData() is not None else -1)
        self.panel.tasks.start(lambda: compute.invert(model, item, label_index, steps), self.show_result,
                               f"Inverting {item.name} in {steps} DDIM steps", newest="inversion")

    def show_result(self, view: compute.InversionView) -> None:
        self.result = view
        images = np.stack([view.input, view.noise_picture, view.reconstruction])
        captions = [view.name, f"mean {view.noise_mean:+.3f}, std {view.noise_std:.3f}",
                    f"PSNR {view.psnr:.1f} dB"]
        self.views.set_images(images, 3, column_headers=("Input", "Noise x_T (±3σ shown)", "Reconstruction"),
                              captions=captions, cell=VIEW_CELL if self.height() >= 600 else VIEW_CELL * 3 // 4)
        good = abs(view.noise_mean) < 0.1 and abs(view.noise_std - 1) < 0.1
        cls = f", class {self.model.classes[view.label]}" if self.model and 0 <= view.label < len(self.model.classes) \
            else ""
        self.summary.setText(
            f"<b>{view.steps} DDIM steps{cls}:</b> reconstruction PSNR {view.psnr:.1f} dB · noise mean "
            f"{view.noise_mean:+.3f}, std {view.noise_std:.3f} "
            f"({'noise-like, as expected' if good else 'expected ≈ 0 and 1: the inversion is not faithful'}) · "
            f"{view.seconds:.2f} s")
        self._update_buttons()

    def _use(self, which: str) -> None:
        if self.result is not None:
            self.endpoint_chosen.emit(which, self.result)
