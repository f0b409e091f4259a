"""First launch: the shipped examples are a read-only group of the Runs list, the window opens on one, changes
copy it into the workspace, and "Continue training" trains the copy on (fresh optimizers when the example has no
optimizer state). Tiny examples are made here; the last test loads the real ones, when shipped, in their tabs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from example_folders import fingerprint, make_example

from workbench.runs import Run, Workspace
from workbench.runs.examples import examples_dir, is_example, list_examples

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TIMEOUT = 120_000
SHIPPED = Path(__import__("workbench").__file__).parent / "models"
TABS = {"vae-digits": "Latent", "dcgan-digits": "Latent", "pix2pix-edges2photos": "Translation",
        "cyclegan-photo2stylized": "Translation", "srresnet-x4-sr-photos": "Super-resolution",
        "gan3d-voxels3d": "Voxels", "cgan-digits": "Latent", "infogan-digits": "Latent", "betavae-shapes2d": "Latent",
        "toygan-ring": "Training", "ddpm-digits": "Diffusion", "spade-labels2scenes": "Translation"}

READY = {  # a tab has loaded the run it was told about
    "Training": lambda t: t.view.progress.step > 0,
    "Latent": lambda t: t.session.space is not None and not t.session.loading and not t.session.busy,
    "Translation": lambda t: t.model is not None and not t.busy,
    "Super-resolution": lambda t: bool(t.session.models) and t.session.comparison is not None and not t.session.busy,
    "Voxels": lambda t: t.model is not None and not t.busy and not t.loading,
    "Diffusion": lambda t: t.model is not None and not t.busy,
}


@pytest.fixture
def examples(tiny_run, tmp_path, monkeypatch):
    folder = tmp_path / "examples"
    folder.mkdir()
    for method, source, name in (("dcgan", "a", "dcgan-digits"), ("vae", "b", "vae-digits")):
        run = tiny_run(method, steps=2, name=source)
        make_example(run, folder, name)
        shutil.rmtree(run.path)
    monkeypatch.setenv("WORKBENCH_EXAMPLES", str(folder))
    return folder


@pytest.fixture
def first_window(qtbot, workspace, examples):
    from workbench.gui.main_window import MainWindow

    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def test_opens_on_the_dcgan_example_in_a_read_only_group(first_window, workspace, tiny_run, qtbot):
    win, panel = first_window, first_window.runs_panel
    assert win.tabs.currentWidget() is win.training_panel
    assert panel.selected_run_id() == "dcgan-digits" and win.training_panel.run.id == "dcgan-digits"
    assert panel.listed_ids() == ["dcgan-digits", "vae-digits"]
    assert all(panel.is_example(i) for i in panel.listed_ids())
    assert panel.cell_text("dcgan-digits", "Run") == "dcgan-digits · example"
    assert panel.cell_text("dcgan-digits", "Status") == "example"
    assert "read-only" in panel.empty_hint.text() and panel.empty_hint.isVisible()
    qtbot.waitUntil(lambda: win.training_panel.view.progress.step == 2, timeout=TIMEOUT)  # curves and samples
    assert "shipped example, read-only" in win.training_panel.view.alerts.item(0).text()
    mine = tiny_run("dcgan", steps=2, name="zzz-mine")
    panel.refresh()
    name = panel.model.columns.index("run")
    for order in (0, 1):  # either sort order: the examples stay below the workspace's runs
        panel.table.sortByColumn(name, __import__("PySide6.QtCore").QtCore.Qt.SortOrder(order))
        assert panel.listed_ids()[0] == mine.id
    assert not panel.empty_hint.isVisible()


def test_changes_copy_the_example_and_leave_it_as_it_was(first_window, workspace, examples):
    panel = first_window.runs_panel
    before = fingerprint(examples / "vae-digits")
    menu = panel.menu_for(["vae-digits"])
    entries = {a.text(): a for a in menu.actions()}
    assert entries["Continue training"].isEnabled() and entries["Copy to workspace"].isEnabled()
    assert not entries["Move to trash…"].isEnabled()
    example = panel._run("vae-digits")
    assert panel.run_actions.rename(example, "my vae")
    (copy,) = workspace.runs()
    assert copy.display_name == "my vae" and not is_example(copy) and "vae-digits" in copy.id
    assert "copied into your workspace" in panel.status_label.text()
    assert panel.run_actions.set_tags([panel._run("vae-digits"), copy], ["keep"])
    assert len(workspace.runs()) == 2 and all("keep" in r.meta().tags for r in workspace.runs())
    (third,) = panel.run_actions.copy_to_workspace([panel._run("vae-digits")])
    assert panel.selection.run_ids() == [third.id] and len(workspace.runs()) == 3
    assert fingerprint(examples / "vae-digits") == before


def test_continue_training_trains_a_copy_with_fresh_optimizers(first_window, workspace, examples, qtbot):
    win, panel = first_window, first_window.runs_panel
    before = fingerprint(examples / "dcgan-digits")
    copy = panel.run_actions.continue_training(panel._run("dcgan-digits"))
    assert copy is not None and win.training_panel.run.id == copy.id and panel.selected_run_id() == copy.id
    assert "fresh optimizers" in panel.status_label.text()
    qtbot.waitUntil(lambda: copy.info().status == "finished", timeout=TIMEOUT)
    assert copy.info().step == 4 and copy.latest_checkpoint_step() == 4
    assert fingerprint(examples / "dcgan-digits") == before


def test_training_tab_resume_and_step_on_an_example_train_a_copy(first_window, workspace, examples, qtbot):
    """The Training tab's own buttons on a shipped example (finished, or stopped short of its steps) copy it first:
    the example's folder never changes, the copy is what trains."""
    win, panel = first_window, first_window.training_panel
    before = fingerprint(examples / "dcgan-digits")
    assert panel.run.id == "dcgan-digits"
    qtbot.waitUntil(lambda: panel.controls.step_button.isEnabled(), timeout=TIMEOUT)
    assert "Copy this shipped example" in panel.controls.resume_button.toolTip()
    panel.controls.step_button.click()  # one step of a copy, which then waits, paused
    qtbot.waitUntil(lambda: len(workspace.runs()) == 1 and panel.controls.training and panel.worker.is_paused
                    and panel.view.progress.step == 3, timeout=TIMEOUT)
    (copy,) = workspace.runs()
    assert panel.run.id == copy.id and win.runs_panel.selected_run_id() == copy.id
    panel.controls.stop_button.click()
    qtbot.waitUntil(lambda: not panel.controls.training, timeout=TIMEOUT)
    assert copy.info().step == 3 and copy.latest_checkpoint_step() == 3
    assert fingerprint(examples / "dcgan-digits") == before

    stopped = examples / "vae-digits" / "run.toml"  # an example stopped short of its planned steps
    stopped.write_text(stopped.read_text().replace('status = "finished"', 'status = "stopped"')
                       .replace("steps = 2\n", "steps = 3\n", 1))
    before = fingerprint(examples / "vae-digits")
    win.runs_panel.select_run("vae-digits")
    qtbot.waitUntil(lambda: panel.run.id == "vae-digits" and panel.controls.resume_button.isEnabled(),
                    timeout=TIMEOUT)
    panel.controls.resume_button.click()
    qtbot.waitUntil(lambda: len(workspace.runs()) == 2, timeout=TIMEOUT)
    vae_copy = next(r for r in workspace.runs() if r.id != copy.id)
    qtbot.waitUntil(lambda: vae_copy.info().status == "finished", timeout=TIMEOUT)
    assert vae_copy.info().step == 3 and fingerprint(examples / "vae-digits") == before


