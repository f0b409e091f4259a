"""A searchable list of check boxes, in groups, and a dialog around it: choosing columns from hundreds of config
fields and figures, runs to compare with, trashed runs to restore, the axes of a plot."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.factory import hint

KEY_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Choice:
    key: str
    text: str
    group: str = ""
    checked: bool = False
    tip: str = ""


class CheckList(QWidget):
    """Check boxes under group headings, narrowed by a search field (every word must appear in the text).
    `checked()` lists the keys in the order they were ticked (those ticked at first in their given order)."""

    changed = Signal()

    def __init__(self, placeholder: str = "Search…", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._narrow)
        self.list = QListWidget()
        self.list.itemChanged.connect(self._item_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._order: list[str] = []

    def set_choices(self, choices: list[Choice]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        group = None
        bold = QFont()
        bold.setBold(True)
        for choice in choices:
            if choice.group and choice.group != group:
                group = choice.group
                heading = QListWidgetItem(group)
                heading.setFlags(Qt.ItemFlag.NoItemFlags)
                heading.setFont(bold)
                self.list.addItem(heading)
            item = QListWidgetItem(choice.text)
            item.setData(KEY_ROLE, choice.key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if choice.checked else Qt.CheckState.Unchecked)
            if choice.tip:
                item.setToolTip(choice.tip)
            self.list.addItem(item)
        self._order = [c.key for c in choices if c.checked]
        self.list.blockSignals(False)
        self._narrow(self.search.text())

    def checked(self) -> list[str]:
        return list(self._order)

    def set_checked(self, key: str, checked: bool) -> None:
        for item in self._items():
            if item.data(KEY_ROLE) == key:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def visible_keys(self) -> list[str]:
        return [item.data(KEY_ROLE) for item in self._items() if not item.isHidden()]

    def _items(self) -> list[QListWidgetItem]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [item for item in items if item.data(KEY_ROLE) is not None]

    def _item_changed(self, item: QListWidgetItem) -> None:
        key = item.data(KEY_ROLE)
        if key is None:
            return
        if item.checkState() == Qt.CheckState.Checked and key not in self._order:
            self._order.append(key)
        elif item.checkState() != Qt.CheckState.Checked and key in self._order:
            self._order.remove(key)
        self.changed.emit()

    def _narrow(self, text: str) -> None:
        words = text.lower().split()
        heading: QListWidgetItem | None = None
        shown_in_group = False
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(KEY_ROLE) is None:  # a group heading: shown when one of its items is
                if heading is not None:
                    heading.setHidden(not shown_in_group)
                heading, shown_in_group = item, False
                continue
            shown = all(word in item.text().lower() for word in words)
            item.setHidden(not shown)
            shown_in_group = shown_in_group or shown
        if heading is not None:
            heading.setHidden(not shown_in_group)


class CheckListDialog(QDialog):
    """A CheckList with a line of explanation and OK / Cancel; `checked()` after `exec()`."""

    def __init__(self, parent: QWidget | None, title: str, explanation: str, choices: list[Choice],
                 name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        if name:
            self.setObjectName(name)
        self.check_list = CheckList()
        self.check_list.set_choices(choices)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if explanation:
            layout.addWidget(hint(explanation))
        layout.addWidget(self.check_list, 1)
        layout.addWidget(buttons)
        self.resize(420, 520)
        self.check_list.search.setFocus()

    def checked(self) -> list[str]:
        return self.check_list.checked()
