"""A form generated from a settings dataclass: one row per `setting(...)` field.

Numbers are typed as text and validated by the dataclass itself, so the message a user sees is the core's
("train.steps must be a whole number in [1, 1e+08], got 0"), the same one the CLI and TOML loading give. The field
it names is marked where it is: a red border, the message as its tooltip and in red under it, until it is edited.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from workbench.config import ConfigError, allowed_text, field_types

ERROR_STYLE = "border: 1px solid #d9534f; background: #fff0f0;"
MESSAGE_STYLE = "color: #c62828; font-size: 11px;"


def _label(f: dataclasses.Field) -> str:
    return f.metadata.get("label") or f.name.replace("_", " ")


def _format(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class ConfigForm(QWidget):
    """Edits one settings dataclass. `build()` returns a validated instance or raises ConfigError."""

    changed = Signal()

    def __init__(self, settings_cls: type, values: Any = None, exclude: tuple[str, ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings_cls = settings_cls
        self.section = getattr(settings_cls, "section", "")
        self._types = field_types(settings_cls)
        self._editors: dict[str, QWidget] = {}
        self._rows: dict[str, QWidget] = {}  # the widget of each field's row (the editor, or it with Browse…)
        self._fixed: dict[str, Any] = {}
        self._tips: dict[str, str] = {}  # each editor's own tooltip (an error replaces it while shown)
        self._messages: dict[str, QLabel] = {}  # the red line under each invalid field
        self._layout = layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        current = values if values is not None else settings_cls()
        for f in dataclasses.fields(settings_cls):
            value = getattr(current, f.name)
            if f.name in exclude or "help" not in f.metadata:
                self._fixed[f.name] = value
                continue
            editor = self._make_editor(f, value)
            tip = f"{f.metadata['help']}\nAllowed: {allowed_text(f)}"
            editor.setToolTip(tip)
            self._tips[f.name] = tip
            self._editors[f.name] = editor
            row = editor
            if f.name == "root":
                row = self._with_browse(editor)
            self._rows[f.name] = row
            layout.addRow(_label(f), row)

    def _make_editor(self, f: dataclasses.Field, value: Any) -> QWidget:
        typ = self._types[f.name]
        if typ is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(self.changed)
            box.toggled.connect(lambda _on, n=f.name: self.clear_invalid(n))
            return box
        if f.metadata.get("choices"):
            combo = QComboBox()
            for choice in f.metadata["choices"]:
                combo.addItem(str(choice), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(self.changed)
            combo.currentIndexChanged.connect(lambda _index, n=f.name: self.clear_invalid(n))
            return combo
        edit = QLineEdit(_format(value))
        edit.setPlaceholderText(f.metadata["help"] if typ is str else allowed_text(f))
        edit.textChanged.connect(self.changed)
        edit.textChanged.connect(lambda _text, n=f.name: self.clear_invalid(n))
        return edit

    def _with_browse(self, edit: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse_folder(edit))
        row.addWidget(browse)
        return box

    def _browse_folder(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of images", edit.text())
        if folder:
            edit.setText(folder)

    def field_names(self) -> list[str]:
        """The fields this form edits (excluded and fixed fields are not among them)."""
        return list(self._editors)

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def set_field_visible(self, name: str, visible: bool) -> None:
        """Show or hide a field's row (a field that does not apply to the current choice); a hidden field keeps
        its value and is still built."""
        if name in self._rows:
            self._layout.setRowVisible(self._rows[name], visible)

    def is_field_visible(self, name: str) -> bool:
        return name in self._rows and not self._rows[name].isHidden()

    def set_value(self, name: str, value: Any) -> None:
        editor = self._editors[name]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        else:
            editor.setText(_format(value))

    # ---- invalid fields ----------------------------------------------------------------------------------
    def field_in(self, message: str) -> str | None:
        """The field of this form that `message` is about: the one whose "section.name" it names first."""
        best: tuple[int, str] | None = None
        for name in self._editors:
            key = f"{self.section}.{name}" if self.section else name
            for end in (" ", ":", ",", "'"):
                at = message.find(key + end)
                if at >= 0 and (at == 0 or not (message[at - 1].isalnum() or message[at - 1] in "._")):
                    best = min(best, (at, name)) if best else (at, name)
        return best[1] if best else None

    def mark_invalid(self, name: str, message: str) -> QWidget:
        """Mark `name` as invalid: red border, `message` as its tooltip and under it; returns its editor."""
        editor = self._editors[name]
        editor.setStyleSheet(ERROR_STYLE)
        editor.setToolTip(f"{message}\n\n{self._tips.get(name, '')}".strip())
        line = self._messages.get(name)
        if line is None:
            line = QLabel()
            line.setObjectName(f"invalid-{name}")
            line.setWordWrap(True)
            line.setStyleSheet(MESSAGE_STYLE)
            row, _role = self._layout.getWidgetPosition(self._rows[name])
            self._layout.insertRow(row + 1, "", line)
            self._messages[name] = line
        line.setText(message)
        self._layout.setRowVisible(line, True)
        return editor

    def invalid_fields(self) -> list[str]:
        return [name for name, line in self._messages.items() if not line.isHidden()]

    def message_of(self, name: str) -> str:
        """The error shown under `name` ("" when it is not marked)."""
        line = self._messages.get(name)
        return line.text() if line is not None and not line.isHidden() else ""

    def clear_invalid(self, name: str | None = None) -> None:
        """Unmark `name` (None: every field)."""
        for field in [name] if name is not None else list(self._editors):
            line = self._messages.get(field)
            if line is None or line.isHidden():
                continue
            self._editors[field].setStyleSheet("")
            self._editors[field].setToolTip(self._tips.get(field, ""))
            self._layout.setRowVisible(line, False)

    def set_read_only(self, read_only: bool) -> None:
        for editor in self._editors.values():
            editor.setEnabled(not read_only)

    def _raw_value(self, name: str) -> Any:
        editor = self._editors[name]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        text = editor.text().strip()
        typ = self._types[name]
        f = self.settings_cls.__dataclass_fields__[name]
        prefix = f"{self.section}.{name}" if self.section else name
        try:
            if typ is int:
                return int(float(text)) if float(text).is_integer() else float(text)
            if typ is float:
                return float(text)
        except ValueError:
            kind = "a whole number" if typ is int else "a number"
            message = f"{prefix} must be {kind} ({allowed_text(f)}), got {text!r}"
            self.mark_invalid(name, message)
            raise ConfigError(message) from None
        return text

    def build(self, **overrides: Any) -> Any:
        """A validated settings instance; on error the offending field is marked (`mark_invalid`)."""
        self.clear_invalid()
        values = {**self._fixed, **{name: self._raw_value(name) for name in self._editors}, **overrides}
        try:
            return self.settings_cls(**values)
        except ConfigError as err:
            name = self.field_in(str(err))
            if name is not None:
                self.mark_invalid(name, str(err))
            raise
