"""The Compare tab on real runs: curves overlaid in the runs' colours, one switch for every plot, hiding and
filtering, grids side by side at one step, stores read in pieces and followed while they grow."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from workbench.gui.panels.compare import loader
from workbench.gui.panels.compare.curves import series_key
from workbench.gui.panels.compare.panel import ComparePanel
from workbench.gui.run_selection import RunSelection
from workbench.gui.widgets.curve_plot import X_AXIS_TIME, X_AXIS_WALL

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def train(workspace, method: str, name: str, steps: int = 6, sample_every: int = 2, **settings):
    """A real run of `method` on 8×8 digits with tiny networks, a grid every `sample_every` steps."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.runner import run_training

    tiny = {"vae": {"latent_dim": 4, "channels": 8}, "dcgan": {"latent_dim": 4, "g_channels": 8, "d_channels": 8}}
    config = RunConfig(method_settings_class(method)(**{**tiny[method], **settings}),
                       DataConfig(name="digits", image_size=8, batch_size=16, channels=1),
                       TrainConfig(steps=steps, sample_every=sample_every, checkpoint_every=steps, sample_count=4))
    run = workspace.create_run(config, name=name)
    for _ in run_training(run):
        pass
    return run


@pytest.fixture
def compare(qtbot, workspace):
    selection = RunSelection()
    panel = ComparePanel(workspace, selection)
    qtbot.addWidget(panel)
    panel.resize(1300, 900)
    panel.show()
    qtbot.waitExposed(panel)
    yield panel, selection
    panel.shutdown()


def loaded(panel: ComparePanel, run, tag: str, n: int) -> bool:
    key = series_key(run.id, tag)
    return key in panel.curves.series and panel.curves.plot_of(tag).point_count(key) == n


def test_runs_overlay_on_shared_plots_in_their_colours(qtbot, workspace, compare) -> None:
    panel, selection = compare
    assert panel.stack.currentWidget() is panel.placeholder
    first, second = train(workspace, "dcgan", "gan-a"), train(workspace, "dcgan", "gan-b", lr_g=1e-3)
    vae = train(workspace, "vae", "vae-c")
    selection.set_runs([first, second, vae])
    assert panel.stack.currentWidget() is panel.content
    qtbot.waitUntil(lambda: all(loaded(panel, run, tag, 6) for run, tag in
                                ((first, "loss_d"), (second, "loss_g"), (vae, "kl"))), timeout=10_000)

    losses = panel.curves.plot_of("loss_d")
    assert losses is panel.curves.plot_of("loss_g") is panel.curves.plot_of("loss")  # one plot per kind of tag
    assert panel.curves.plot_of("d_real").title == "Discriminator outputs"
    assert panel.curves.plot_of("kl").title == "KL divergence"
    for run in (first, second, vae):  # the run's colour in every plot and in the runs list
        colour = selection.colour(run.id).name()
        for key, series in panel.curves.series.items():
            if series.run_id == run.id:
                pen = panel.curves.plots[series.group].items(key)[1].opts["pen"]
                assert pen.color().name() == colour
    legend = [label.text for _, label in losses.legend.items]
    assert "gan-a · loss_d" in legend and "vae-c · loss" in legend
    dashes = {losses.items(series_key(first.id, tag))[1].opts["pen"].style() for tag in ("loss_d", "loss_g")}
    assert len(dashes) == 2, "the tags of one plot differ by dash"
    run_items = [panel.runs_list.item(i) for i in range(panel.runs_list.count())]
    assert [item.text() for item in run_items] == ["gan-a", "gan-b", "vae-c"]
    assert run_items[0].icon().pixmap(12, 12).toImage().pixelColor(6, 6).name() == selection.colour(first.id).name()
    assert "3 runs" in panel.status_label.text()

    # One switch for every plot.
    panel.smoothing_slider.setValue(0.9)
    panel.log_y_checkbox.setChecked(True)
    panel.x_axis_combo.setCurrentText(X_AXIS_WALL)
    for plot in panel.curves.plots.values():
        assert plot.smoothing_slider.value() == pytest.approx(0.9) and plot.log_y_checkbox.isChecked()
        assert plot.x_axis.dates and plot.x_mode() == "wall"
    steps, walls, values = losses.data(series_key(first.id, "loss_d"))
    assert losses.x_values(series_key(first.id, "loss_d"))[0] == walls[0], "wall clock: seconds since the epoch"
    panel.x_axis_combo.setCurrentText(X_AXIS_TIME)  # relative time: from each run's own first point
    assert losses.x_values(series_key(second.id, "loss_d"))[0] == 0.0
    assert losses.x_values(series_key(first.id, "loss_d"))[0] == 0.0

    # A run selected later keeps its neighbours' colours; one dropped leaves the plots.
    selection.set_runs([first, vae])
    assert all(s.run_id != second.id for s in panel.curves.series.values())
    assert losses.items(series_key(first.id, "loss_d"))[1].opts["pen"].color().name() == selection.colour(
        first.id).name()


