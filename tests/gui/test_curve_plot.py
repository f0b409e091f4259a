"""CurvePlot: buffered appends, coalesced redraws, smoothing, log y, time axis, hover readout and export."""

from __future__ import annotations

import csv
import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from workbench.gui.widgets.curve_plot import DEFAULT_SMOOTHING, X_AXIS_STEP, X_AXIS_TIME, CurvePlot
from workbench.runs.smoothing import debiased_ema


@pytest.fixture
def plot(qtbot) -> CurvePlot:
    widget = CurvePlot("Losses")
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def drawn(plot: CurvePlot, tag: str) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """(x, raw y, smoothed y) as last handed to the curve items."""
    raw_item, smoothed_item = plot.items(tag)
    x, smoothed = smoothed_item.getOriginalDataset()
    return x, raw_item.getOriginalDataset()[1], smoothed


def wait_drawn(qtbot, plot: CurvePlot, tag: str, n: int) -> None:
    def has_all_points() -> bool:
        x, _, smoothed = drawn(plot, tag)
        return x is not None and len(x) == n and len(smoothed) == n

    qtbot.waitUntil(has_all_points, timeout=5000)


def noisy_loss(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 2.0 * np.exp(-np.arange(n) / (n / 4)) + 0.2 * rng.normal(size=n)


def test_appends_in_several_calls_arrive_in_the_item_data(qtbot, plot: CurvePlot) -> None:
    values = noisy_loss(1_000)
    steps = np.arange(1_000)
    walls = 1_000.0 + 0.5 * steps
    for chunk in np.array_split(np.arange(1_000), [1, 2, 300, 700]):
        plot.append("loss/g", steps[chunk], walls[chunk], values[chunk])
    plot.append("loss/d", steps[:10], walls[:10], values[:10])

    # The redraw is deferred to the coalescing timer, not done inside append().
    assert drawn(plot, "loss/g")[0] is None
    wait_drawn(qtbot, plot, "loss/g", 1_000)

    assert plot.series_names() == ["loss/g", "loss/d"]
    assert plot.point_count("loss/g") == 1_000 and plot.point_count("loss/d") == 10
    got_steps, got_walls, got_values = plot.data("loss/g")
    np.testing.assert_array_equal(got_steps, steps)
    np.testing.assert_array_equal(got_walls, walls)
    np.testing.assert_array_equal(got_values, values)
    x, raw, _ = drawn(plot, "loss/g")
    np.testing.assert_array_equal(x, steps)
    np.testing.assert_array_equal(raw, values)
    legend_names = [label.text for _, label in plot.legend.items]
    assert legend_names == ["loss/g", "loss/d"]
    colors = {plot.items(tag)[1].opts["pen"].color().name() for tag in plot.series_names()}
    assert len(colors) == 2


def test_many_single_point_appends_are_kept(qtbot, plot: CurvePlot) -> None:
    for step in range(5_000):
        plot.append("loss", np.array([step]), np.array([float(step)]), np.array([1.0 / (step + 1)]))
    wait_drawn(qtbot, plot, "loss", 5_000)
    np.testing.assert_array_equal(plot.data("loss")[2], 1.0 / (np.arange(5_000) + 1))


def test_mismatched_lengths_are_rejected(plot: CurvePlot) -> None:
    with pytest.raises(ValueError, match="differ in length"):
        plot.append("loss", np.arange(3), np.arange(3.0), np.arange(2.0))


def test_smoothing_matches_debiased_ema_and_follows_the_slider(qtbot, plot: CurvePlot) -> None:
    values = noisy_loss(2_000)
    values[[5, 700]] = np.nan
    steps = np.arange(2_000)
    for chunk in np.array_split(np.arange(2_000), 7):
        plot.append("loss", steps[chunk], steps[chunk] * 0.1, values[chunk])
    wait_drawn(qtbot, plot, "loss", 2_000)
    np.testing.assert_allclose(drawn(plot, "loss")[2], debiased_ema(values, DEFAULT_SMOOTHING), rtol=1e-12)

    plot.smoothing_slider.setValue(0.9)
    expected = debiased_ema(values, 0.9)
    qtbot.waitUntil(lambda: np.allclose(drawn(plot, "loss")[2], expected, rtol=1e-12, equal_nan=True), timeout=5000)
    raw_item, _ = plot.items("loss")
    assert raw_item.isVisible()

    # Points appended after the change are smoothed incrementally with the new weight.
    more = noisy_loss(500, seed=1)
    plot.append("loss", np.arange(2_000, 2_500), np.arange(2_000, 2_500) * 0.1, more)
    wait_drawn(qtbot, plot, "loss", 2_500)
    np.testing.assert_allclose(drawn(plot, "loss")[2], debiased_ema(np.concatenate([values, more]), 0.9), rtol=1e-12)

    plot.smoothing_slider.setValue(0.0)
    all_values = np.concatenate([values, more])
    qtbot.waitUntil(lambda: np.array_equal(drawn(plot, "loss")[2], all_values, equal_nan=True), timeout=5000)
    assert not raw_item.isVisible()  # nothing to draw faintly behind an unsmoothed curve


def test_log_y_with_zeros_and_negatives_does_not_raise(qtbot, plot: CurvePlot) -> None:
    values = np.array([-1.0, 0.0, 1e-3, 2.0, np.nan, 0.5, -0.0, 3.0])
    plot.append("loss", np.arange(values.size), np.arange(values.size, dtype=float), values)
    plot.log_y_checkbox.setChecked(True)
    wait_drawn(qtbot, plot, "loss", values.size)
    plot.grab()  # paints the log-mode curves
    view_box = plot.plot_item.getViewBox()
    plot.show_readout_at(view_box.mapViewToScene(view_box.viewRect().center()))
    assert plot.plot_item.getAxis("left").logMode
    plot.grab()
    plot.log_y_checkbox.setChecked(False)
    plot.grab()


def test_time_axis_uses_wall_time_relative_to_the_first_point(qtbot, plot: CurvePlot) -> None:
    steps = np.arange(100)
    plot.append("loss/g", steps, 1_700_000_005.0 + 2.0 * steps, noisy_loss(100))
    plot.append("loss/d", steps, 1_700_000_000.0 + 2.0 * steps, noisy_loss(100, seed=1))
    wait_drawn(qtbot, plot, "loss/g", 100)

    plot.x_axis_combo.setCurrentText(X_AXIS_TIME)
    qtbot.waitUntil(lambda: drawn(plot, "loss/g")[0][0] == 5.0, timeout=5000)
    np.testing.assert_allclose(drawn(plot, "loss/g")[0], 5.0 + 2.0 * steps)
    np.testing.assert_allclose(drawn(plot, "loss/d")[0], 2.0 * steps)
    assert plot.plot_item.getAxis("bottom").labelText == "time (s)"
    view_box = plot.plot_item.getViewBox()
    view_box.setRange(xRange=(0, 210), yRange=(-1, 3), padding=0)
    plot.show_readout_at(view_box.mapViewToScene(QPointF(20.6, 1.0)))
    lines = plot.readout_text().splitlines()
    assert "step 8, 21.0 s" in lines[0] and "step 10, 20.0 s" in lines[1]

    plot.x_axis_combo.setCurrentText(X_AXIS_STEP)
    qtbot.waitUntil(lambda: drawn(plot, "loss/g")[0][0] == 0.0, timeout=5000)
    np.testing.assert_array_equal(drawn(plot, "loss/g")[0], steps)
    assert plot.plot_item.getAxis("bottom").labelText == "step"


def test_csv_export_round_trips_every_series(plot: CurvePlot, tmp_path) -> None:
    rng = np.random.default_rng(4)
    with_nan = np.array([1, np.nan, 3, 4, 5.0])
    series = {
        "loss/g": (np.arange(50), 1_700_000_000.123 + rng.random(50).cumsum(), rng.normal(size=50)),
        "metric, with comma": (np.arange(0, 500, 100), 1_700_000_100.0 + np.arange(5.0), with_nan),
    }
    for tag, (steps, walls, values) in series.items():
        plot.append(tag, steps, walls, values)
    path = tmp_path / "curves.csv"
    plot.export_csv(str(path))

    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["tag", "step", "wall_time", "value"]
    for tag, (steps, walls, values) in series.items():
        mine = [row for row in rows[1:] if row[0] == tag]
        np.testing.assert_array_equal([int(row[1]) for row in mine], steps)
        np.testing.assert_array_equal([float(row[2]) for row in mine], walls)
        np.testing.assert_array_equal([float(row[3]) for row in mine], values)
    assert len(rows) == 1 + 50 + 5


def test_png_and_svg_exports_write_files(qtbot, plot: CurvePlot, tmp_path) -> None:
    plot.append("loss/g", np.arange(300), np.arange(300.0), noisy_loss(300))
    plot.append("loss/d", np.arange(300), np.arange(300.0), noisy_loss(300, seed=1))

    png = tmp_path / "curves.png"
    plot.export_png(str(png))
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100 and image.height() > 100

    svg = tmp_path / "curves.svg"
    plot.export_svg(str(svg))
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "<path" in text and "Losses" in text


def test_hover_readout_lists_each_series_at_the_nearest_step(qtbot, plot: CurvePlot) -> None:
    steps = np.arange(100)
    rising, falling = steps * 1.0, 100.0 - steps
    plot.append("rising", steps, steps * 1.0, rising)
    plot.append("falling", steps, steps * 1.0, falling)
    wait_drawn(qtbot, plot, "falling", 100)
    view_box = plot.plot_item.getViewBox()
    view_box.setRange(xRange=(0, 99), yRange=(0, 100), padding=0)

    plot.show_readout_at(view_box.mapViewToScene(QPointF(42.3, 50.0)))
    text = plot.readout_text()
    for tag, values in (("rising", rising), ("falling", falling)):
        smoothed = debiased_ema(values, DEFAULT_SMOOTHING)[42]
        line = next(line for line in text.splitlines() if tag + ":" in line)
        assert f"{smoothed:.5g}" in line and f"raw {values[42]:.5g}" in line and "step 42" in line
    assert plot._hover_line.isVisible() and math.isclose(plot._hover_line.value(), 42.3, abs_tol=1e-6)

    # Outside the plotting area the readout disappears.
    plot.show_readout_at(view_box.sceneBoundingRect().topLeft() - QPointF(5, 5))
    assert plot.readout_text() == ""


def test_hover_readout_copes_with_steps_that_go_back(qtbot, plot: CurvePlot) -> None:
    plot.append("loss", np.arange(50), np.arange(50.0), np.full(50, 2.0))
    plot.append("loss", np.arange(25, 75), np.arange(50.0, 100.0), np.full(50, 1.0))  # resumed from step 25
    wait_drawn(qtbot, plot, "loss", 100)
    view_box = plot.plot_item.getViewBox()
    view_box.setRange(xRange=(0, 75), yRange=(0, 3), padding=0)
    plot.show_readout_at(view_box.mapViewToScene(QPointF(60.2, 1.5)))
    assert "step 60" in plot.readout_text()


def test_clear_removes_series_items_and_legend_entries(qtbot, plot: CurvePlot) -> None:
    plot.append("loss", np.arange(10), np.arange(10.0), np.ones(10))
    raw_item, smoothed_item = plot.items("loss")
    plot.clear()
    assert plot.series_names() == []
    assert raw_item not in plot.plot_item.items and smoothed_item not in plot.plot_item.items
    assert plot.legend.items == []
    plot.append("loss", np.arange(3), np.arange(3.0), np.ones(3))
    wait_drawn(qtbot, plot, "loss", 3)


def test_a_million_points_append_and_repaint(qtbot, plot: CurvePlot) -> None:
    n = 1_000_000
    values = noisy_loss(n)
    steps = np.arange(n)
    for chunk in np.array_split(np.arange(n), 4):
        plot.append("loss", steps[chunk], 1_000.0 + 0.01 * steps[chunk], values[chunk])
    qtbot.waitUntil(lambda: drawn(plot, "loss")[0] is not None and drawn(plot, "loss")[0][-1] == n - 1, timeout=5000)
    plot.grab()
    width = plot.plot_item.getViewBox().width()
    for item in plot.items("loss"):  # each block's peaks at about the plot's width, ending on the last point
        x, y = item.getOriginalDataset()
        assert len(x) <= 2 * 4 * width + 1 and x[-1] == n - 1
    x, raw = plot.items("loss")[0].getOriginalDataset()
    assert raw.min() == values.min() and raw.max() == values.max(), "the peaks keep the extremes"
    plot.smoothing_slider.setValue(0.95)
    expected_last = debiased_ema(values, 0.95)[-1]
    qtbot.waitUntil(lambda: math.isclose(drawn(plot, "loss")[2][-1], expected_last, rel_tol=1e-9), timeout=5000)
    np.testing.assert_allclose(plot.smoothed("loss"), debiased_ema(values, 0.95), rtol=1e-9)

    # Zoomed in to a few thousand steps, the points themselves are drawn.
    plot.plot_item.getViewBox().setRange(xRange=(500_000, 502_000), padding=0)
    x, raw = plot.items("loss")[0].getOriginalDataset()
    inside = (x >= 500_000) & (x <= 502_000)
    np.testing.assert_array_equal(raw[inside], values[500_000:502_001])
    plot.log_y_checkbox.setChecked(True)
    plot.x_axis_combo.setCurrentText(X_AXIS_TIME)
    plot.grab()
    assert plot.point_count("loss") == n


def test_clear_resets_the_axes_for_the_next_run(qtbot):
    from workbench.gui.widgets.curve_plot import CurvePlot

    plot = CurvePlot("Losses")
    qtbot.addWidget(plot)
    plot.show()
    steps = np.arange(1, 1501, dtype=float)
    plot.append("loss", steps, steps, np.sin(steps) * 1000)
    qtbot.waitUntil(lambda: plot.plot_item.getViewBox().viewRange()[0][1] > 1000, timeout=5000)
    plot.clear()
    few = np.arange(1, 11, dtype=float)
    plot.append("loss", few, few, few / 10)
    qtbot.waitUntil(lambda: plot.plot_item.getViewBox().viewRange()[0][1] < 50, timeout=5000)
    assert plot.plot_item.getViewBox().viewRange()[1][1] < 10


def test_redraw_schedule_batches_appends_but_not_user_changes(qtbot, plot: CurvePlot) -> None:
    plot.set_redraw_schedule(400, phase_ms=0)
    plot.append("loss", np.arange(3), np.arange(3.0), np.ones(3))
    wait_drawn(qtbot, plot, "loss", 3)
    plot.set_redraw_schedule(400, phase_ms=int(time.monotonic() * 1000) + 250)  # next slot ~250 ms away
    plot.append("loss", np.array([3]), np.array([3.0]), np.array([2.0]))
    qtbot.wait(30)
    assert len(drawn(plot, "loss")[0]) == 3, "appended points wait for the plot's next slot"
    wait_drawn(qtbot, plot, "loss", 4)  # ... which comes within one interval
    plot.append("loss", np.array([4]), np.array([4.0]), np.array([1.0]))
    plot.smoothing_slider.setValue(0.0)  # a user's change is drawn at once, with the pending points
    qtbot.waitUntil(lambda: len(drawn(plot, "loss")[0]) == 5, timeout=250)


def test_the_view_follows_growing_data_without_refitting_every_update(qtbot, plot: CurvePlot) -> None:
    view_box = plot.plot_item.getViewBox()
    plot.append("loss", np.arange(100), np.arange(100.0), np.linspace(1, 2, 100))
    wait_drawn(qtbot, plot, "loss", 100)
    first = view_box.viewRange()
    assert first[0][0] <= 0 and first[0][1] >= 99 and first[1][0] <= 1 and first[1][1] >= 2
    plot.append("loss", np.array([100]), np.array([100.0]), np.array([1.5]))
    wait_drawn(qtbot, plot, "loss", 101)
    assert view_box.viewRange() == first, "a point inside the view leaves the axes alone"
    plot.append("loss", np.arange(101, 400), np.arange(101.0, 400), np.full(299, 5.0))
    wait_drawn(qtbot, plot, "loss", 400)
    (x0, x1), (y0, y1) = view_box.viewRange()
    assert x1 >= 399 and y1 >= 5, "data that leaves the view moves it"


def test_zooming_stops_following_and_the_auto_button_resumes(qtbot, plot: CurvePlot) -> None:
    view_box = plot.plot_item.getViewBox()
    plot.append("loss", np.arange(100), np.arange(100.0), np.linspace(1, 2, 100))
    wait_drawn(qtbot, plot, "loss", 100)
    view_box.sigRangeChangedManually.emit([True, True])  # what a mouse zoom emits
    view_box.setRange(xRange=(10, 20), yRange=(1, 1.2), padding=0)
    plot.append("loss", np.arange(100, 300), np.arange(100.0, 300), np.full(200, 9.0))
    wait_drawn(qtbot, plot, "loss", 300)
    assert view_box.viewRange()[0] == [10, 20], "a zoomed view stays where the user put it"
    plot.plot_item.autoBtn.clicked.emit(plot.plot_item.autoBtn)  # the "A" button
    assert view_box.viewRange()[0][1] >= 299 and view_box.viewRange()[1][1] >= 9
