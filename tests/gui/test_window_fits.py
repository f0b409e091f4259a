"""The window fits a 1366×768 laptop screen (less a task bar) at its minimum size, with every tab visited and a
run of every kind loaded in the tab that shows it; and it is not cramped at 1600×1000: the settings column, the
plots and the Runs list keep their room, and a run's id reads whole in the list at the dock's first width."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from workbench.config import RunConfig
from workbench.methods.dcgan import DCGANSettings

pytestmark = pytest.mark.usefixtures("one_torch_thread")
LAPTOP = (1366, 740)  # 1366×768 less a 28 px task bar
WAIT_MS = 120_000


def _settled(panel) -> bool:
    """The tab has loaded (or refused) the selected run and runs nothing in the background."""
    return not getattr(panel, "loading", False) and not getattr(panel, "busy", False)


def _visit_every_tab(window, qtbot) -> None:
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda i=index: _settled(window.tabs.widget(i)), timeout=WAIT_MS)


def test_minimum_size_fits_a_laptop_with_every_tab_and_kind_of_run(window, qtbot, tiny_run):
    runs = [
        tiny_run("vae", data="shapes2d", image_size=16, steps=2, latent_dim=4),
        tiny_run("gan3d", data="voxels3d", image_size=16, steps=2, batch_size=4, latent_dim=8),
        tiny_run("pix2pix", data="edges2photos", image_size=16, steps=2, batch_size=2, d_layers=2),
        tiny_run("srresnet", data="sr-photos", image_size=16, steps=2, batch_size=2, residual_blocks=1,
                 data_options={"scale": 2}),
    ]
    window.runs_panel.refresh()
    _visit_every_tab(window, qtbot)  # nothing selected
    sizes = []
    for run in runs:
        window.runs_panel.select_run(run.id)
        _visit_every_tab(window, qtbot)
        hint = window.minimumSizeHint()
        sizes.append((run.id, hint.width(), hint.height()))
    widest = max(w for _r, w, _h in sizes)
    tallest = max(h for _r, _w, h in sizes)
    print(f"minimum window size after every tab: {widest}×{tallest} ({sizes})")
    assert widest <= LAPTOP[0] and tallest <= LAPTOP[1], sizes
    window.resize(*LAPTOP)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == LAPTOP)


def test_not_cramped_at_1600_by_1000(window, qtbot):
    window.resize(1600, 1000)
    window.tabs.setCurrentWidget(window.training_panel)
    qtbot.waitUntil(lambda: window.width() == 1600)
    qtbot.wait(50)
    setup, views = window.findChild(QSplitter, "training-splitter").sizes()
    assert setup >= 340 and views >= 800
    panel = window.training_panel
    assert panel.views.width() >= 800 and panel.views.height() >= 800, "the plots and samples keep their room"
    window.reset_layout()  # the Runs list at its first width
    qtbot.waitUntil(lambda: window.runs_dock.width() >= 330)


def test_a_run_id_reads_whole_in_the_runs_list_at_the_first_dock_width(window, qtbot, workspace):
    run = workspace.create_run(RunConfig(DCGANSettings()))  # an id such as 20250101-120000-dcgan-digits-1a2b
    window.resize(*LAPTOP)
    window.reset_layout()  # the dock at its first width (as at a first start on a 1366×768 screen)
    window.runs_panel.refresh()
    table = window.runs_panel.table
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    header = table.model().headerData
    column = next(c for c in range(table.model().columnCount()) if header(c, Qt.Orientation.Horizontal) == "Run")
    needed = table.fontMetrics().horizontalAdvance(run.id)
    assert table.columnWidth(column) >= needed + 8
    assert table.columnViewportPosition(column) + table.columnWidth(column) <= table.viewport().width(), \
        "the whole Run column is in view without scrolling"