def test_hiding_runs_tags_and_series_and_the_tag_filter(qtbot, workspace, compare) -> None:
    panel, selection = compare
    first, second = train(workspace, "dcgan", "gan-a"), train(workspace, "dcgan", "gan-b")
    selection.set_runs([first, second])
    qtbot.waitUntil(lambda: loaded(panel, second, "grad_norm_g", 6) and loaded(panel, first, "d_fake", 6),
                    timeout=10_000)
    losses = panel.curves.plot_of("loss_d")
    first_d, second_d = series_key(first.id, "loss_d"), series_key(second.id, "loss_d")

    panel.runs_list.item(0).setCheckState(Qt.CheckState.Unchecked)  # one click hides a run everywhere
    assert not losses.is_series_visible(first_d) and losses.is_series_visible(second_d)
    assert not panel.curves.plot_of("d_real").is_series_visible(series_key(first.id, "d_real"))
    panel.runs_list.item(0).setCheckState(Qt.CheckState.Checked)
    tags = [panel.tags_list.item(i).text() for i in range(panel.tags_list.count())]
    assert tags[:2] == ["loss_d", "loss_g"] and "grad_norm_d" in tags
    panel.tags_list.item(tags.index("loss_g")).setCheckState(Qt.CheckState.Unchecked)
    assert not losses.is_series_visible(series_key(first.id, "loss_g")) and losses.is_series_visible(first_d)
    panel.tags_list.item(tags.index("loss_g")).setCheckState(Qt.CheckState.Checked)
    panel.runs_list.itemDoubleClicked.emit(panel.runs_list.item(1))  # double-click: that run alone
    assert not losses.is_series_visible(first_d) and losses.is_series_visible(second_d)
    panel.runs_list.itemDoubleClicked.emit(panel.runs_list.item(1))  # again: everything
    assert losses.is_series_visible(first_d)

    # A legend sample click (pyqtgraph hides the item, then signals it) hides that one curve, raw part too.
    raw, smoothed = losses.items(first_d)
    smoothed.setVisible(False)
    losses.legend.sigSampleClicked.emit(smoothed)
    assert not raw.isVisible() and first_d in panel.curves.hidden_keys
    smoothed.setVisible(True)
    losses.legend.sigSampleClicked.emit(smoothed)
    assert raw.isVisible()

    # The tag filter: a regular expression searched anywhere, ignoring case; plots left empty hide.
    panel.filter_edit.setText("LOSS_d$|^d_")
    assert losses.is_series_visible(first_d) and not losses.is_series_visible(series_key(first.id, "loss_g"))
    assert panel.curves.plot_of("d_real").isVisible() and not panel.curves.plot_of("grad_norm_d").isVisible()
    panel.filter_edit.setText("loss_(d")
    assert panel.filter_error.isVisible()
    assert "invalid regular expression" in panel.filter_error.text() and "position 5" in panel.filter_error.text()
    assert not losses.is_series_visible(series_key(first.id, "loss_g")), "the last valid filter still applies"
    panel.filter_edit.setText("")
    assert not panel.filter_error.isVisible() and panel.curves.plot_of("grad_norm_d").isVisible()
    assert losses.is_series_visible(series_key(first.id, "loss_g"))


