"""The Voxels tab's exports, written in the background: the shape on view (mesh, volume or voxels), a turntable of
it, and the interpolation from end A to end B as an animation or a PNG strip.

Each function reads what to write from the pane on the GUI thread (the shape, the threshold and style, the
Export tab's settings), then hands plain data to a background task; a missing input is a message, not a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def export_shape(pane: Any, path: Path) -> None:
    """Write the shown shape (format by the suffix; meshes as shown: surface or cubes)."""
    from workbench.voxels.export import export_shape as write_shape

    current = pane.shapes.current
    if current is None:
        pane.show_error("No shape to export yet.")
        return
    grid, threshold, style = current.grid, current.request.threshold, current.request.style
    pane.tasks.start(lambda: write_shape(grid, path, threshold=threshold, style=style), pane.written,
                     f"Writing {Path(path).name}")


def export_turntable(pane: Any, path: Path) -> None:
    """Render the shown shape turning once (off-screen) and write a GIF or MP4."""
    from workbench.voxels.turntable import save_frames, turntable_frames

    current, box = pane.shapes.current, pane.export
    if current is None:
        pane.show_error("No shape to export yet.")
        return
    if Path(path).suffix.lower() not in (".gif", ".mp4"):
        pane.show_error(f"A turntable is written as .gif or .mp4, not {Path(path).name}.")
        return
    grid, threshold, style = current.grid, current.request.threshold, current.request.style
    frames, size, fps = box.frames_spin.value(), box.size_spin.value(), box.fps_spin.value()
    anti_aliasing = pane.view.aa_box.isChecked()

    def work() -> Path:
        pictures = turntable_frames(grid, frames=frames, size=size, style=style, threshold=threshold,
                                    anti_aliasing=anti_aliasing)
        return save_frames(pictures, path, fps=fps)

    pane.tasks.start(work, pane.written, f"Rendering a {frames}-frame turntable")


def export_interpolation(pane: Any, path: Path) -> None:
    """Decode the A → B path, render each step off-screen, write a GIF, MP4 or PNG strip."""
    from workbench.voxels.turntable import save_frames, sequence_frames

    model, ends, box = pane.model, pane.shapes.ends, pane.export
    if model is None or not all(end in ends for end in ("A", "B")):
        pane.show_error("Set ends A and B in the Interpolate tab first.")
        return
    za, zb = ends["A"][0], ends["B"][0]
    steps, size, fps = box.steps_spin.value(), box.size_spin.value(), box.fps_spin.value()
    mode, style, threshold = pane.interpolation.mode(), pane.view.style(), pane.view.threshold()
    anti_aliasing = pane.view.aa_box.isChecked()

    def work() -> Path:
        grids = model.decode(model.interpolate(za, zb, np.linspace(0.0, 1.0, steps), mode=mode))
        pictures = sequence_frames(grids, size=size, style=style, threshold=threshold, anti_aliasing=anti_aliasing)
        return save_frames(pictures, path, fps=fps)

    pane.tasks.start(work, pane.written, f"Rendering {steps} interpolation steps")
