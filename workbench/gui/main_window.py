"""The main window: the Runs list on the left, panel tabs in the centre, a status bar with step, rate, ETA
and device. It wires the panels together and owns nothing the core does not also hold.

The window keeps one list of panels and drives them all alike through the interface of
`workbench.gui.panels.base.PanelBase`: every panel gets `set_workspace` and, when the window closes,
`closing_note` and `shutdown`; every tab learns each selection of the Runs list through `show_run` (the run Start
creates included). An exception anywhere in the window (a slot, a timer, a thread) is shown in the status bar by
`ErrorReporter` instead of being printed to a terminal the user may not have.

What the window remembers between sessions (geometry, docks, splitters, workspaces, preferences) is in
`workbench.gui.settings`; its menus and shortcuts in `workbench.gui.menus`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QTabWidget,
)

from workbench import __version__
from workbench.gui.error_reporter import ErrorIndicator, ErrorReporter
from workbench.gui.icon import app_icon
from workbench.gui.menus import WindowMenus
from workbench.gui.panels.compare.panel import ComparePanel
from workbench.gui.panels.diffusion.panel import DiffusionPanel
from workbench.gui.panels.evaluate_panel import EvaluatePanel
from workbench.gui.panels.hparams.panel import HParamsPanel
from workbench.gui.panels.latent.panel import LatentPanel
from workbench.gui.panels.run_header import run_checkpoint_step
from workbench.gui.panels.runs import RunsPanel
from workbench.gui.panels.superres.panel import SuperresPanel
from workbench.gui.panels.training.panel import TrainingPanel
from workbench.gui.panels.translation.panel import TranslationPanel
from workbench.gui.panels.voxels.panel import VoxelsPanel
from workbench.gui.run_selection import RunSelection
from workbench.gui.settings import (
    Preferences,
    Settings,
    apply_torch_threads,
    remember_splitters,
    restore_window,
    save_window,
)
from workbench.gui.widgets.system_strip import SystemStrip
from workbench.runs import Run, Workspace

DEFAULT_SIZE = (1600, 960)  # the first start's size, shrunk to fit a smaller screen
TITLE_BAR = 32  # pixels the window manager's frame takes above the window, at most
FIRST_EXAMPLE = "dcgan-digits"  # what a workspace without runs opens on, when shipped
DOCK_WIDTH = 340  # the Runs list's first width: a run id ("20250101-120000-dcgan-digits-1a2b") reads whole


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.error_reporter = ErrorReporter(self)  # first: errors while the panels are built are shown too
        self.error_reporter.install()
        self.setWindowTitle("Generative Workbench")
        self.setWindowIcon(app_icon())
        self._fit_default_size()

        self.training_panel = TrainingPanel(workspace)
        self.evaluate_panel = EvaluatePanel(workspace)
        self.latent_panel = LatentPanel(workspace)
        self.diffusion_panel = DiffusionPanel(workspace)
        self.translation_panel = TranslationPanel(workspace)
        self.superres_panel = SuperresPanel(workspace)
        self.voxels_panel = VoxelsPanel(workspace)  # pyvista and VTK are imported when the tab is first shown
        self.selection = RunSelection(self)  # the runs selected in the Runs list, each with its colour
        self.hparams_panel = HParamsPanel(workspace, self.selection)
        self.compare_panel = ComparePanel(workspace, self.selection)
        tabs = [(self.training_panel, "Training"), (self.evaluate_panel, "Evaluate"), (self.latent_panel, "Latent"),
                (self.diffusion_panel, "Diffusion"), (self.translation_panel, "Translation"),
                (self.superres_panel, "Super-resolution"), (self.voxels_panel, "Voxels"),
                (self.compare_panel, "Compare"), (self.hparams_panel, "HParams")]
        self.tabs = QTabWidget()
        self.tabs.setObjectName("main-tabs")
        for panel, title in tabs:
            self.tabs.addTab(panel, title)
        self.setCentralWidget(self.tabs)

        self.runs_panel = RunsPanel(workspace, selection=self.selection)  # run_selected: selection.current()
        dock = QDockWidget("Runs", self)
        dock.setObjectName("runs-dock")
        dock.setWidget(self.runs_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setTitleBarWidget(QLabel())  # the panel shows its own header
        dock.setFeatures(dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable)  # View → Runs list
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.runs_dock = dock

        # the tabs, in order; each takes the Runs list's selection (the heavy ones load it when first shown)
        self.tab_panels = [panel for panel, _title in tabs]
        self.panels = [*self.tab_panels, self.runs_panel]  # everything that works on the workspace
        for panel in self.tab_panels:
            self.runs_panel.run_selected.connect(panel.show_run)
        self.runs_panel.run_selected.connect(self._run_selected)
        self._awaiting_checkpoint: Run | None = None  # the selected run, while it had no checkpoint to load
        self._told_without_checkpoint: set[int] = set()  # tab indexes shown that run before it had one
        self.tabs.currentChanged.connect(self._tab_shown)
        self.runs_panel.new_run_requested.connect(self.training_panel.new_run_mode)
        self.runs_panel.new_run_from_requested.connect(self._new_run_from)
        self.runs_panel.compare_requested.connect(self._compare)
        self.runs_panel.continue_requested.connect(self.continue_training)
        self.training_panel.run_created.connect(self._run_created)
        self.training_panel.example_continue_requested.connect(self.runs_panel.run_actions.continue_training)
        self.training_panel.status_changed.connect(self._show_status)
        self.training_panel.error_occurred.connect(self._show_error)

        self._build_status_bar()
        self.menus = WindowMenus(self)
        self.preferences = Settings().preferences()
        self.apply_preferences(self.preferences)
        self._default_state = self.saveState()  # View → Reset layout
        restore_window(self)
        remember_splitters(self)
        self._restore_tab()
        self.open_on_example()
        Settings().add_recent_workspace(workspace.root)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_labels = {key: QLabel() for key in ("state", "step", "rate", "eta", "device")}
        self.error_indicator = ErrorIndicator(self.error_reporter)
        bar.addWidget(self.error_indicator, 1)
        metrics = self.fontMetrics()
        widths = {"state": "tiny-run-name · training", "step": "step 100000 / 100000", "rate": "999.99 it/s",
                  "eta": "ETA 99h 59m", "device": "device: cuda"}  # room for typical values: the bar stays still
        for key, label in self.status_labels.items():
            label.setMinimumWidth(metrics.horizontalAdvance(widths[key]) + 8)
            label.setObjectName(f"status-{key}")
            bar.addPermanentWidget(label)
        self.system_strip = SystemStrip()
        bar.addPermanentWidget(self.system_strip)
        self._show_status({"state": "idle", "step": 0, "total": None, "rate": 0.0, "eta": "–", "device": ""})

    def _fit_default_size(self) -> None:
        """1600×960, or a smaller screen's whole width and height less the title bar (a saved geometry replaces
        it): on a 1366×768 laptop the Runs list then has its first width beside the tabs' minimum."""
        screen = QGuiApplication.primaryScreen()
        width, height = DEFAULT_SIZE
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width()), min(height, room.height() - TITLE_BAR)
        self.resize(width, height)

    def _restore_tab(self) -> None:
        title = Settings().current_tab()
        index = self.menus.tab_index(title) if title else -1
        if index > 0:
            self.tabs.setCurrentIndex(index)

    # ---- slots -------------------------------------------------------------------------------------------
    def _new_run_from(self, run: Run) -> None:
        self.training_panel.new_run_from(run)
        self.tabs.setCurrentWidget(self.training_panel)

    def _compare(self) -> None:
        """Show the selected runs side by side: the Compare tab where there is one, else HParams."""
        titles = [self.tabs.tabText(i) for i in range(self.tabs.count())]
        self.tabs.setCurrentIndex(titles.index("Compare") if "Compare" in titles else titles.index("HParams"))

    def open_on_example(self) -> None:
        """A workspace without runs of its own opens on a shipped example (the DCGAN's curves and samples in the
        Training tab), so the first launch has something to look at."""
        if self.workspace.runs():
            return
        examples = self.runs_panel.examples()
        chosen = next((e for e in examples if e.name == FIRST_EXAMPLE), examples[0] if examples else None)
        if chosen is None:
            return
        self.runs_panel.select_run(chosen.run.id)
        self.tabs.setCurrentWidget(self.training_panel)

    def continue_training(self, run: Run, one_step: bool = False) -> None:
        """Train `run` (an example's copy, made by the Runs list) on in the Training tab, or make one step."""
        from workbench.runs.examples import fresh_optimizer_note

        self.runs_panel.select_run(run.id)
        self.tabs.setCurrentWidget(self.training_panel)
        if one_step:
            self.training_panel.step()
        else:
            self.training_panel.resume()
        note = fresh_optimizer_note(run)  # the Training tab's notes get the loop's own line
        if note:
            self.runs_panel.show_status(self.runs_panel.status_label.text() + " " + note[0].upper() + note[1:] + ".")

    def _run_created(self, run: Run) -> None:
        """Select the run Start created and tell every panel. The Training panel shows it from here on; the
        show_run its own start then makes for the same run is a no-op, so training is neither stopped nor reloaded."""
        self.runs_panel.select_run(run.id)

    def _run_selected(self, run: Run) -> None:
        from workbench.runs.examples import is_example

        view = self.training_panel.view
        if is_example(run) and self.training_panel.run is run and view is not None:
            view.alerts.insertItem(0, "A shipped example, read-only: Resume (or right-click → Continue training) "
                                   "trains a copy in your workspace.")
        if run_checkpoint_step(run) is None:  # e.g. just started: the tabs say "no checkpoint yet" for now
            self._awaiting_checkpoint = run
            self._told_without_checkpoint = set(range(1, self.tabs.count()))  # all but Training, which tails
        else:
            self._awaiting_checkpoint = None

    def _tab_shown(self, index: int) -> None:
        remember_splitters(self.tabs.widget(index))  # a tab built when first shown has its splitters now
        self._tell_checkpoint(index)

    def _tell_checkpoint(self, index: int) -> None:
        """A tab that was told about the selected run before it had a checkpoint is told again once it has one,
        so that a run trained from Start can be evaluated and explored without clicking it again."""
        run = self._awaiting_checkpoint
        if run is None or index not in self._told_without_checkpoint or run_checkpoint_step(run) is None:
            return
        self._told_without_checkpoint.discard(index)
        if not self._told_without_checkpoint:
            self._awaiting_checkpoint = None
        self.tabs.widget(index).show_run(run)

    def _show_status(self, status: dict) -> None:
        total = status.get("total")
        self.status_labels["state"].setText(f"{status.get('run') or 'no run'} · {status['state']}")
        self.status_labels["step"].setText(f"step {status['step']}" + (f" / {total}" if total else ""))
        self.status_labels["rate"].setText(f"{status['rate']:.2f} it/s")
        self.status_labels["eta"].setText(f"ETA {status['eta']}")
        self.status_labels["device"].setText(f"device: {status['device'] or '–'}")

    def _show_error(self, message: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Training failed", message, parent=self)
        box.setInformativeText("The run is marked failed; its latest checkpoint is kept and it can be resumed.")
        box.setDetailedText(details)
        box.setObjectName("training-error-dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop

    def choose_workspace(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a workspace folder", str(self.workspace.root))
        if folder:
            self.set_workspace(Workspace(folder))

    def open_workspace(self, path: str) -> None:
        """A recent workspace; one whose folder is gone is said so and dropped from the list."""
        if not Path(path).is_dir():
            Settings().remove_recent_workspace(path)
            box = QMessageBox(QMessageBox.Icon.Warning, "Workspace not found",
                              f"{path}: the folder no longer exists; it is removed from the recent workspaces.",
                              parent=self)
            box.setObjectName("workspace-missing-dialog")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()  # window-modal, does not block the event loop
            return
        self.set_workspace(Workspace(path))

    def set_workspace(self, workspace: Workspace) -> None:
        """Every panel forgets the old workspace's selection and works on `workspace`."""
        self.workspace = workspace
        self._awaiting_checkpoint = None
        for panel in self.panels:
            panel.set_workspace(workspace)
        Settings().add_recent_workspace(workspace.root)

    # ---- preferences and layout --------------------------------------------------------------------------
    def open_preferences(self) -> None:
        from workbench.gui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.preferences, self.training_panel.available_devices, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_preferences(dialog.preferences()))
        dialog.open()

    def set_preferences(self, prefs: Preferences) -> None:
        """Remember `prefs` and apply them now."""
        Settings().set_preferences(prefs)
        self.apply_preferences(prefs)

    def apply_preferences(self, prefs: Preferences) -> None:
        """The Training form's device for a new run, torch's threads, the runs list's refresh, the strip."""
        old, self.preferences = getattr(self, "_applied", None), prefs
        self._applied = prefs
        if self.training_panel.form.editable and (old is None or old.default_device != prefs.default_device):
            self.training_panel.train_form.set_value("device", prefs.default_device)
        apply_torch_threads(prefs.torch_threads)
        set_interval = getattr(self.runs_panel, "set_refresh_interval", None)
        if set_interval is not None:
            set_interval(int(prefs.runs_refresh_s * 1000))
        self.set_system_strip_visible(prefs.show_system_strip)
        self.menus.actions["system-strip"].setChecked(prefs.show_system_strip)

    def set_system_strip_visible(self, visible: bool) -> None:
        self.system_strip.setVisible(visible)

    def reset_layout(self) -> None:
        """The docks as at the first start, the Runs list shown."""
        self.restoreState(self._default_state)
        self.runs_dock.show()
        self.resizeDocks([self.runs_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

    def about(self) -> None:
        QMessageBox.about(self, "Generative Workbench",
                          f"Generative Workbench {__version__}\nTrain, watch, diagnose and explore generative "
                          "models, offline.\nWorkspace: " + str(self.workspace.root))

    def shutdown(self) -> None:
        """Stop every panel's background work (training: one iteration + one checkpoint), saying what it waits
        for; used when the window closes and when the application quits without closing it."""
        notes = [note for panel in self.panels if (note := panel.closing_note())]
        dialog = None
        if notes:
            dialog = QProgressDialog("\n".join(notes), None, 0, 0, self)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.show()
            QApplication.processEvents()
        for panel in self.panels:
            panel.shutdown()
        if dialog is not None:
            dialog.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        try:
            Settings().set_current_tab(self.tabs.tabText(self.tabs.currentIndex()).replace("&", ""))
            Settings().add_recent_workspace(self.workspace.root)  # made since the start (the first run), if new
            save_window(self)
            self.shutdown()
        finally:
            self.error_reporter.uninstall()
        event.accept()
