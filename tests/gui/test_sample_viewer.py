"""SampleViewer: live-following scrubber, lazy files, crisp whole-number zoom and exact PNG export."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from workbench.gui.widgets.sample_viewer import SampleViewer


@pytest.fixture
def viewer(qtbot) -> SampleViewer:
    widget = SampleViewer("Samples")
    qtbot.addWidget(widget)
    widget.resize(640, 520)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def random_grid(seed: int, height: int = 34, width: int = 50) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def zoomed(grid: np.ndarray, factor: int) -> np.ndarray:
    return np.repeat(np.repeat(grid, factor, axis=0), factor, axis=1)


def shown_pixels(viewer: SampleViewer) -> np.ndarray:
    """The pixmap on screen as an H×W×3 uint8 array."""
    image = viewer.image_label.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def test_placeholder_until_the_first_grid(viewer: SampleViewer) -> None:
    assert viewer._stack.currentWidget() is viewer.placeholder
    assert viewer.placeholder.text().startswith("No samples yet")
    viewer.set_sample_every(500)
    assert viewer.placeholder.text() == "No samples yet: they appear every 500 steps"
    assert viewer.current_step() is None and viewer.current_image() is None and viewer.steps() == []
    assert not viewer.export_button.isEnabled()

    viewer.add_image(0, random_grid(0))
    assert viewer._stack.currentWidget() is viewer.scroll_area
    viewer.clear()
    assert viewer._stack.currentWidget() is viewer.placeholder and viewer.steps() == []


def test_scrubber_follows_the_newest_grid_until_moved_back(viewer: SampleViewer) -> None:
    for step in (0, 100, 200):
        viewer.add_image(step, random_grid(step))
        assert viewer.current_step() == step
    assert viewer.step_label.text() == "step 200 of 200 (3/3)"

    viewer.step_slider.setValue(1)  # the user looks back at step 100
    assert viewer.current_step() == 100
    np.testing.assert_array_equal(viewer.current_image(), random_grid(100))
    viewer.add_image(300, random_grid(300))
    viewer.add_image(50, random_grid(50))  # an older grid arriving late shifts the index, not the view
    assert viewer.current_step() == 100
    np.testing.assert_array_equal(shown_pixels(viewer), zoomed(random_grid(100), viewer.zoom()))
    assert viewer.steps() == [0, 50, 100, 200, 300]
    assert viewer.step_label.text() == "step 100 of 300 (3/5)"

    viewer.step_slider.setValue(viewer.step_slider.maximum())  # back at the end: live again
    viewer.add_image(400, random_grid(400))
    assert viewer.current_step() == 400
    np.testing.assert_array_equal(viewer.current_image(), random_grid(400))


def test_files_are_decoded_only_when_shown(viewer: SampleViewer, tmp_path) -> None:
    paths = {step: tmp_path / f"{step}.png" for step in (0, 10, 20)}
    Image.fromarray(random_grid(0)).save(paths[0])
    viewer.add_file(0, paths[0])
    viewer.add_image(5, random_grid(5))
    viewer.step_slider.setValue(0)  # scrubbed back: later files are not opened
    viewer.add_file(10, paths[10])  # does not exist yet
    assert viewer.current_step() == 0
    np.testing.assert_array_equal(viewer.current_image(), random_grid(0))

    Image.fromarray(random_grid(10)).save(paths[10])
    viewer.step_slider.setValue(2)
    assert viewer.current_step() == 10
    np.testing.assert_array_equal(viewer.current_image(), random_grid(10))


def test_grayscale_grids_are_shown_as_rgb_and_bad_arrays_rejected(viewer: SampleViewer) -> None:
    gray = random_grid(1)[:, :, 0]
    viewer.add_image(0, gray)
    np.testing.assert_array_equal(viewer.current_image(), np.repeat(gray[:, :, None], 3, axis=2))
    with pytest.raises(ValueError, match="uint8"):
        viewer.add_image(1, np.zeros((4, 4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        viewer.add_image(1, np.zeros((4, 4, 2), dtype=np.uint8))


@pytest.mark.parametrize("zoom", [1, 2, 3, 5])
def test_true_size_mode_shows_exactly_k_times_with_nearest_neighbour(viewer: SampleViewer, zoom: int) -> None:
    grid = random_grid(7)
    viewer.add_image(0, grid)
    viewer.true_size_checkbox.setChecked(True)
    viewer.zoom_spin.setValue(zoom)
    pixmap = viewer.image_label.pixmap()
    assert (pixmap.width(), pixmap.height()) == (grid.shape[1] * zoom, grid.shape[0] * zoom)
    np.testing.assert_array_equal(shown_pixels(viewer), zoomed(grid, zoom))
    assert viewer.zoom_label.text() == f"50×34 px · true size {zoom}×"


def test_fit_mode_uses_the_largest_whole_factor_that_fits(qtbot, viewer: SampleViewer) -> None:
    grid = random_grid(3)
    viewer.add_image(0, grid)
    viewport = viewer.scroll_area.viewport().size()
    expected = max(1, min(viewport.width() // 50, viewport.height() // 34))
    assert expected > 1
    assert viewer.zoom() == expected
    assert viewer.image_label.pixmap().width() == 50 * expected
    np.testing.assert_array_equal(shown_pixels(viewer), zoomed(grid, expected))

    viewer.resize(260, 200)  # smaller view: smaller factor, never below 1
    qtbot.waitUntil(lambda: viewer.image_label.pixmap().width() < 50 * expected, timeout=3000)
    viewport = viewer.scroll_area.viewport().size()
    assert viewer.zoom() == max(1, min(viewport.width() // 50, viewport.height() // 34))

    viewer.add_image(1, random_grid(4, height=1000, width=1000))  # larger than the view: shown at 1×, scrollable
    assert viewer.zoom() == 1 and viewer.image_label.pixmap().width() == 1000


def test_export_png_writes_the_same_pixels(viewer: SampleViewer, tmp_path) -> None:
    grid = random_grid(11, height=274, width=274)
    viewer.add_image(1200, grid)
    viewer.true_size_checkbox.setChecked(True)
    viewer.zoom_spin.setValue(4)  # the export is the grid itself, not the zoomed view
    path = tmp_path / "grid.png"
    viewer.export_png(path)
    np.testing.assert_array_equal(np.asarray(Image.open(path).convert("RGB")), grid)


def test_export_without_a_grid_raises(viewer: SampleViewer, tmp_path) -> None:
    with pytest.raises(ValueError, match="no sample grid"):
        viewer.export_png(tmp_path / "nothing.png")
