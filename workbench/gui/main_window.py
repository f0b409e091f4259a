"""The main window: the Runs list on the left, panel tabs in the centre, a status bar with step, rate, ETA
and device. It wires the panels together and owns nothing the core does not also hold.

The window keeps one list of panels and drives them all alike through the interface of
`workbench.gui.panels.base.PanelBase`: every panel gets `set_workspace` and, when the window closes,
`closing_note` and `shutdown`; every tab learns each selection of the Runs list through `show_run` (the run Start
creates included). An exception anywhere in the window (a slot, a timer, a thread) is shown in the status bar by
`ErrorReporter` instead of being printed to a terminal the user may not have.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
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
from workbench.gui.panels.evaluate_panel import EvaluatePanel
from workbench.gui.panels.latent.panel import LatentPanel
from workbench.gui.panels.run_header import run_checkpoint_step
from workbench.gui.panels.runs_panel import RunsPanel
from workbench.gui.panels.superres.panel import SuperresPanel
from workbench.gui.panels.training.panel import TrainingPanel
from workbench.gui.panels.translation.panel import TranslationPanel
from workbench.gui.panels.voxels.panel import VoxelsPanel
from workbench.runs import Run, Workspace


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.error_reporter = ErrorReporter(self)  # first: errors while the panels are built are shown too
        self.error_reporter.install()
        self.setWindowTitle("Generative Workbench")
        self.resize(1600, 960)

        self.training_panel = TrainingPanel(workspace)
        self.evaluate_panel = EvaluatePanel(workspace)
        self.latent_panel = LatentPanel(workspace)
        self.translation_panel = TranslationPanel(workspace)
        self.superres_panel = SuperresPanel(workspace)
        self.voxels_panel = VoxelsPanel(workspace)  # pyvista and VTK are imported when the tab is first shown
        tabs = [(self.training_panel, "Training"), (self.evaluate_panel, "Evaluate"), (self.latent_panel, "Latent"),
                (self.translation_panel, "Translation"), (self.superres_panel, "Super-resolution"),
                (self.voxels_panel, "Voxels")]
        self.tabs = QTabWidget()
        for panel, title in tabs:
            self.tabs.addTab(panel, title)
        self.setCentralWidget(self.tabs)

        self.runs_panel = RunsPanel(workspace)
        dock = QDockWidget("Runs", self)
        dock.setObjectName("runs-dock")
        dock.setWidget(self.runs_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setTitleBarWidget(QLabel())  # the panel shows its own header
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [300], Qt.Orientation.Horizontal)

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
        self.training_panel.run_created.connect(self._run_created)
        self.training_panel.status_changed.connect(self._show_status)
        self.training_panel.error_occurred.connect(self._show_error)

        self._build_status_bar()
        self._build_menus()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_labels = {key: QLabel() for key in ("state", "step", "rate", "eta", "device")}
        self.error_indicator = ErrorIndicator(self.error_reporter)
        bar.addWidget(self.error_indicator, 1)
        for key, label in self.status_labels.items():
            label.setMinimumWidth(110 if key != "state" else 160)
            label.setObjectName(f"status-{key}")
            bar.addPermanentWidget(label)
        self._show_status({"state": "idle", "step": 0, "total": None, "rate": 0.0, "eta": "–", "device": ""})

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_ws = QAction("Open &workspace…", self)
        open_ws.triggered.connect(self.choose_workspace)
        file_menu.addAction(open_ws)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # ---- slots -------------------------------------------------------------------------------------------
    def _run_created(self, run: Run) -> None:
        """Select the run Start created and tell every panel. The Training panel shows it from here on; the
        show_run its own start then makes for the same run is a no-op, so training is neither stopped nor reloaded."""
        self.runs_panel.select_run(run.id)

    def _run_selected(self, run: Run) -> None:
        if run_checkpoint_step(run) is None:  # e.g. just started: the tabs say "no checkpoint yet" for now
            self._awaiting_checkpoint = run
            self._told_without_checkpoint = set(range(1, self.tabs.count()))  # all but Training, which tails
        else:
            self._awaiting_checkpoint = None

    def _tab_shown(self, index: int) -> None:
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

    def set_workspace(self, workspace: Workspace) -> None:
        """Every panel forgets the old workspace's selection and works on `workspace`."""
        self.workspace = workspace
        self._awaiting_checkpoint = None
        for panel in self.panels:
            panel.set_workspace(workspace)

    def _about(self) -> None:
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
            self.shutdown()
        finally:
            self.error_reporter.uninstall()
        event.accept()
