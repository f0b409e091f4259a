"""Keyboard shortcuts for the frequent actions, shown in the menus; the Run menu drives the Training panel's own
buttons (a real run trains, pauses, steps and stops from the keyboard)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLineEdit

from workbench.gui.menus import RUN_BUTTONS, SHORTCUTS
from workbench.runs.control import RunControl

pytestmark = pytest.mark.usefixtures("one_torch_thread")
WAIT_MS = 120_000


def _press(qtbot, window, keys: str) -> None:
    """Type the key sequence `keys` into the focused widget of the active window, as a user would."""
    sequence = QKeySequence(keys)
    combo = sequence[0]
    target = window.focusWidget() or window
    qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


@pytest.fixture
def active(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _menu_shortcuts(window) -> dict[str, str]:
    shown = {}
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if not action.shortcut().isEmpty():
                shown[action.objectName()] = action.shortcut().toString()
    return shown


def test_every_frequent_action_has_its_shortcut_in_a_menu(window):
    shown = _menu_shortcuts(window)
    for name, _text, keys in SHORTCUTS:
        assert shown.get(f"action-{name}") == QKeySequence(keys).toString(), name
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    for index, title in enumerate(titles[:9]):
        assert shown[f"action-tab-{title.lower().replace(' ', '-')}"] == f"Ctrl+{index + 1}"
    assert len(set(shown.values())) == len(shown), "no shortcut is bound twice"
    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
    assert [a.objectName() for a in run_menu.actions() if a.objectName()] == [f"action-{n}" for n in RUN_BUTTONS]
    assert "(Ctrl+Return)" in window.training_panel.start_button.toolTip(), "the buttons' tips name the keys"


def test_ctrl_digit_and_ctrl_tab_switch_tabs(active, qtbot):
    window = active
    _press(qtbot, window, "Ctrl+3")
    assert window.tabs.currentIndex() == 2
    assert window.menus.tab_actions[2].isChecked()
    _press(qtbot, window, "Ctrl+Tab")
    assert window.tabs.currentIndex() == 3
    _press(qtbot, window, "Ctrl+Shift+Tab")
    _press(qtbot, window, "Ctrl+Shift+Tab")
    assert window.tabs.currentIndex() == 1
    _press(qtbot, window, "Ctrl+Shift+C")
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Compare"
    _press(qtbot, window, "Ctrl+1")
    assert window.tabs.currentWidget() is window.training_panel


def test_run_actions_follow_the_buttons_and_drive_a_real_run(active, qtbot, fill_tiny):
    window = active
    panel = window.training_panel
    actions = window.menus.actions
    fill_tiny(panel, "dcgan", steps=400, checkpoint_every=400, sample_every=400)

    def states() -> dict[str, bool]:
        return {name: actions[name].isEnabled() for name in RUN_BUTTONS}

    def buttons() -> dict[str, bool]:
        return {name: getattr(panel, f"{name}_button").isEnabled() for name in RUN_BUTTONS}

    assert states() == buttons() and states()["start"] and not states()["stop"]
    window.tabs.setCurrentWidget(window.evaluate_panel)
    _press(qtbot, window, "Ctrl+Return")  # Start: from any tab, the Training tab comes forward
    assert window.tabs.currentWidget() is panel
    run = panel.run
    assert run is not None and panel.worker is not None
    qtbot.waitUntil(lambda: panel.worker.latest_step is not None, timeout=WAIT_MS)
    assert states() == buttons() and states()["pause"] and states()["stop"] and not states()["start"]

    _press(qtbot, window, "F6")  # Pause
    qtbot.waitUntil(lambda: panel.worker.is_paused, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: states()["step"], timeout=WAIT_MS)
    assert states() == buttons() and not states()["pause"]
    control = RunControl(run)
    qtbot.waitUntil(lambda: control.state().paused, timeout=WAIT_MS)  # recorded at the step it took effect
    before = control.state().step
    qtbot.waitUntil(lambda: panel.worker.latest_step.step == before, timeout=WAIT_MS)
    _press(qtbot, window, "F10")  # Step: exactly one iteration
    qtbot.waitUntil(lambda: panel.worker.latest_step.step == before + 1, timeout=WAIT_MS)
    _press(qtbot, window, "F5")  # Resume
    qtbot.waitUntil(lambda: panel.worker.latest_step.step > before + 3, timeout=WAIT_MS)
    _press(qtbot, window, "Shift+F5")  # Stop (writes a checkpoint)
    qtbot.waitUntil(lambda: not panel.controls.training, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: run.info().status == "stopped", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: states() == buttons() and not states()["stop"], timeout=WAIT_MS)


def test_a_disabled_action_does_nothing(window):
    panel = window.training_panel
    assert not panel.stop_button.isEnabled()
    window.menus.actions["stop"].trigger()
    assert panel.run is None and panel.worker is None


def test_text_fields_keep_their_keys(active, qtbot):
    """No bare letter or Space is a shortcut: typing into a settings field types."""
    window = active
    edit = window.training_panel.train_form.editor("steps")
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.clear()
    qtbot.keyClicks(edit, "12 0")
    assert edit.text() == "12 0"
    assert window.tabs.currentWidget() is window.training_panel


def test_new_run_shortcut_clears_the_selection(active, qtbot, tiny_run):
    window = active
    run = tiny_run("dcgan", steps=2)
    window.runs_panel.refresh()
    window.runs_panel.select_run(run.id)
    assert window.training_panel.run is not None
    window.tabs.setCurrentWidget(window.latent_panel)
    _press(qtbot, window, "Ctrl+N")
    assert window.tabs.currentWidget() is window.training_panel
    assert window.training_panel.run is None and window.training_panel.form.editable
    assert window.runs_panel.selected_run_id() is None


def test_help_lists_the_shortcuts(window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    rows = dict(window.menus.shortcut_rows())
    assert rows["Start"] == QKeySequence("Ctrl+Return").toString(QKeySequence.SequenceFormat.NativeText)
    window.menus.actions["shortcuts"].trigger()
    box = window.findChild(QMessageBox, "shortcuts-dialog")
    assert box is not None and "Shift+F5" in box.text()
    box.close()
    assert Qt.Key.Key_F1  # Help → Keyboard shortcuts is F1
