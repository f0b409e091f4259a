"""The HParams tab on real tiny runs selected in the runs table: a hyperparameter against a metric as a scatter in
the runs' colours (hover names the run), and parallel coordinates with each axis scaled to its own range."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from workbench.gui.panels.hparams.plots import Axis
from workbench.gui.run_selection import PALETTE
from workbench.runs.reader import RunReader

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_scatter_and_parallel_coordinates_of_the_selected_runs(qtbot, window, tiny_run):
    runs = [tiny_run("vae", name="beta-one", beta=1.0), tiny_run("vae", name="beta-four", beta=4.0),
            tiny_run("dcgan", name="a-gan")]
    panel = window.hparams_panel
    assert "Select runs" in panel.placeholder.text()
    window.runs_panel.refresh()
    window.runs_panel.select_runs(["beta-one", "beta-four"])
    window.tabs.setCurrentWidget(panel)
    assert panel.x_combo.currentData() == "method.beta"  # the numeric field that differs
    assert panel.x_combo.itemText(0) == "Δ method.beta"
    assert panel.y_combo.currentData() == "loss (best)"
    assert panel.scatter.shown == ["beta-one", "beta-four"]
    spots = panel.scatter.points.points()
    assert [s.brush().color().name() for s in spots] == [c.lower() for c in PALETTE[:2]]  # as in the runs table
    frame = RunReader(runs[1]).scalars()
    best = frame[frame.tag == "loss"].value.min()
    assert (spots[1].pos().x(), spots[1].pos().y()) == pytest.approx((4.0, best))
    tip = spots[1].data()  # what hovering the point shows
    assert tip.splitlines()[0] == "beta-four" and "method.beta: 4" in tip

    window.runs_panel.select_runs(["beta-one", "beta-four", "a-gan"])  # a GAN: the method differs, no beta
    assert panel.scatter.shown == ["beta-one", "beta-four"] and "1 of the selected runs have no loss (best)" in \
        panel.note.text()  # a GAN has no "loss"
    panel.x_combo.setCurrentIndex(panel.x_combo.findData("method.name"))
    panel.y_combo.setCurrentIndex(panel.y_combo.findData("sample_diversity (last)"))
    assert panel.scatter.shown == ["beta-one", "beta-four", "a-gan"]
    ticks = panel.scatter.plot.getPlotItem().getAxis("bottom")._tickLevels
    assert ticks == [[(0, "dcgan"), (1, "vae")]]  # text values spaced evenly
    assert [s.pos().x() for s in panel.scatter.points.points()] == [1, 1, 0]

    panel.set_axes(["method.name", "method.beta", "loss_g (last)", "loss (best)"])
    lines = panel.parallel.lines
    assert list(lines) == ["beta-one", "beta-four", "a-gan"]
    assert [lines[r].opts["pen"].color().name() for r in lines] == [c.lower() for c in PALETTE[:3]]
    y_one = lines["beta-one"].getData()[1]
    assert y_one[:2].tolist() == [1.0, 0.0] and math.isnan(y_one[2])  # vae; the lowest beta; no loss_g
    y_gan = lines["a-gan"].getData()[1]
    assert y_gan[0] == 0.0 and math.isnan(y_gan[1]) and y_gan[2] == 0.5 and math.isnan(y_gan[3])
    assert lines["beta-four"].getData()[1][1] == 1.0

    window.runs_panel.selection.clear()
    assert panel.stack.currentWidget() is panel.placeholder


def test_axes_scale_numbers_by_their_range_and_space_text_evenly():
    numbers = Axis.of("method.lr", [1e-4, 3e-4, None, 2e-4])
    assert numbers.categories == () and [numbers.scaled(v) for v in (1e-4, 3e-4)] == [0.0, 1.0]
    assert numbers.scaled(2e-4) == pytest.approx(0.5) and math.isnan(numbers.scaled(None))
    words = Axis.of("data.name", ["mnist", "digits", "shapes2d", "digits"])
    assert words.categories == ("digits", "mnist", "shapes2d")
    assert [words.scaled(v) for v in ("digits", "mnist", "shapes2d")] == [0.0, 0.5, 1.0]
    flags = Axis.of("train.mixed_precision", [False, True])
    assert flags.categories == ("false", "true")
    assert Axis.of("train.steps", [10, 10]).scaled(10) == 0.5  # one value: the middle


def test_compare_with_selects_the_runs_ticked_and_shows_them(qtbot, window, workspace, answer_next_dialog):
    from workbench.config import RunConfig
    from workbench.methods.dcgan import DCGANSettings

    for name in ("one", "two", "three"):
        workspace.create_run(RunConfig(DCGANSettings()), name=name)
    window.runs_panel.select_run("one")

    def tick(dialog) -> None:  # noqa: ANN001 - the Compare with… dialog
        dialog.check_list.set_checked("three", True)
        dialog.accept()

    answer_next_dialog(tick)
    menu = window.runs_panel.menu_for(["one"])
    next(a for a in menu.actions() if a.text() == "Compare with…").trigger()
    assert window.runs_panel.selection.run_ids() == ["one", "three"]
    assert window.tabs.tabText(window.tabs.currentIndex()) in ("Compare", "HParams")
    rows = window.runs_panel.table.model()
    checked = [rows.index(r, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
               for r in range(rows.rowCount())]
    assert checked == [False, True, True]  # listed newest first: two, three, one
