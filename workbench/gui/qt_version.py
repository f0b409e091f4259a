"""The Qt binding's and Qt's versions, for `workbench --version` (here so that only gui/ imports Qt; QtCore alone:
no widgets, no display needed)."""

from __future__ import annotations


def qt_versions() -> str:
    """"PySide6 6.11.3 (Qt 6.11.3)"; ImportError when PySide6 is missing."""
    import PySide6
    from PySide6 import QtCore

    return f"PySide6 {PySide6.__version__} (Qt {QtCore.qVersion()})"
