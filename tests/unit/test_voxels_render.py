"""Voxel thumbnails: real off-screen renders of known shapes, the blank tile of an empty grid, tiling like
image_grid, errors reaching the caller, rendering from a non-main thread in a fresh process without a display,
and rendering on the training thread while a pyvistaqt QtInteractor draws on the main thread (under X)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from workbench.data.voxel_render import (
    blank_thumbnail,
    render_thumbnails,
    thumbnail_grid,
    thumbnails_as_images,
    tile,
)
from workbench.images import image_grid

REPO = Path(__file__).resolve().parents[2]


def sphere(side: int = 16, radius: float = 5.0) -> np.ndarray:
    c = (np.arange(side) + 0.5) - side / 2
    d, h, w = np.meshgrid(c, c, c, indexing="ij")
    return (d**2 + h**2 + w**2 <= radius**2).astype(np.float32)


def test_a_sphere_renders_as_a_shaded_disc_on_the_dark_background():
    pictures = render_thumbnails(np.stack([sphere(), np.zeros((16, 16, 16), np.float32)]), size=64)
    assert pictures.shape == (2, 64, 64, 3) and pictures.dtype == np.uint8
    shape, empty = pictures
    background = shape[0, 0]
    assert (shape[0] == background).all() and background.max() < 60  # dark corners
    lit = (np.abs(shape.astype(int) - background.astype(int)).sum(-1) > 30)
    assert 0.05 < lit.mean() < 0.6  # a sizeable shape, not the whole picture
    rows, cols = np.nonzero(lit)
    assert abs(rows.mean() - 32) < 8 and abs(cols.mean() - 32) < 8  # centred
    assert shape[lit].max() > 150  # light grey shading
    assert np.array_equal(empty, blank_thumbnail(64))  # nothing above the threshold: the crossed tile
    speck = np.zeros((1, 16, 16, 16), np.float32)
    speck[0, 8, 8, 8] = 0.51  # above the threshold, but its surface is far smaller than a pixel
    assert np.array_equal(render_thumbnails(speck, size=64)[0], blank_thumbnail(64))


def test_threshold_decides_what_is_drawn_and_inputs_may_be_tensors_with_a_channel_axis():
    soft = torch.from_numpy(sphere() * 0.4)[None, None]  # N×1×D×H×W, every voxel below 0.5
    assert np.array_equal(render_thumbnails(soft, size=32)[0], blank_thumbnail(32))
    assert not np.array_equal(render_thumbnails(soft, size=32, threshold=0.3)[0], blank_thumbnail(32))
    assert render_thumbnails(np.zeros((0, 16, 16, 16)), size=32).shape == (0, 32, 32, 3)
    with pytest.raises(ValueError, match="N×D×H×W"):
        render_thumbnails(np.zeros((16, 16, 16)))
    with pytest.raises(ValueError, match="threshold"):
        render_thumbnails(sphere()[None], threshold=0.0)


def test_the_same_grid_gives_the_same_picture_and_up_is_up():
    """Deterministic renders (one reused plotter, fixed camera); a shape standing on the bottom of the grid
    (large height indices, the grid convention's "down") shows in the lower half of the picture."""
    grid = np.zeros((16, 16, 16), np.float32)
    grid[4:12, 11:16, 4:12] = 1.0  # a slab at the bottom (height rows 11–15)
    first, second = render_thumbnails(np.stack([grid, grid]), size=48)
    assert np.array_equal(first, second)
    lit = np.abs(first.astype(int) - first[0, 0].astype(int)).sum(-1) > 30
    assert np.nonzero(lit)[0].mean() > 24


def test_tiling_matches_image_grid():
    pictures = render_thumbnails(np.stack([sphere(), sphere(radius=3), np.zeros((16, 16, 16))]), size=32)
    expected = image_grid(thumbnails_as_images(pictures))
    assert np.array_equal(tile(pictures), expected)
    assert np.array_equal(thumbnail_grid(np.stack([sphere(), sphere(radius=3), np.zeros((16, 16, 16))]), size=32),
                          expected)
    assert tile(pictures, nrow=3).shape == (32 + 4, 3 * 34 + 2, 3)


def test_errors_on_the_rendering_thread_reach_the_caller_and_rendering_goes_on():
    from workbench.data.voxel_render import _renderer

    def fail(painter):
        raise ZeroDivisionError("from the rendering thread")

    with pytest.raises(ZeroDivisionError, match="from the rendering thread"):
        _renderer().submit(fail)
    assert render_thumbnails(sphere()[None], size=32).std() > 5


def test_threads_render_concurrently():
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            results[k] = render_thumbnails(sphere(radius=2 + k)[None], size=32)[0]
        except BaseException as error:  # re-raised below in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and sorted(results) == [0, 1, 2]
    lit = [int((np.abs(results[k].astype(int) - results[k][0, 0]).sum(-1) > 30).sum()) for k in range(3)]
    assert lit[0] < lit[1] < lit[2]  # each thread got its own sphere back


def run_script(code: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_a_training_thread_renders_in_a_fresh_process_without_a_display():
    """The first thumbnail of the process is asked for from a non-main thread, with no X display, and the
    import of the module itself loads no VTK."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run_script("""
        import sys, threading
        import numpy as np
        from workbench.data.voxel_render import render_thumbnails
        assert "pyvista" not in sys.modules and "vtkmodules" not in sys.modules
        grid = np.zeros((1, 16, 16, 16), np.float32)
        grid[0, 4:12, 4:12, 4:12] = 1
        out = []
        worker = threading.Thread(target=lambda: out.append(render_thumbnails(grid, size=48)))
        worker.start()
        worker.join(120)
        picture = out[0][0]
        assert picture.shape == (48, 48, 3) and picture.std() > 5, picture.std()
        print("rendered", threading.current_thread() is threading.main_thread())
    """, env)
    assert result.returncode == 0, result.stderr
    assert "rendered True" in result.stdout


QT_SCRIPT = """
    import sys, threading
    import numpy as np
    from PySide6.QtWidgets import QApplication
    import pyvista as pv
    from pyvistaqt import QtInteractor
    from workbench.data.voxel_render import render_thumbnails

    app = QApplication(sys.argv)
    view = QtInteractor()
    view.add_mesh(pv.Sphere(), color="orange")
    view.resize(240, 240)
    view.show()
    app.processEvents()
    grid = np.zeros((2, 16, 16, 16), np.float32)
    grid[0, 3:13, 5:11, 4:12] = 1
    results, errors = [], []

    def training_thread():
        try:
            for _ in range(25):
                results.append(render_thumbnails(grid, size=48))
        except BaseException as error:
            errors.append(repr(error))

    worker = threading.Thread(target=training_thread)
    worker.start()
    frames = 0
    while worker.is_alive() or frames < 5:  # the Voxels tab keeps drawing while the thread renders
        view.camera.azimuth += 7
        view.render()
        app.processEvents()
        frames += 1
    worker.join()
    shot = view.screenshot(return_img=True)
    assert not errors, errors
    assert len(results) == 25 and all(r[0].std() > 5 for r in results)
    assert all(np.array_equal(r, results[0]) for r in results)
    assert shot.std() > 5, "the interactor drew nothing"
    view.close()
    print("coexist", frames)
"""


def test_rendering_on_the_training_thread_coexists_with_a_qt_interactor():
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display (scripts/test.sh runs the tests under xvfb-run)")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    result = run_script(QT_SCRIPT, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "coexist" in result.stdout