def test_grids_side_by_side_at_one_step(qtbot, workspace, compare) -> None:
    panel, selection = compare
    often, seldom = train(workspace, "vae", "every-2", sample_every=2), train(workspace, "vae", "every-3",
                                                                            sample_every=3)
    selection.set_runs([often, seldom])
    grids = panel.grids
    qtbot.waitUntil(lambda: grids._steps == [0, 2, 3, 4, 6], timeout=10_000)
    assert grids.names() == ["samples", "reconstruction"]  # the samples first, then the method's named visuals
    assert grids.current_step() == 6, "the slider follows the newest step"
    grids.set_step(3)
    assert (grids.shown_step(often.id), grids.shown_step(seldom.id)) == (2, 3)  # the nearest step at or before
    grids.step_slider.setValue(grids._steps.index(4))
    assert (grids.shown_step(often.id), grids.shown_step(seldom.id)) == (4, 3)
    caption = grids._tiles[often.id].caption.text()
    assert "every-2" in caption and "step 4" in caption and selection.colour(often.id).name() in caption
    grids.zoom_combo.setCurrentIndex(grids.zoom_combo.findData(3))  # true size, 3×: whole pixels
    image = grids._tiles[seldom.id].shown[1]
    pixmap = grids._tiles[seldom.id].image.pixmap()
    assert (pixmap.width(), pixmap.height()) == (3 * image.shape[1], 3 * image.shape[0])
    grids.zoom_combo.setCurrentIndex(grids.zoom_combo.findData(0))  # Fit: the largest whole zoom in one row
    assert grids.zoom() >= 1
    assert grids._tiles[often.id].image.pixmap().width() == grids.zoom() * image.shape[1]

    grids.visual_combo.setCurrentIndex(grids.visual_combo.findData("reconstruction"))
    assert grids.current_name() == "reconstruction" and grids.shown_step(seldom.id) is not None
    before = grids.current_step()
    selection.set_runs([seldom])  # a run dropped: its grid goes, the slider keeps its step
    assert set(grids._tiles) == {seldom.id} and grids.current_step() <= before


def test_stores_are_read_in_pieces_and_followed_while_they_grow(qtbot, workspace, compare, monkeypatch) -> None:
    """A store written by another writer (as a trainer in another process would): its rows arrive in pieces,
    a run selected while another loads appears too, new rows keep coming, and a resume is read again."""
    monkeypatch.setattr(loader, "CHUNK_ROWS", 700)
    panel, selection = compare
    trained = train(workspace, "dcgan", "trained")
    growing = workspace.create_run(trained.config, name="growing")  # no store yet: reads as nothing
    selection.set_runs([trained, growing])
    qtbot.waitUntil(lambda: loaded(panel, trained, "loss_d", 6), timeout=10_000)

    writer = growing.metrics_writer()
    rng = np.random.default_rng(0)
    values = rng.normal(size=5_000)
    for step in range(5_000):
        writer.add_scalars(step + 1, 1_000.0 + step, {"loss_d": values[step], "loss_g": -values[step]})
    writer.flush()
    qtbot.waitUntil(lambda: loaded(panel, growing, "loss_g", 5_000), timeout=20_000)
    losses = panel.curves.plot_of("loss_d")
    np.testing.assert_array_equal(losses.data(series_key(growing.id, "loss_d"))[2], values)
    np.testing.assert_array_equal(losses.data(series_key(growing.id, "loss_d"))[0], np.arange(1, 5_001))

    writer.add_scalars(5_001, 6_000.0, {"loss_d": 0.5, "loss_g": 0.25})  # training goes on
    writer.flush()
    qtbot.waitUntil(lambda: loaded(panel, growing, "loss_d", 5_001), timeout=10_000)

    writer.truncate_after(4_000)  # resumed from a checkpoint at step 4000: the steps after it are replayed
    for step in range(4_001, 4_011):
        writer.add_scalars(step, 7_000.0 + step, {"loss_d": 9.0, "loss_g": 9.0})
    writer.flush()
    qtbot.waitUntil(lambda: loaded(panel, growing, "loss_d", 4_010), timeout=10_000)
    steps = losses.data(series_key(growing.id, "loss_d"))[0]
    assert np.all(np.diff(steps) > 0), "read again from the start, not appended after the old steps"
    writer.close()
