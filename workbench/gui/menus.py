"""The window's menus and keyboard shortcuts: File (new run, import model, workspaces, recent workspaces,
preferences, quit), View (the tabs, the docks, the system strip), Run (the Training panel's Start, Pause, Resume,
Step and Stop) and Help.

The Run menu drives the Training panel's own buttons (`ButtonAction` clicks them and follows their enabled
state), so a shortcut does exactly what the button does and is greyed out exactly when the button is. The
shortcuts avoid keys a text field or a focused button uses (no bare Space or letters): F5/F6/F10/Shift+F5 as in
debuggers, Ctrl+Return to start. `SHORTCUTS` lists them for the README and Help → Keyboard shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QMenu, QMessageBox

from workbench.gui.settings import Settings

if TYPE_CHECKING:
    from workbench.gui.main_window import MainWindow

# (action name, menu text, shortcut): the frequent actions; View also has Ctrl+1…9 for the tabs.
SHORTCUTS = (
    ("new-run", "&New run", "Ctrl+N"),
    ("open-workspace", "&Open workspace…", "Ctrl+O"),
    ("preferences", "&Preferences…", "Ctrl+,"),
    ("quit", "&Quit", "Ctrl+Q"),
    ("start", "&Start", "Ctrl+Return"),
    ("pause", "&Pause", "F6"),
    ("resume", "&Resume", "F5"),
    ("step", "S&tep", "F10"),
    ("stop", "St&op", "Shift+F5"),
    ("next-tab", "&Next tab", "Ctrl+Tab"),
    ("previous-tab", "P&revious tab", "Ctrl+Shift+Tab"),
    ("compare", "&Compare selected runs", "Ctrl+Shift+C"),
    ("runs-dock", "R&uns list", "Ctrl+Shift+R"),
    ("shortcuts", "&Keyboard shortcuts", "F1"),
)
RUN_BUTTONS = ("start", "pause", "resume", "step", "stop")  # each drives the Training panel's `<name>_button`
_TEXT = {name: (text, keys) for name, text, keys in SHORTCUTS}


class ButtonAction(QAction):
    """A menu action that clicks `button` and is enabled exactly when it is (followed through its EnabledChange
    events), so that the button's own slot stays the one place the action is implemented."""

    def __init__(self, text: str, button: QAbstractButton, parent: QObject,
                 before: Callable[[], None] | None = None) -> None:
        super().__init__(text, parent)
        self.button = button
        self._before = before
        self.setEnabled(button.isEnabled())
        button.installEventFilter(self)
        self.triggered.connect(self._click)

    def _click(self) -> None:
        if not self.button.isEnabled():
            return
        if self._before is not None:
            self._before()
        self.button.click()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.button and event.type() == QEvent.Type.EnabledChange:
            self.setEnabled(self.button.isEnabled())
        return False


