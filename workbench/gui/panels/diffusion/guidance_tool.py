"""Guidance sweep: the same noise of each class sampled at several classifier-free guidance scales, as a grid.

Rows are classes, columns are scales w in ε = ε_null + w·(ε_class − ε_null): w = 0 ignores the class, 1 is the
plain conditional model and larger scales trade variety for typical images of the class. Every row keeps one
noise, so along a row only the scale changes. An unconditional run has no classes to guide towards: the tool
says so instead of showing controls. The slider above the grid is one scale, live: drag it and the ticked
classes are sampled again at that w by a `LatestRequestWorker` (the newest position wins, no backlog).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.widgets.factory import (
    button,
    hint,
    label,
    line_edit,
    row,
    scroll_area,
    seed_spin,
    slider,
    spin,
)

CELL = 72
LIVE_CELL = 56
SLIDER_STEPS_PER_UNIT = 10  # the live slider moves w in steps of 0.1
LIVE_TIP = ("Drag to sample the ticked classes again at this guidance scale (same noises as the grid's rows): "
            "0 ignores the class, 1 is the plain conditional model, larger = more typical, less varied")
SCALES_TIP = ("Guidance scales w to compare, separated by commas (≥ 0): 0 = unconditional, 1 = plain conditional, "
              "larger = more typical images of the class, less variety")
CLASSES_TIP = "The classes shown, one row each (tick them)"
STEPS_TIP = "DDIM steps per image (more: finer detail, slower)"
SEED_TIP = "Row i uses noise seed + i in every column: only the guidance scale changes along a row"
INTRO = ("Classifier-free guidance: ε = ε_null + w·(ε_class − ε_null). Each row is one class and one fixed noise; "
         "each column a guidance scale w.")
UNCONDITIONAL = ("<h3>Guidance needs a class-conditional run</h3>This run was trained without classes "
                 "(method.conditional = no, or an unlabelled dataset), so there is nothing to guide towards. "
                 "Train DDPM on a labelled dataset (conditional = auto or yes) to sweep the guidance scale.")


def parse_scales(text: str) -> list[float]:
    """'0, 1, 2, 7.5' → [0.0, 1.0, 2.0, 7.5]; ValueError naming a bad entry."""
    scales = []
    for item in text.replace(";", ",").replace(" ", ",").split(","):
        if not item.strip():
            continue
        try:
            value = float(item)
        except ValueError:
            raise ValueError(f"guidance scales are numbers separated by commas: {item!r} is not") from None
        if not 0 <= value <= 100:
            raise ValueError(f"guidance scale {value:g} is out of range: 0 … 100")
        scales.append(value)
    if not scales:
        raise ValueError("give at least one guidance scale, e.g. 0, 1, 2, 4, 7.5")
    return scales


class GuidanceTool(QWidget):
    """Scales, classes, steps, seed → a grid with class rows and scale columns."""

    def __init__(self, panel: Any) -> None:
        super().__init__()
        self.panel = panel
        self.setObjectName("diffusion-guidance")
        self.model: Any = None
        self.rows_shown = 0
        self.columns_shown = 0
        self.scales_edit = line_edit("diffusion-guidance-scales", "e.g. 0, 1, 2, 4, 7.5", SCALES_TIP)
        self.scales_edit.setText("0, 1, 2, 4, 7.5")
        self.class_list = QListWidget()
        self.class_list.setObjectName("diffusion-guidance-classes")
        self.class_list.setToolTip(CLASSES_TIP)
        self.class_list.setFlow(QListWidget.Flow.LeftToRight)
        self.class_list.setWrapping(True)
        self.class_list.setMaximumHeight(self.class_list.fontMetrics().height() * 2 + 16)
        self.steps_spin = spin(1, 1000, 20, "diffusion-guidance-steps", STEPS_TIP)
        self.seed_spin = seed_spin("diffusion-guidance-seed", SEED_TIP)
        self.run_button = button("Show grid", "diffusion-guidance-run", "Sample every class at every scale",
                                 self.show_grid)
        self.live_slider = slider(0, 10 * SLIDER_STEPS_PER_UNIT, 2 * SLIDER_STEPS_PER_UNIT,
                                  "diffusion-guidance-live", LIVE_TIP)
        self.live_value = QLabel()
        self.live_value.setMinimumWidth(self.live_value.fontMetrics().horizontalAdvance("w = 10.0  "))
        self.live_slider.valueChanged.connect(self._live_moved)
        self.live_strip = ImageGrid("Move the slider to sample the ticked classes at one guidance scale.",
                                    cell=LIVE_CELL)
        self.live_strip.setObjectName("diffusion-guidance-live-strip")
        self.live_worker = LatestRequestWorker(_live_row, "diffusion-guidance-live", self)
        self.live_worker.ready.connect(self._live_ready)
        self.live_worker.failed.connect(lambda _id, message, _details: self.panel.show_error(message))
        self.grid = ImageGrid("Choose scales and classes and press Show grid.", cell=CELL)
        self.grid.setObjectName("diffusion-guidance-grid")
        self.summary = label("", "diffusion-guidance-summary", wrap=True, selectable=True)
        self.unconditional = label(UNCONDITIONAL, "diffusion-guidance-unconditional", wrap=True)
        self.unconditional.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.controls = QWidget()
        controls = QVBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(hint(INTRO, small=True))
        controls.addLayout(row(QLabel("Guidance scales"), (self.scales_edit, 1), QLabel("DDIM steps"),
                               self.steps_spin, QLabel("Seed"), self.seed_spin, self.run_button))
        controls.addLayout(row(QLabel("Classes"), (self.class_list, 1)))
        controls.addLayout(row(QLabel("Live guidance"), (self.live_slider, 1), self.live_value))
        controls.addWidget(self.live_strip)
        self.scroll = scroll_area(self.grid, frame=False)
        controls.addWidget(self.scroll, 1)
        controls.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.controls, 1)
        layout.addWidget(self.unconditional, 1)
        self.set_model(None)

    def set_model(self, model: Any) -> None:
        self.model = model
        self.live_worker.discard()
        self.rows_shown = self.columns_shown = 0
        self.class_list.clear()
        conditional = model is not None and model.conditional
        if model is not None:
            self.steps_spin.setMaximum(model.num_timesteps)
            for index, name in enumerate(model.classes):
                item = QListWidgetItem(name)
                item.setData(Qt.ItemDataRole.UserRole, index)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if index < 10 else Qt.CheckState.Unchecked)
                self.class_list.addItem(item)
        self.grid.set_placeholder("Choose scales and classes and press Show grid.")
        self.live_strip.set_placeholder("Move the slider to sample the ticked classes at one guidance scale.")
        self._live_moved(self.live_slider.value(), sample=False)
        self.summary.clear()
        self.controls.setVisible(model is None or conditional)
        self.unconditional.setVisible(model is not None and not conditional)
        self.run_button.setEnabled(conditional)

    def checked_classes(self) -> list[int]:
        return [int(self.class_list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.class_list.count())
                if self.class_list.item(i).checkState() == Qt.CheckState.Checked]

    def show_grid(self) -> None:
        model = self.model
        if model is None:
            return
        if not model.conditional:
            self.panel.show_error("Guidance needs a class-conditional run: this one was trained without classes.")
            return
        try:
            scales = parse_scales(self.scales_edit.text())
        except ValueError as err:
            self.panel.show_error(str(err))
            return
        classes = self.checked_classes()
        if not classes:
            self.panel.show_error("Tick at least one class: each one is a row of the grid.")
            return
        steps, seed = self.steps_spin.value(), self.seed_spin.value()
        self.panel.clear_error()

        def work() -> Any:
            from workbench.gui.panels.diffusion.compute import guidance_grid

            return guidance_grid(model, classes, scales, steps, seed)

        self.panel.tasks.start(work, lambda view: self.show_view(view, steps, seed),
                               f"Guidance grid ({len(classes)} classes × {len(scales)} scales)", newest="guidance")

    @property
    def live_scale(self) -> float:
        return self.live_slider.value() / SLIDER_STEPS_PER_UNIT

    def _live_moved(self, _value: int, sample: bool = True) -> None:
        self.live_value.setText(f"w = {self.live_scale:.1f}")
        if sample:
            self.show_live()

    def show_live(self) -> None:
        """Sample the ticked classes at the slider's scale, one image per class (the grid rows' noises)."""
        model, classes = self.model, self.checked_classes()
        if model is not None and model.conditional and classes:
            self.live_worker.submit((model, classes, self.live_scale, self.steps_spin.value(), self.seed_spin.value()))

    def _live_ready(self, request_id: int, view: Any) -> None:
        if request_id == self.live_worker.latest_id:  # an older slider position's images would flash by
            self.live_strip.set_images(view.images, len(view.rows), column_headers=view.rows, cell=LIVE_CELL)

    def shutdown(self, timeout: float = 30) -> None:
        self.live_worker.shutdown(timeout)

    def show_view(self, view: Any, steps: int, seed: int) -> None:
        self.rows_shown, self.columns_shown = len(view.rows), len(view.scales)
        room = (self.scroll.viewport().height() - 24) // max(1, len(view.rows)) - 6  # every row in sight if it can
        self.grid.set_images(view.images, len(view.scales), row_headers=view.rows,
                             column_headers=[f"w = {s:g}" for s in view.scales], cell=max(CELL, min(2 * CELL, room)))
        self.summary.setText(f"Rows: classes, each with one noise (seed {seed} + row); columns: guidance scale w · "
                             f"{steps} DDIM steps · {view.seconds:.1f} s")


def _live_row(request: tuple) -> Any:
    """The live worker's computation (its own thread): the ticked classes at one guidance scale."""
    from workbench.compat import one_torch_thread
    from workbench.gui.panels.diffusion.compute import guidance_grid

    model, classes, scale, steps, seed = request
    with one_torch_thread():
        return guidance_grid(model, classes, [scale], steps, seed)