def test_latent_tab_explores_an_example(first_window, examples, qtbot):
    win = first_window
    before = fingerprint(examples / "vae-digits")
    win.runs_panel.select_run("vae-digits")
    win.tabs.setCurrentWidget(win.latent_panel)
    panel = win.latent_panel
    qtbot.waitUntil(lambda: panel.session.space is not None and not panel.session.loading, timeout=TIMEOUT)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    panel.sources.pin_prior(seed=3)  # pins of an example stay in memory: nothing to save, no error
    qtbot.waitUntil(lambda: len(panel.session.pins) == 1, timeout=TIMEOUT)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    assert not panel.pinned.save_button.isEnabled() and not panel.pinned.autosave_box.isEnabled()
    assert not panel.pinned.autosave_box.isChecked() and panel.session.autosave  # shown off, the choice kept
    assert "read-only" in panel.pinned.autosave_box.toolTip()
    assert fingerprint(examples / "vae-digits") == before


def test_super_resolution_tab_picks_an_srresnet_example(qtbot, workspace, tiny_run, tmp_path, monkeypatch):
    from workbench.gui.panels.superres import panel as superres_panel
    from workbench.gui.panels.superres.panel import SuperresPanel

    folder = tmp_path / "sr-examples"
    folder.mkdir()
    source = tiny_run("srresnet", data="sr-photos", image_size=16, steps=2, batch_size=2, residual_blocks=1,
                      data_options={"scale": 2})
    target = make_example(source, folder, "srresnet-x4-sr-photos")
    shutil.rmtree(source.path)  # the workspace holds no run of its own
    monkeypatch.setenv("WORKBENCH_EXAMPLES", str(folder))
    monkeypatch.setattr(superres_panel, "EXAMPLE_SIZE", 16)
    before = fingerprint(target)
    panel = SuperresPanel(workspace)
    qtbot.addWidget(panel)
    panel.show_run(Run(target))
    assert panel.model_a.currentData() == str(target)
    panel.show()
    qtbot.waitUntil(lambda: not panel.session.busy and panel.session.comparison is not None
                    and len(panel.session.models) == 1, timeout=TIMEOUT)
    assert "SRResNet · srresnet-x4-sr-photos" in panel.model_a.currentText()
    assert fingerprint(target) == before


@pytest.mark.skipif(not any((SHIPPED / name / "card.toml").is_file() for name in TABS),
                    reason="no shipped examples in workbench/models yet")
def test_shipped_examples_load_in_their_tabs(qtbot, workspace, monkeypatch):
    """The real examples (those present): each in the Training tab and the tab made for it, untouched."""
    from workbench.gui.main_window import MainWindow

    monkeypatch.setenv("WORKBENCH_EXAMPLES", str(SHIPPED))
    assert examples_dir() == SHIPPED
    shipped = [e for e in list_examples() if e.name in TABS]
    before = {e.name: fingerprint(e.path) for e in shipped}
    win = MainWindow(Workspace(workspace.root))
    qtbot.addWidget(win)
    win.show()
    titles = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    try:
        for example in shipped:
            win.runs_panel.select_run(example.run.id)
            for title in dict.fromkeys(("Training", TABS[example.name])):
                tab = win.tabs.widget(titles.index(title))
                win.tabs.setCurrentWidget(tab)
                qtbot.waitUntil(lambda t=tab, k=title: READY[k](t), timeout=TIMEOUT)
                assert not tab.error_label.isVisible(), f"{example.name} in {title}: {tab.error_label.text()}"
    finally:
        qtbot.waitUntil(lambda: not any(t.busy for t in win.tab_panels), timeout=TIMEOUT)
        win.shutdown()  # every panel's background work (the Voxels and Super-resolution threads too)
    assert {e.name: fingerprint(e.path) for e in shipped} == before