class WindowMenus(QObject):
    """Builds the menu bar of `window`; `actions[name]` is each named action (tests and scripts trigger them)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.actions: dict[str, QAction] = {}
        self.tab_actions: list[QAction] = []
        bar = window.menuBar()
        bar.clear()
        self._file_menu(bar.addMenu("&File"))
        self._view_menu(bar.addMenu("&View"))
        self._run_menu(bar.addMenu("&Run"))
        self._help_menu(bar.addMenu("&Help"))
        window.tabs.currentChanged.connect(self._tab_changed)
        self._tab_changed(window.tabs.currentIndex())

    def _action(self, name: str, slot: Callable | None = None, menu: QMenu | None = None,
                action: QAction | None = None) -> QAction:
        text, shortcut = _TEXT.get(name, (name, ""))
        if action is None:
            action = QAction(text, self.window)
        action.setObjectName(f"action-{name}")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(slot)
        if menu is not None:
            menu.addAction(action)
        self.actions[name] = action
        return action

    # ---- File ----------------------------------------------------------------------------------------------
    def _file_menu(self, menu: QMenu) -> None:
        window = self.window
        self._action("new-run", self.new_run, menu)
        self._action("import-model", self.import_model, menu, QAction("&Import model…", self.window))
        menu.addSeparator()
        self._action("open-workspace", window.choose_workspace, menu)
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("menu-recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        self.fill_recent()
        menu.addSeparator()
        self._action("preferences", window.open_preferences, menu)
        menu.addSeparator()
        self._action("quit", window.close, menu)

    def fill_recent(self) -> None:
        """The recent workspaces (most recent first), then Clear."""
        menu = self.recent_menu
        menu.clear()
        recent = Settings().recent_workspaces()
        current = str(Path(self.window.workspace.root).resolve())
        for index, path in enumerate(recent):
            prefix = f"&{index + 1} " if index < 9 else ""
            action = menu.addAction(f"{prefix}{path}")
            action.setToolTip(path)
            action.setData(path)
            action.setCheckable(path == current)
            action.setChecked(path == current)
            action.triggered.connect(lambda _checked=False, p=path: self.window.open_workspace(p))
        if not recent:
            menu.addAction("No recent workspaces").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear")
        clear.setObjectName("action-clear-recent")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(self.clear_recent)
        self.actions["clear-recent"] = clear

    def clear_recent(self) -> None:
        Settings().clear_recent_workspaces()
        self.fill_recent()

    def new_run(self) -> None:
        """What the Runs list's New button does (clear the selection, set up a new run), then show the form."""
        self.show_tab("Training")
        button = getattr(self.window.runs_panel, "new_button", None)
        if button is not None:
            button.click()
        else:
            self.window.training_panel.new_run_mode()

    def import_model(self) -> None:
        """File → Import model…: the dialog (window-modal); the imported run is selected and shown in Latent."""
        from workbench.gui.import_model_dialog import ImportModelDialog

        dialog = ImportModelDialog(self.window.workspace, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done() -> None:
            if dialog.run is not None:
                self.window.runs_panel.select_run(dialog.run.id)
                self.show_tab("Latent")

        dialog.accepted.connect(done)
        dialog.open()

    # ---- View ----------------------------------------------------------------------------------------------
    def _view_menu(self, menu: QMenu) -> None:
        window = self.window
        group = QActionGroup(self)
        group.setExclusive(True)
        for index in range(window.tabs.count()):
            title = window.tabs.tabText(index).replace("&", "")
            action = QAction(title, window)
            action.setObjectName(f"action-tab-{title.lower().replace(' ', '-')}")
            action.setCheckable(True)
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: window.tabs.setCurrentIndex(i))
            group.addAction(action)
            menu.addAction(action)
            self.tab_actions.append(action)
        self._action("next-tab", lambda: self._cycle_tab(1), menu)
        self._action("previous-tab", lambda: self._cycle_tab(-1), menu)
        compare = self._action("compare", lambda: self.show_tab("Compare"), menu)
        compare.setEnabled(self.tab_index("Compare") >= 0)
        menu.addSeparator()
        dock_action = window.runs_dock.toggleViewAction()
        dock_action.setText(_TEXT["runs-dock"][0])
        self._action("runs-dock", None, menu, dock_action)
        strip = QAction("S&ystem strip (CPU, memory, GPU)", window)
        strip.setObjectName("action-system-strip")
        strip.setCheckable(True)
        strip.setChecked(True)  # the window's preferences say, once the menus are built
        strip.toggled.connect(window.set_system_strip_visible)
        menu.addAction(strip)
        self.actions["system-strip"] = strip
        menu.addSeparator()
        self._action("reset-layout", window.reset_layout, menu).setText("Reset &layout")

    def tab_index(self, title: str) -> int:
        tabs = self.window.tabs
        return next((i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == title), -1)

    def show_tab(self, title: str) -> None:
        index = self.tab_index(title)
        if index >= 0:
            self.window.tabs.setCurrentIndex(index)

    def _cycle_tab(self, delta: int) -> None:
        tabs = self.window.tabs
        tabs.setCurrentIndex((tabs.currentIndex() + delta) % tabs.count())

    def _tab_changed(self, index: int) -> None:
        if 0 <= index < len(self.tab_actions):
            self.tab_actions[index].setChecked(True)

    # ---- Run -----------------------------------------------------------------------------------------------
    def _run_menu(self, menu: QMenu) -> None:
        panel = self.window.training_panel
        for name in RUN_BUTTONS:
            button = getattr(panel, f"{name}_button")
            text = _TEXT[name][0]
            action = ButtonAction(text, button, self.window, before=lambda: self.show_tab("Training"))
            self._action(name, None, menu, action)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            button.setToolTip(f"{button.toolTip()} ({shortcut})" if button.toolTip() else f"{text.replace('&', '')}"
                              f" ({shortcut})")
            if name == "start":
                menu.addSeparator()

    # ---- Help ----------------------------------------------------------------------------------------------
    def _help_menu(self, menu: QMenu) -> None:
        self._action("shortcuts", self.show_shortcuts, menu)
        about = QAction("&About", self.window)
        about.triggered.connect(self.window.about)
        menu.addAction(about)
        self.actions["about"] = about

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(what, keys) for every action with a shortcut, in menu order."""
        rows = []
        for menu_action in self.window.menuBar().actions():
            for action in menu_action.menu().actions():
                if not action.shortcut().isEmpty():
                    rows.append((action.text().replace("&", ""),
                                 action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))
        return rows

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td>{what}</td><td>&nbsp;&nbsp;<b>{keys}</b></td></tr>" for what, keys in
                       self.shortcut_rows())
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{rows}</table>",
                          parent=self.window)
        box.setObjectName("shortcuts-dialog")
        box.open()
