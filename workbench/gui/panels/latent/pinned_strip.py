"""The strip of pinned codes (thumbnails with names) and the small pickers the tools choose pins with.

Every tool takes its inputs from the pins, so the strip is always visible above the tools. A pin's tooltip
says where it came from (seed, dataset index, inverted file and its loss...).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.factory import HINT_STYLE, button, checkbox, fill, icon_strip, label, row
from workbench.gui.widgets.pixmaps import pixmap_near
from workbench.runs.examples import is_example

AUTOSAVE_TIP = "Write the pins to the run folder after every change"
EXAMPLE_TIP = ("A shipped example is read-only: its pins stay in memory. Copy it into the workspace (right-click in "
               "the Runs list → Copy to workspace) to save them")

THUMB = 56


def pin_tooltip(session, pin) -> str:  # noqa: ANN001 - LatentSession, PinnedCode
    lines = [f"<b>{pin.name}</b>", f"source: {pin.source}"]
    if pin.label is not None:
        lines.append(f"class: {session.class_name(pin.label)} ({pin.label})")
    if pin.detail:
        lines.append(pin.detail)
    norm = float(pin.z.norm())
    lines.append(f"‖z‖ = {norm:.2f} ({pin.z.numel()} dims)")
    return "<br>".join(lines)


class PinnedStrip(QGroupBox):
    """Thumbnails of `session.pins`; rename (double-click), remove, clear, save to / load from the run."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__("Pinned codes", parent)
        self.session = session
        self.list = icon_strip("pinned-list", THUMB, QSize(THUMB + 40, THUMB + 34))
        self.list.setFixedHeight(THUMB + 44)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setWordWrap(True)
        self.list.itemChanged.connect(self._renamed)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.empty = label("No pinned codes yet: pin a prior sample by seed, encode or invert an image, or pin a "
                           "result from a tool. Every tool below takes its inputs from here.",
                           style="color: palette(mid); padding: 8px;", wrap=True)
        self.empty.setFixedHeight(THUMB + 44)

        self.remove_button = button("Remove", tip="Unpin the selected codes (Delete)", on_click=self.remove_selected)
        self.clear_button = button("Clear all", on_click=self.session.clear_pins)
        self.save_button = button("Save to run", tip="Write the pins to <run>/latent/codes.safetensors (+ codes.json)",
                                  on_click=self._save)
        self.load_button = button("Load from run", tip="Replace the pins with those saved in the run folder",
                                  on_click=self.session.reload_pins)
        self.autosave_box = checkbox("Save automatically", tip=AUTOSAVE_TIP,
                                     on_toggle=self._set_autosave, checked=self.session.autosave)
        self.count_label = label("", style=HINT_STYLE)
        buttons = row(self.count_label, None, self.remove_button, self.clear_button, self.save_button,
                      self.load_button, self.autosave_box)
        fill(QVBoxLayout(self), self.list, self.empty, buttons, margins=6, spacing=2)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        session.pins_changed.connect(self.refresh)
        session.space_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        self.list.blockSignals(True)
        self.list.clear()
        if session.space is not None:
            for pin in session.pins:
                item = QListWidgetItem(QIcon(pixmap_near(session.thumbnail(pin), THUMB)), pin.name)
                item.setToolTip(pin_tooltip(session, pin))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.list.addItem(item)
        self.list.blockSignals(False)
        has = bool(session.pins) and session.space is not None
        self.list.setVisible(has)
        self.empty.setVisible(not has)
        n = len(session.pins)
        self.count_label.setText(f"{n} pinned · double-click a name to rename" if n else "")
        self.setTitle(f"Pinned codes ({n})" if n else "Pinned codes")
        if self.list.count():
            self.list.scrollToItem(self.list.item(self.list.count() - 1))
        self._update_buttons()

    def selected_indices(self) -> list[int]:
        return sorted(self.list.row(item) for item in self.list.selectedItems())

    def remove_selected(self) -> None:
        self.session.remove_pins(self.selected_indices())

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.list.selectedItems():
            self.remove_selected()
            return
        super().keyPressEvent(event)

    def _renamed(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.session.pins):
            self.session.rename_pin(row, item.text())
            if item.text() != self.session.pins[row].name:  # empty or made unique
                self.refresh()

    def _save(self) -> None:
        try:
            path = self.session.save_pins()
        except Exception as err:  # noqa: BLE001 - shown, not raised
            self.session.error.emit(f"Could not save the pins: {err}", "")
            return
        if path is not None:
            self.session.status.emit(f"Saved {len(self.session.pins)} pins to {path}.")

    def _set_autosave(self, on: bool) -> None:
        self.session.autosave = on
        if on:
            self._save()

    def _update_buttons(self) -> None:
        has_run = self.session.run is not None and self.session.space is not None
        writable = has_run and not is_example(self.session.run)  # a shipped example is read-only
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        self.clear_button.setEnabled(bool(self.session.pins))
        self.save_button.setEnabled(writable)
        self.load_button.setEnabled(has_run)
        self.autosave_box.setEnabled(writable)
        with QSignalBlocker(self.autosave_box):  # shown off where nothing is saved; the choice returns with a run
            self.autosave_box.setChecked(self.session.autosave and writable)
        self.autosave_box.setToolTip(AUTOSAVE_TIP if writable or not has_run else EXAMPLE_TIP)


