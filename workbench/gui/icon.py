"""The application's icon (workbench/resources: an SVG and its PNG renders, made by scripts/render_icons.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def app_icon() -> QIcon:
    """Every PNG size (window managers pick the closest) and the SVG for the rest; an empty icon if the files
    are missing (an install without package data), never an error."""
    icon = QIcon()
    for path in sorted(RESOURCES.glob("workbench-*.png")):
        icon.addFile(str(path))
    svg = RESOURCES / "workbench.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon
