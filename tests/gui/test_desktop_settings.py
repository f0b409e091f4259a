"""What the window remembers between sessions (QSettings in the test's own INI file, `private_settings`): geometry,
docks, splitters and tab; last and recent workspaces with File → Open recent; the Preferences dialog and where its
choices apply."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QSplitter

from workbench.gui.preferences import PreferencesDialog
from workbench.gui.settings import MAX_RECENT, Preferences, Settings, settings_path
from workbench.runs import Workspace


def _new_window(qtbot, workspace):
    from workbench.gui.main_window import MainWindow

    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_settings_live_in_the_tests_own_file(private_settings):
    assert settings_path() == private_settings
    Settings().set_value("probe", 1)
    Settings().sync()
    assert private_settings.exists() and "probe" in private_settings.read_text()


def test_typed_getters_fall_back_on_junk(private_settings):
    private_settings.write_text("[preferences]\ntorch_threads=many\nruns_refresh_s=-3\ndefault_device=tpu\n"
                                "show_system_strip=false\n[splitters]\ntraining-splitter=1,x\n"
                                "[workspaces]\nrecent=/only/one\n")
    settings = Settings()
    prefs = settings.preferences()
    assert prefs.torch_threads == 0 and prefs.default_device == "cpu", "junk gives the defaults"
    assert prefs.runs_refresh_s == 0.25, "out of range is clamped"
    assert prefs.show_system_strip is False
    assert settings.splitter_sizes("training-splitter", 2) is None
    assert settings.recent_workspaces() == ["/only/one"], "a one-item list reads back as a list"
    assert settings.window_geometry() is None


def test_recent_workspaces_most_recent_first_without_duplicates(tmp_path):
    settings = Settings()
    folders = [tmp_path / f"ws{i}" for i in range(MAX_RECENT + 2)]
    for folder in folders:
        folder.mkdir()
        settings.add_recent_workspace(folder)
    settings.add_recent_workspace(tmp_path / "not-made-yet")
    settings.add_recent_workspace(folders[3])
    recent = Settings().recent_workspaces()
    assert recent[0] == str(folders[3].resolve()) and len(recent) == MAX_RECENT
    assert len(set(recent)) == len(recent)
    assert Settings().last_workspace() == str(folders[3].resolve())


def test_window_geometry_docks_splitters_and_tab_are_restored(qtbot, workspace):
    first = _new_window(qtbot, workspace)
    size = (first.minimumSizeHint().width(), 700)  # the offscreen screen is 800×800: restoring clamps to it
    first.resize(*size)
    first.resizeDocks([first.runs_dock], [420], Qt.Orientation.Horizontal)
    splitter = first.findChild(QSplitter, "training-splitter")
    splitter.setSizes([430, 600])
    sizes = splitter.sizes()
    dock_width = first.runs_dock.width()
    first.close()  # the Training tab is shown: its splitter's sizes are saved with the window

    second = _new_window(qtbot, workspace)
    try:
        assert (second.width(), second.height()) == size
        assert abs(second.runs_dock.width() - dock_width) <= 2, "the dock keeps its width"
        assert second.findChild(QSplitter, "training-splitter").sizes() == sizes
        second.tabs.setCurrentWidget(second.evaluate_panel)
    finally:
        second.close()
    third = _new_window(qtbot, workspace)
    try:
        assert third.tabs.currentWidget() is third.evaluate_panel, "the tab shown last"
    finally:
        third.close()


def test_a_moved_splitter_is_saved_at_once(qtbot, window):
    splitter = window.findChild(QSplitter, "training-splitter")
    handle = splitter.handle(1)
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, start + type(start)(60, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + type(start)(60, 0))
    saved = Settings().splitter_sizes("training-splitter", splitter.count())
    assert saved == splitter.sizes()


def test_open_recent_lists_opens_and_clears(qtbot, window, workspace, tmp_path):
    workspace.runs_dir.mkdir(parents=True, exist_ok=True)
    window.set_workspace(workspace)
    other = Workspace(tmp_path / "other")
    other.runs_dir.mkdir(parents=True)
    window.set_workspace(other)
    menus = window.menus
    menus.recent_menu.aboutToShow.emit()
    entries = [a for a in menus.recent_menu.actions() if a.data()]
    assert [a.data() for a in entries] == [str(other.root.resolve()), str(workspace.root.resolve())]
    assert entries[0].isChecked(), "the open workspace is ticked"
    entries[1].trigger()
    assert window.workspace.root.resolve() == workspace.root.resolve()
    assert all(panel.workspace.root.resolve() == workspace.root.resolve() for panel in window.panels)
    assert Settings().recent_workspaces()[0] == str(workspace.root.resolve())

    menus.actions["clear-recent"].trigger()
    assert Settings().recent_workspaces() == []
    assert not menus.actions["clear-recent"].isEnabled()


def test_a_missing_recent_workspace_is_said_and_dropped(qtbot, window, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    Settings().add_recent_workspace(gone)
    gone.rmdir()
    before = window.workspace
    window.open_workspace(str(gone.resolve()))
    box = window.findChild(QMessageBox, "workspace-missing-dialog")
    assert box is not None and str(gone.resolve()) in box.text()
    box.close()
    assert window.workspace is before
    assert str(gone.resolve()) not in Settings().recent_workspaces()


def test_the_last_workspace_is_reopened_when_none_is_named(tmp_path, monkeypatch):
    from workbench.gui.app import _start_workspace

    monkeypatch.delenv("WORKBENCH_WORKSPACE", raising=False)
    last = tmp_path / "last"
    last.mkdir()
    Settings().add_recent_workspace(last)
    assert _start_workspace(None) == str(last.resolve())
    assert _start_workspace(str(tmp_path / "named")) == str(tmp_path / "named"), "--workspace wins"
    Settings().set_preferences(Preferences(reopen_last_workspace=False))
    assert _start_workspace(None) is None
    monkeypatch.setenv("WORKBENCH_WORKSPACE", str(tmp_path / "env"))
    Settings().set_preferences(Preferences())
    assert _start_workspace(None) is None, "$WORKBENCH_WORKSPACE wins (Workspace(None) reads it)"


def test_preferences_dialog_saves_and_applies(qtbot, window, one_torch_thread):
    import torch

    window.menus.actions["preferences"].trigger()
    dialog = window.findChild(PreferencesDialog, "preferences-dialog")
    assert dialog is not None and dialog.isVisible()
    dialog.device.setCurrentIndex(dialog.device.findData("cuda"))
    dialog.threads.setValue(2)
    dialog.refresh.setValue(4.0)
    dialog.system_strip.setChecked(False)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    prefs = Settings().preferences()
    assert prefs == Preferences(default_device="cuda", torch_threads=2, runs_refresh_s=4.0, show_system_strip=False)
    form = window.training_panel.train_form
    assert form.editor("device").currentData() == "cuda", "a new run proposes the default device"
    assert torch.get_num_threads() == 2
    assert window.runs_panel._timer.interval() == 4000
    assert not window.system_strip.isVisible()
    assert not window.menus.actions["system-strip"].isChecked()

    window.menus.actions["preferences"].trigger()
    again = [d for d in window.findChildren(PreferencesDialog) if d.isVisible()][-1]
    assert again.threads.value() == 2 and again.device.currentData() == "cuda", "the dialog shows the saved ones"
    again.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert again.preferences() == Preferences()
    again.reject()
    assert Settings().preferences().torch_threads == 2, "Cancel keeps what was saved"


def test_preferences_are_applied_at_start(qtbot, workspace):
    Settings().set_preferences(Preferences(default_device="mps", show_system_strip=False, runs_refresh_s=2.5))
    win = _new_window(qtbot, workspace)
    try:
        assert win.training_panel.train_form.editor("device").currentData() == "mps"
        assert not win.system_strip.isVisible()
        assert win.runs_panel._timer.interval() == 2500
    finally:
        win.close()


@pytest.mark.parametrize("threads", [0, 3])
def test_threads_zero_leaves_torchs_own_count(threads, one_torch_thread):
    import torch

    from workbench.gui.settings import apply_torch_threads

    apply_torch_threads(threads)
    assert torch.get_num_threads() == (threads or 1)
    assert os.cpu_count()


def test_geometry_bytes_round_trip():
    data = QByteArray(b"\x01\x02geometry")
    Settings().set_window_geometry(data)
    assert Settings().window_geometry() == data
