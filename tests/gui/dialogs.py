"""Answering a modal dialog that the code under test opens with `exec()` (a question, a name, a list)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget


def answer_next_dialog(answer: Callable[[QDialog], object], kind: type[QDialog] = QDialog) -> None:
    """Call `answer` with the next modal dialog of `kind` shown after this call.

    Dialogs already visible (one another test left behind, say) are never answered: answering the wrong one
    would leave the new dialog's `exec()` waiting for ever."""
    already = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}

    def act() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if _is_new_modal(w, kind, already)), None)
        if dialog is None:
            QTimer.singleShot(20, act)
            return
        answer(dialog)

    QTimer.singleShot(0, act)


def _is_new_modal(widget: QWidget, kind: type[QDialog], already: set[int]) -> bool:
    return isinstance(widget, kind) and widget.isVisible() and widget.isModal() and id(widget) not in already


def close_stray_dialogs() -> None:
    """Close every dialog still shown (after a test), so that none outlives the test that opened it."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
