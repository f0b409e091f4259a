"""The plots' polish everywhere curves are shown: titles from what the tags are, counts on their own axis, tick
labels and readouts with sensible precision, the wall-clock axis as dates; and the Compare tab in the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from workbench.gui.panels.training.live import LiveView
from workbench.gui.widgets.curve_groups import group_of, plot_title
from workbench.gui.widgets.curve_plot import X_AXIS_WALL, CurvePlot
from workbench.gui.widgets.plot_axes import format_value, tick_strings

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tick_labels_and_readouts_carry_the_digits_that_matter() -> None:
    assert tick_strings([0.0379229545052793, 0.03792295450527931], 1e-16) == ["0.0379230", "0.0379230"]
    assert tick_strings([0.0, 0.5, 1.0], 0.5) == ["0.0", "0.5", "1.0"]
    assert tick_strings([0, 250_000, 500_000], 250_000) == ["0", "250000", "500000"]
    assert tick_strings([1e-5, 2e-5], 1e-5) == ["1e-5", "2e-5"]
    assert tick_strings([-0.1, 0.0, 0.1], 0.1) == ["-0.1", "0.0", "0.1"]
    assert [format_value(v) for v in (0.0379229545052793, 42.0, 1.5e-7, 123456.7, float("nan"))] == [
        "0.037923", "42", "1.5e-7", "123457", "nan"]


def test_a_flat_curve_gets_a_readable_axis_and_readout(qtbot) -> None:
    plot = CurvePlot("Learning rate")
    qtbot.addWidget(plot)
    plot.resize(700, 400)
    plot.show()
    value = 0.0379229545052793
    plot.append("lr", np.arange(100), np.arange(100.0), np.full(100, value))
    qtbot.waitUntil(lambda: plot.items("lr")[1].getOriginalDataset()[0] is not None, timeout=5000)
    view_box = plot.plot_item.getViewBox()
    low, high = view_box.viewRange()[1]
    assert high - low >= 1e-4 * value, "not a span of float noise"
    axis = plot.plot_item.getAxis("left")
    ticks = [v for _spacing, values in axis.tickValues(low, high, 300) for v in values]
    labels = axis.tickStrings(ticks, 1.0, ticks[1] - ticks[0])
    assert all(len(text.lstrip("-").replace(".", "").lstrip("0")) <= 6 for text in labels), labels
    plot.show_readout_at(view_box.mapViewToScene(QPointF(50, value)))
    assert "lr: 0.037923" in plot.readout_text()


def test_the_wall_clock_axis_shows_dates_and_times(qtbot) -> None:
    plot = CurvePlot("Losses")
    qtbot.addWidget(plot)
    plot.show()
    walls = 1_700_000_000.0 + 60.0 * np.arange(100)
    plot.append("loss", np.arange(100), walls, np.linspace(1, 0, 100))
    plot.set_x_axis(X_AXIS_WALL)
    qtbot.waitUntil(lambda: plot.items("loss")[1].getOriginalDataset()[0] is not None and
                    plot.items("loss")[1].getOriginalDataset()[0][0] == walls[0], timeout=5000)
    (x0, x1), _ = plot.plot_item.getViewBox().viewRange()
    assert x0 <= walls[0] and x1 >= walls[-1]
    axis = plot.x_axis
    labels = [text for spacing, values in axis.tickValues(x0, x1, 600)
              for text in axis.tickStrings(values, 1.0, spacing)]
    assert labels and sum(":" in text for text in labels) >= len(labels) - 1  # "22:15", "22:30"... (and the day)
    view_box = plot.plot_item.getViewBox()
    plot.show_readout_at(view_box.mapViewToScene(QPointF(walls[10], 0.5)))
    assert "step 10, 2023-11-1" in plot.readout_text()  # the date and time of the nearest point
    plot.set_x_axis("Step")
    assert not axis.dates and axis.tickStrings([0, 50, 100], 1.0, 50) == ["0", "50", "100"]


def test_tags_group_by_what_they_are() -> None:
    groups = {tag: group_of(tag) for tag in ("loss_d", "loss_g", "d_real", "d_fake", "d_accuracy", "modes_covered",
                                             "classes_covered", "d_updates_skipped", "kl", "encoder_kl",
                                             "reconstruction", "pixel_mse", "grad_norm_g", "lr", "psnr_db",
                                             "high_quality_fraction", "sample_diversity",
                                             "eval/FID [digits-cnn, 500]", "eval/KID std [digits-cnn, 500]")}
    assert groups == {
        "loss_d": "losses", "loss_g": "losses", "d_real": "discriminator", "d_fake": "discriminator",
        "d_accuracy": "ratios", "modes_covered": "counts", "classes_covered": "counts", "d_updates_skipped": "counts",
        "kl": "kl", "encoder_kl": "kl", "reconstruction": "reconstruction", "pixel_mse": "reconstruction",
        "grad_norm_g": "gradients", "lr": "learning_rate", "psnr_db": "psnr", "high_quality_fraction": "ratios",
        "sample_diversity": "other", "eval/FID [digits-cnn, 500]": "eval:FID", "eval/KID std [digits-cnn, 500]":
        "eval:KID"}
    assert plot_title(["sample_diversity"], "Diagnostics") == "Sample diversity"
    assert plot_title(["sample_diversity", "d_real", "d_fake"], "-") == "Discriminator outputs · sample diversity"
    assert plot_title(["pixel_mse", "psnr_db"], "-") == "Reconstruction error · PSNR (dB)"
    assert plot_title([], "Diagnostics") == "Diagnostics"


def watched(qtbot, run) -> LiveView:
    view = LiveView(run)
    qtbot.addWidget(view)
    view.show()
    view.watch()
    return view


def test_training_plots_are_titled_for_the_method_and_counts_have_their_own_axis(qtbot, tiny_run) -> None:
    vae = watched(qtbot, tiny_run("vae", steps=4))
    qtbot.waitUntil(lambda: vae.diagnostics_plot.series_names() == ["sample_diversity"], timeout=10_000)
    assert vae.diagnostics_plot.title == "Sample diversity"  # not "Discriminator outputs and diagnostics"
    assert vae.loss_plot.title == "Losses" and not vae.counts_plot.isVisibleTo(vae)

    toy = watched(qtbot, tiny_run("toy_gan", data="gaussians2d-ring", batch_size=4, steps=4, hidden=8, layers=1,
                                  latent_dim=2))
    qtbot.waitUntil(lambda: toy.counts_plot.series_names() == ["modes_covered"], timeout=10_000)
    assert "modes_covered" not in toy.diagnostics_plot.series_names(), "a count is not drawn on a probability axis"
    assert toy.counts_plot.title == "Modes covered" and toy.counts_plot.isVisibleTo(toy)
    assert toy.diagnostics_plot.title == "Discriminator outputs · accuracies and fractions"
    assert {"d_real", "high_quality_fraction"} <= set(toy.diagnostics_plot.series_names())
    for view in (vae, toy):
        view.close_view()


def test_the_window_has_a_compare_tab_that_follows_the_selection(qtbot, window, tiny_run) -> None:
    first, second = tiny_run("dcgan", name="gan-a"), tiny_run("dcgan", name="gan-b")
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(titles.index("Compare"))
    window.selection.set_runs([first, second])
    panel = window.compare_panel
    qtbot.waitUntil(lambda: len(panel.curves.run_ids()) == 2, timeout=10_000)
    assert panel.stack.currentWidget() is panel.content
    assert set(panel.curves.run_ids()) == {first.id, second.id}
