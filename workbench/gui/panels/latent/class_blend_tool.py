"""Class blend tool: one code, its class embedding moved from class A to class B (BigGAN-style conditioning).

Each row keeps one code z (a seed) and walks the learned class embedding in even steps from class A (first column,
exactly the code's class-A image) to class B (last column, its class-B image). What stays the same along a row is
what the code carries across classes (pose, stroke width, colour); the columns in between show how the classes
morph into each other and where features of one class leak into the other (class leakage, BigGAN's "dogball").

The core is workbench.latent.class_grid; the grid is computed in the background. No torch at module level.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.latent.capability_tool import CapabilityTool, FittedImages
from workbench.gui.panels.latent.tool_common import TaskRow
from workbench.gui.widgets.factory import choice, fill, hint, row, seed_spin, spin
from workbench.methods.capabilities import ClassInterpolation, Truncation

LEAKAGE = ("Class leakage: the columns between the ends are blends of two class embeddings, where features of one "
           "class appear in the other (BigGAN's “dogball”); a code whose row changes abruptly sits near a border "
           "between the classes.")


class ClassBlendTool(CapabilityTool):
    capability = ClassInterpolation
    title = "Class blend"
    needs = "a class-conditional generator with a learned class embedding"
    condition = " on a labelled dataset"
    about = ("Each row keeps one code and blends its class embedding from class A (first column) to class B (last "
             "column): what stays is what the code carries across classes.")

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(session, parent)
        self.result = None  # the ClassInterpolationGrid shown
        self._needs_render = False
        self._again = False  # asked for while a grid was computing

        self.class_a = choice(name="class-blend-a", tip="The class of the first column",
                              on_change=lambda _i: self.blend())
        self.class_b = choice(name="class-blend-b", tip="The class of the last column",
                              on_change=lambda _i: self.blend())
        self.first_seed = seed_spin("class-blend-seed", "Row i shows the code of seed (first seed + i)")
        self.first_seed.setMaximumWidth(90)
        self.rows = spin(1, 16, 4, tip="Codes: one row each")
        self.steps = spin(2, 17, 8, tip="Images per row, both classes included")
        self.threshold = spin(0.0, 4.0, 0.0, tip="Draw the codes from a normal truncated to ±this (BigGAN's "
                              "truncation trick); 0 = untruncated", step=0.1)
        self.threshold.setSpecialValueText("off")
        self.threshold_label = QLabel("truncation")
        self.task = TaskRow(session, "Blend")
        self.task.button.setObjectName("class-blend")
        self.task.button.clicked.connect(self.blend)
        self.caption = hint(small=True)
        self.leakage = hint(LEAKAGE, small=True)
        self.grid = FittedImages("Choose two classes, then Blend.")
        box = QGroupBox("Class interpolation: class A → class B at fixed codes")
        fill(QVBoxLayout(box),
             row(QLabel("From class A"), self.class_a, QLabel("to class B"), self.class_b, 16, QLabel("first seed"),
                 self.first_seed, QLabel("rows"), self.rows, QLabel("steps"), self.steps, self.threshold_label,
                 self.threshold, 16, (self.task, 1)),
             self.leakage, self.caption, (self.grid, 1))
        fill(QVBoxLayout(self.body), box, margins=0)
        self.follow_session()

    # ---- the model ---------------------------------------------------------------------------------------
    def model_changed(self) -> None:
        self.result = None
        self._again = False
        self.task.clear()
        self.caption.setText("")
        classes = tuple(self.method.classes) if self.method is not None else ()
        for combo in (self.class_a, self.class_b):
            combo.blockSignals(True)
            combo.clear()
            for k, name in enumerate(classes):
                combo.addItem(name, k)
        if len(classes) > 1:
            self.class_b.setCurrentIndex(1)
        for combo in (self.class_a, self.class_b):
            combo.blockSignals(False)
        truncation = isinstance(self.method, Truncation)
        self.threshold.setVisible(truncation)
        self.threshold_label.setVisible(truncation)
        self.grid.set_placeholder("Choose two classes, then Blend." if self.method is not None else
                                  "Nothing to show for this model.")
        self._needs_render = self.method is not None
        if self._needs_render and self.isVisible():
            self.blend()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._needs_render:
            self.blend()

    # ---- computing ---------------------------------------------------------------------------------------
    def seeds(self) -> list[int]:
        first = self.first_seed.value()
        return list(range(first, first + self.rows.value()))

    def blend(self) -> None:
        """Compute the grid for the current choices in the background."""
        method = self.method
        a, b = self.class_a.currentData(), self.class_b.currentData()
        if method is None or a is None or b is None:
            return
        self._needs_render = False
        if self.task.busy:
            self._again = True
            return
        seeds, steps = self.seeds(), self.steps.value()
        threshold = self.threshold.value() if isinstance(method, Truncation) else 0.0

        def work(_progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            import torch

            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.class_grid import class_interpolation_grid

            grid = class_interpolation_grid(method, seeds, a, b, steps, threshold=threshold)
            return grid, to_uint8(torch.flatten(grid.images, 0, 1))

        self.task.start(work, self._blended, f"Blending {method.classes[a]} → {method.classes[b]}")

    def _blended(self, value) -> None:  # noqa: ANN001
        grid, images = value
        self.result = grid
        if self._again:
            self._again = False
            self.blend()
        names = self.method.classes if self.method is not None else ()
        steps = grid.images.shape[1]
        name_a = names[grid.class_a] if grid.class_a < len(names) else str(grid.class_a)
        name_b = names[grid.class_b] if grid.class_b < len(names) else str(grid.class_b)
        headers = [f"A: {name_a}", *[f"{float(t):.2f}" for t in grid.t[1:-1]], f"B: {name_b}"]
        self.grid.set_images(images, columns=steps, column_headers=headers,
                             row_headers=[f"seed {s}" for s in grid.seeds])
        self.caption.setText(f"{len(grid.seeds)} codes × {steps} steps: the first column is each code as {name_a}, "
                             f"the last as {name_b}; the headers between give the share of {name_b}'s embedding.")
