"""Render the application icon (workbench/resources/workbench.svg) to PNGs of 16 to 256 pixels beside it.

Run after changing the SVG: `.venv/bin/python scripts/render_icons.py`. The PNGs are committed (window managers
and packagers want bitmaps; Qt picks the closest size for the title bar, the task bar and the Alt-Tab switcher).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)
RESOURCES = Path(__file__).resolve().parent.parent / "workbench" / "resources"


def render(svg: Path = RESOURCES / "workbench.svg", out_dir: Path = RESOURCES, sizes=SIZES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"workbench-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in render():
        print(path)
