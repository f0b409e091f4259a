"""The runs table against a real workspace: columns picked from config fields and recorded figures, numbers
sorted as numbers, filters, remembered columns, multi-selection with colours and config differences, and the
right-click menu's commands on real run folders (a CLI run controlled from it included)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.gui.panels.runs.model import DIFF_ROLE
from workbench.gui.run_selection import PALETTE
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.vae import VAESettings
from workbench.runs import Run, RunControl
from workbench.runs.reader import RunReader

WAIT_MS = 120_000
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot, workspace):
    from workbench.gui.panels.runs import RunsPanel

    widget = RunsPanel(workspace, poll_ms=200)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    yield widget
    widget.shutdown()


def config(method: str = "dcgan", batch_size: int = 16, **settings) -> RunConfig:
    cls = DCGANSettings if method == "dcgan" else VAESettings
    return RunConfig(cls(**settings), DataConfig(name="digits", image_size=8, batch_size=batch_size),
                     TrainConfig(steps=4, sample_every=4, checkpoint_every=4, sample_count=4))


def click_row(qtbot, panel, row: int, modifier=Qt.KeyboardModifier.NoModifier, column: int = 1) -> None:
    table = panel.table
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def click_check_box(qtbot, panel, row: int) -> None:
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=panel.table.check_box_rect(row).center())


def click_header(qtbot, panel, key: str) -> None:
    header = panel.table.horizontalHeader()
    section = panel.model.columns.index(key)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(section) + 6, header.height() // 2))


def test_columns_come_from_config_fields_and_figures_and_numbers_sort_as_numbers(panel, workspace, tiny_run):
    for name, size in (("b-eight", 8), ("b-hundred", 100), ("b-sixteen", 16)):
        workspace.create_run(config(batch_size=size), name=name)
    trained = tiny_run("vae", name="trained-vae", beta=4.0)
    panel.refresh()
    choices = {c.key: c for c in panel.column_choices()}
    for key in ("cfg:data.batch_size", "cfg:method.lr_g", "cfg:method.beta", "cfg:train.steps", "fig:loss (best)",
                "fig:loss (last)", "fig:kl (best)", "fig:sample_diversity (last)", "tags", "notes", "id"):
        assert key in choices, key  # every field of every config, every recorded figure: no code per field
    assert choices["fig:loss (best)"].group == "Recorded figures" and choices["cfg:method.beta"].group == "Config"

    panel.set_columns(["run", "cfg:data.batch_size", "cfg:method.beta", "fig:loss (best)"])
    assert [panel.table.horizontalHeader().model().headerData(i, Qt.Orientation.Horizontal) for i in range(4)] == \
        ["Run", "data.batch_size", "method.beta", "loss (best)"]
    frame = RunReader(trained).scalars()
    assert panel.cell_text("trained-vae", "fig:loss (best)") == f"{frame[frame.tag == 'loss'].value.min():.5g}"
    assert panel.cell_text("b-eight", "fig:loss (best)") == ""  # nothing recorded
    assert panel.cell_text("trained-vae", "cfg:method.beta") == "4"
    assert panel.cell_text("b-eight", "cfg:method.beta") == ""  # a DCGAN has no beta


def test_a_header_click_sorts_numbers_as_numbers(qtbot, panel, workspace):
    for name, size in (("b-eight", 8), ("b-hundred", 100), ("b-sixteen", 16)):
        workspace.create_run(config(batch_size=size), name=name)
    panel.refresh()
    assert panel.listed_ids() == ["b-sixteen", "b-hundred", "b-eight"]  # the workspace's order until sorted
    panel.set_columns(["run", "cfg:data.batch_size"])
    click_header(qtbot, panel, "cfg:data.batch_size")
    assert panel.listed_ids() == ["b-eight", "b-sixteen", "b-hundred"]  # as text: 100 < 16 < 8
    click_header(qtbot, panel, "cfg:data.batch_size")
    assert panel.listed_ids() == ["b-hundred", "b-sixteen", "b-eight"]
    workspace.create_run(config(batch_size=32), name="a-thirty-two")  # a new run takes its sorted place
    qtbot.waitUntil(lambda: panel.listed_ids() == ["b-hundred", "a-thirty-two", "b-sixteen", "b-eight"], timeout=10_000)


def test_filters_by_text_method_data_status_and_tag(panel, workspace):
    gan = workspace.create_run(config(), name="gan-a")
    gan.set_meta(tags=["sweep", "hinge"], notes="Tried the hinge loss\nwith a smaller lr")
    vae = workspace.create_run(config("vae"), name="vae-b")
    vae.set_meta(display_name="Best VAE so far")
    damaged = workspace.create_run(config(), name="broken")
    (damaged.path / Run.CONFIG_FILE).write_text("")
    panel.refresh()
    assert panel.cell_text("vae-b", "Run") == "Best VAE so far" and panel.cell_text("gan-a", "Tags") == "sweep, hinge"

    panel.search.setText("hinge loss")  # every word, in the notes
    assert panel.listed_ids() == ["gan-a"]
    panel.search.setText("best")  # the display name
    assert panel.listed_ids() == ["vae-b"]
    panel.search.setText("")
    combos = panel.filters
    assert [combos["method"].itemData(i) for i in range(combos["method"].count())] == ["", "dcgan", "vae"]
    combos["method"].setCurrentIndex(combos["method"].findData("vae"))
    assert panel.listed_ids() == ["vae-b"]
    combos["method"].setCurrentIndex(0)
    combos["status"].setCurrentIndex(combos["status"].findData("damaged"))
    assert panel.listed_ids() == ["broken"]
    combos["status"].setCurrentIndex(0)
    combos["tag"].setCurrentIndex(combos["tag"].findData("sweep"))
    assert panel.listed_ids() == ["gan-a"]
    combos["data"].setCurrentIndex(combos["data"].findData("digits"))
    assert panel.listed_ids() == ["gan-a"]


def test_columns_widths_and_sort_are_remembered_between_sessions(qtbot, workspace):
    from workbench.gui.panels.runs import RunsPanel

    for name, size in (("b-eight", 8), ("b-sixteen", 16)):
        workspace.create_run(config(batch_size=size), name=name)
    first = RunsPanel(workspace)
    qtbot.addWidget(first)
    first.show()
    first.set_columns(["run", "status", "cfg:data.batch_size", "tags"])
    first.table.horizontalHeader().resizeSection(2, 137)
    click_header(qtbot, first, "cfg:data.batch_size")
    click_header(qtbot, first, "cfg:data.batch_size")  # descending
    first.shutdown()

    second = RunsPanel(workspace)
    qtbot.addWidget(second)
    second.show()
    assert second.model.columns == ["run", "status", "cfg:data.batch_size", "tags"]
    header = second.table.horizontalHeader()
    assert header.sectionSize(2) == 137
    assert header.sortIndicatorSection() == 2 and header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert second.listed_ids() == ["b-sixteen", "b-eight"]
    second.shutdown()


def test_click_ctrl_shift_and_check_boxes_select_runs_each_in_its_colour(qtbot, panel, workspace):
    for i, lr in enumerate((1e-4, 2e-4, 2e-4, 3e-4)):
        workspace.create_run(config(lr_g=lr), name=f"run-{i}")  # listed newest first: run-3 ... run-0
    panel.refresh()
    told = []
    panel.run_selected.connect(lambda run: told.append(run.id))
    click_row(qtbot, panel, 0)
    click_row(qtbot, panel, 2, Qt.KeyboardModifier.ControlModifier)
    assert panel.selection.run_ids() == ["run-3", "run-1"] and panel.selected_run_id() == "run-1"
    click_check_box(qtbot, panel, 3)  # the box adds the run and keeps the others
    assert panel.selection.run_ids() == ["run-3", "run-1", "run-0"]
    assert told == ["run-3", "run-1", "run-0"]  # the single-run tabs show the run clicked last
    model = panel.table.model()
    for row, run_id in enumerate(panel.listed_ids()):
        checked = model.index(row, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        assert checked == (run_id in ("run-3", "run-1", "run-0"))
    swatch = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole).toImage().pixelColor(5, 5)
    assert swatch.name() == PALETTE[0].lower() == panel.selection.colour("run-3").name()
    assert model.index(3, 0).data(Qt.ItemDataRole.DecorationRole).toImage().pixelColor(5, 5).name() == \
        PALETTE[2].lower()

    # what did I change? lr_g differs among the selected runs: its cells are marked, in selected rows only
    panel.set_columns(["run", "cfg:method.lr_g", "cfg:data.batch_size"])
    assert model.headerData(1, Qt.Orientation.Horizontal) == "method.lr_g Δ"
    marked = [[model.index(r, c).data(DIFF_ROLE) for c in (1, 2)] for r in range(4)]
    assert marked == [[True, False], [False, False], [True, False], [True, False]]
    assert panel.diff.isVisible() and panel.diff.rows() == {"method.lr_g": ["0.0003", "0.0002", "0.0001"]}

    click_check_box(qtbot, panel, 2)  # run-1 leaves; the others keep their colours
    assert panel.selection.run_ids() == ["run-3", "run-0"] and panel.selection.colour("run-0").name() == \
        PALETTE[2].lower()
    click_row(qtbot, panel, 1, Qt.KeyboardModifier.ShiftModifier)  # a range from the current row (run-1's)
    assert panel.selection.run_ids()[:2] == ["run-3", "run-0"] and {"run-1", "run-2"} <= set(
        panel.selection.run_ids())
    click_row(qtbot, panel, 1)
    assert panel.selection.run_ids() == ["run-2"] and not panel.diff.isVisible()


def test_the_menu_renames_tags_notes_trashes_and_restores(qtbot, panel, workspace, answer_next_dialog):
    a = workspace.create_run(config(), name="run-a")
    b = workspace.create_run(config(), name="run-b")
    a.set_meta(tags=["keep", "old"])
    b.set_meta(tags=["old"])
    panel.refresh()
    actions = panel.run_actions
    menu = panel.menu_for(["run-a"])
    rename = next(x for x in menu.actions() if x.text() == "Rename…")

    def type_name(dialog: QInputDialog) -> None:
        dialog.setTextValue("first try")
        dialog.accept()

    answer_next_dialog(type_name)
    rename.trigger()
    assert a.meta().display_name == "first try" and panel.cell_text("run-a", "Run") == "first try"
    assert not actions.rename(a, "two\nlines")  # a user error: one line in the panel, nothing written
    assert panel.error_label.isVisible() and "one line" in panel.error_label.text()
    assert a.meta().display_name == "first try"

    assert actions.set_tags([a, b], ["new", "old2"])  # "old" (on both) is replaced; "keep" (only a) stays
    assert a.meta().tags == ("keep", "new", "old2") and b.meta().tags == ("new", "old2")
    assert not actions.set_tags([a], ["+bad"]) and "tag '+bad'" in panel.error_label.text()
    assert actions.set_notes(a, "lr too high?\nTry 1e-4.")
    assert panel.cell_text("run-a", "Notes") == "lr too high? Try 1e-4."

    panel.select_runs(["run-a", "run-b"])
    menu = panel.menu_for(["run-a", "run-b"])
    assert not next(x for x in menu.actions() if x.text() == "Notes…").isEnabled()  # one run's
    answer_next_dialog(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    next(x for x in menu.actions() if x.text() == "Move to trash…").trigger()
    assert panel.listed_ids() == [] and {r.id for r in workspace.trashed_runs()} == {"run-a", "run-b"}
    assert panel.selection.runs() == []

    def tick_run_a(dialog: QDialog) -> None:
        dialog.check_list.set_checked("run-a", True)
        dialog.accept()

    answer_next_dialog(tick_run_a)
    next(x for x in panel.menu_for([]).actions() if x.text() == "Restore from trash…").trigger()
    assert panel.listed_ids() == ["run-a"] and Run(workspace.runs_dir / "run-a").meta().display_name == "first try"

    opened = []
    actions.open_url = lambda url: opened.append(url.toLocalFile()) or True  # the desktop's file manager
    next(x for x in panel.menu_for(["run-a"]).actions() if x.text() == "Open folder").trigger()
    assert opened == [str(workspace.runs_dir / "run-a")]


def test_export_writes_csv_per_run_and_tensorboard_events(qtbot, panel, tiny_run, tmp_path):
    runs = [tiny_run("vae", name="vae-one"), tiny_run("vae", name="vae-two")]
    panel.refresh()
    panel.run_actions.export(runs, "csv", tmp_path / "csv")
    qtbot.waitUntil(lambda: "Exported" in panel.status_label.text(), timeout=WAIT_MS)
    for run in runs:
        with open(tmp_path / "csv" / f"{run.id}.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert {r["tag"] for r in rows} >= {"loss", "kl"} and max(int(r["step"]) for r in rows) == 4
    panel.run_actions.export(runs[:1], "tensorboard", tmp_path / "tb")
    qtbot.waitUntil(lambda: "tb" in panel.status_label.text(), timeout=WAIT_MS)
    assert any(p.name.startswith("events.out.tfevents.") for p in (tmp_path / "tb" / "vae-one").iterdir())


def test_new_run_from_this_config_fills_the_training_form(qtbot, window, workspace):
    source = workspace.create_run(RunConfig(VAESettings(beta=3.5, latent_dim=5, channels=8),
                                            DataConfig(name="digits", image_size=8, batch_size=12),
                                            TrainConfig(steps=7, sample_every=7, checkpoint_every=7)), name="source")
    window.runs_panel.refresh()
    menu = window.runs_panel.menu_for(["source"])
    next(x for x in menu.actions() if x.text() == "New run from this config").trigger()
    panel = window.training_panel
    assert window.tabs.currentWidget() is panel and panel.form.editable and panel.run is None
    assert panel.build_config() == source.config  # the same settings, editable
    assert panel.start_button.isEnabled() and "source" in panel.run_banner.text()


def test_pause_step_resume_and_stop_a_cli_run_from_the_menu(qtbot, panel, workspace, tmp_path):
    args = ["--method", "dcgan", "--data", "digits", "--image-size", "8", "--batch-size", "16", "--steps", "100000",
            "--name", "cli", "--set", "method.g_channels=8", "--set", "method.d_channels=8", "--set",
            "method.latent_dim=8", "--set", "train.checkpoint_every=100000", "--set", "train.sample_every=100000"]
    env = dict(os.environ, WORKBENCH_WORKSPACE=str(workspace.root), OMP_NUM_THREADS="1")
    with open(tmp_path / "train.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workbench", "train", *args], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        run = Run(workspace.runs_dir / "cli")
        qtbot.waitUntil(lambda: panel.cell_text("cli", "Status") == "running", timeout=WAIT_MS)
        control = RunControl(run)

        def request(text: str) -> int:
            menu = panel.menu_for(["cli"])
            submenu = next(x for x in menu.actions() if x.text() == "Control").menu()
            before = {e.request for e in control.acknowledged()}
            next(x for x in submenu.actions() if x.text() == text).trigger()
            qtbot.waitUntil(lambda: bool({e.request for e in control.acknowledged()} - before), timeout=WAIT_MS)
            return ({e.request for e in control.acknowledged()} - before).pop()

        request("Pause")
        assert control.state().paused
        at = control.state().step
        request("Step one iteration")
        qtbot.waitUntil(lambda: control.state().step == at + 1, timeout=WAIT_MS)
        request("Resume")
        assert not control.state().paused
        request("Stop")
        assert proc.wait(WAIT_MS / 1000) == 0
        qtbot.waitUntil(lambda: panel.cell_text("cli", "Status") == "stopped", timeout=10_000)
        assert not next(x for x in panel.menu_for(["cli"]).actions() if x.text() == "Control").isEnabled()
    finally:
        proc.kill()
        proc.wait(30)
