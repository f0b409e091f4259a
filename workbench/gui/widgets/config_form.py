"""A form generated from a settings dataclass: one row per `setting(...)` field.

Numbers are typed as text and validated by the dataclass itself, so the message a user sees is the core's
("train.steps must be a whole number in [1, 1e+08], got 0"), the same one the CLI and TOML loading give.
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
    QLineEdit,
    QPushButton,
    QWidget,
)

from workbench.config import ConfigError, allowed_text, field_types

ERROR_STYLE = "border: 1px solid #d9534f; background: #fff0f0;"


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
            return box
        if f.metadata.get("choices"):
            combo = QComboBox()
            for choice in f.metadata["choices"]:
                combo.addItem(str(choice), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(self.changed)
            return combo
        edit = QLineEdit(_format(value))
        edit.setPlaceholderText(f.metadata["help"] if typ is str else allowed_text(f))
        edit.textChanged.connect(self.changed)
        edit.textChanged.connect(lambda _text, e=edit: e.setStyleSheet(""))
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
            editor.setStyleSheet(ERROR_STYLE)
            kind = "a whole number" if typ is int else "a number"
            raise ConfigError(f"{prefix} must be {kind} ({allowed_text(f)}), got {text!r}") from None
        return text

    def build(self, **overrides: Any) -> Any:
        """A validated settings instance; on error the offending field is highlighted."""
        values = {**self._fixed, **{name: self._raw_value(name) for name in self._editors}, **overrides}
        try:
            return self.settings_cls(**values)
        except ConfigError as err:
            for name, editor in self._editors.items():
                if f"{self.section}.{name} " in str(err) or str(err).startswith(f"{self.section}.{name}:"):
                    editor.setStyleSheet(ERROR_STYLE)
            raise
