"""The Directions tool's conditional edit: move a pinned code along one saved direction while the checked ones
are held fixed (projected out), see the decoded image while the slider moves, and pin the result.

`ConditionalEditing` is a part of `DirectionsTool` (the tool's class derives from it): it uses the tool's
session and `directions`.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.panels.latent.tool_common import captioned_view
from workbench.gui.widgets.factory import button, choice, fill, hint, row, spin
from workbench.gui.widgets.pixmaps import pixmap_at_least

AMOUNT_STEPS = 100  # slider ticks per unit of amount


class ConditionalEditing:
    """Builds the edit box (`_build_edit`) and decodes the edited code."""

    def _build_edit(self) -> QWidget:
        box = QGroupBox("Conditional edit")
        self.code_combo = choice(tip="a pinned code (pin one with the bar above)", on_change=self._edit_inputs_changed)
        self.direction_combo = choice(on_change=self._edit_direction_changed)
        self.amount_slider = QSlider(Qt.Orientation.Horizontal)
        self.amount_slider.setRange(-3 * AMOUNT_STEPS, 3 * AMOUNT_STEPS)
        self.amount_slider.setToolTip("distance moved along the (projected) unit direction, in latent units")
        self.amount_slider.valueChanged.connect(self._amount_moved)
        self.amount_label = QLabel("+0.00")
        self.amount_label.setMinimumWidth(44)
        self.range_spin = spin(1, 20, 3, tip="slider range", prefix="±")
        self.range_spin.valueChanged.connect(
            lambda k: self.amount_slider.setRange(-k * AMOUNT_STEPS, k * AMOUNT_STEPS))
        self.held_list = QListWidget()
        self.held_list.setToolTip("checked directions are projected out of the moving one, so they stay put")
        self.held_list.setMaximumHeight(120)
        self.held_list.itemChanged.connect(self._edit_inputs_changed)
        grid = QGridLayout()
        grid.addWidget(QLabel("Code"), 0, 0)
        grid.addWidget(self.code_combo, 0, 1)
        grid.addWidget(QLabel("Direction"), 1, 0)
        grid.addWidget(self.direction_combo, 1, 1)
        grid.addWidget(QLabel("Amount"), 2, 0)
        grid.addLayout(row((self.amount_slider, 1), self.amount_label, self.range_spin), 2, 1)
        grid.addWidget(QLabel("Hold fixed"), 3, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.held_list, 3, 1)
        grid.setColumnStretch(1, 1)

        self.original_view = QLabel()
        self.edited_view = QLabel()
        self.edited_view.setObjectName("directions-edited-image")
        images = row(None, captioned_view(self.original_view, QLabel("pinned code"), 132),
                     captioned_view(self.edited_view, QLabel("edited"), 132), None)
        self.edit_info = hint()
        self.pin_button = button("Pin result", "directions-pin", on_click=self.pin_result)
        fill(QVBoxLayout(box), hint("Move a pinned code along one direction; checked directions are held fixed "
                                    "(projected out)."), grid, images, self.edit_info, None, self.pin_button)
        return box

    # ---- the session -------------------------------------------------------------------------------------

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