class PinChecklist(QListWidget):
    """Checkable pins (for tools that take several codes); keeps the checks of pins that stay pinned."""

    changed = Signal()

    def __init__(self, session, parent: QWidget | None = None, max_height: int = 150) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.session = session
        self.setIconSize(QSize(24, 24))
        self.setMaximumHeight(max_height)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._checked: set[int] = set()  # id(pin)
        self.itemChanged.connect(self._item_changed)
        session.pins_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        live = {id(p) for p in self.session.pins}
        self._checked &= live
        self.blockSignals(True)
        self.clear()
        if self.session.space is not None:
            for pin in self.session.pins:
                item = QListWidgetItem(QIcon(pixmap_near(self.session.thumbnail(pin), 24)), pin.name)
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                item.setCheckState(Qt.CheckState.Checked if id(pin) in self._checked else Qt.CheckState.Unchecked)
                self.addItem(item)
        self.blockSignals(False)
        self.changed.emit()

    def checked_pins(self) -> list:
        return [p for p in self.session.pins if id(p) in self._checked]

    def set_checked(self, indices) -> None:  # noqa: ANN001 - iterable of pin indices
        self._checked = {id(self.session.pins[i]) for i in indices if 0 <= i < len(self.session.pins)}
        self.refresh()

    def _item_changed(self, item: QListWidgetItem) -> None:
        pin = self.session.pins[self.row(item)]
        if item.checkState() == Qt.CheckState.Checked:
            self._checked.add(id(pin))
        else:
            self._checked.discard(id(pin))
        self.changed.emit()


class PinCombo(QComboBox):
    """One pin (for tools that edit a single code); keeps the choice while that pin stays pinned."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.session = session
        self.setIconSize(QSize(24, 24))
        self.setMinimumWidth(160)
        self._current = None  # the chosen PinnedCode, kept across changes of the pin list
        self.currentIndexChanged.connect(self._remember)
        session.pins_changed.connect(self.refresh)
        self.refresh()

    def _remember(self, index: int) -> None:
        pins = self.session.pins
        self._current = pins[index] if 0 <= index < len(pins) and self.count() == len(pins) else None

    def refresh(self) -> None:
        current = self._current
        self.blockSignals(True)
        self.clear()
        if self.session.space is not None:
            for pin in self.session.pins:
                self.addItem(QIcon(pixmap_near(self.session.thumbnail(pin), 24)), pin.name)
        index = next((i for i, p in enumerate(self.session.pins) if p is current), len(self.session.pins) - 1)
        self.setCurrentIndex(index if self.count() else -1)
        self.blockSignals(False)
        if not self.count():
            self.setPlaceholderText("pin a code first")
        self.currentIndexChanged.emit(self.currentIndex())

    def current_pin(self):  # noqa: ANN201 - PinnedCode | None
        index = self.currentIndex()
        if not 0 <= index < len(self.session.pins) or self.count() != len(self.session.pins):
            return None
        return self.session.pins[index]
