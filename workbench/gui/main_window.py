"""The main window: the Runs list on the left, panel tabs in the centre, a status bar with step, rate, ETA
and device. It wires the panels together and owns nothing the core does not also hold.
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
from workbench.gui.panels.evaluate_panel import EvaluatePanel
from workbench.gui.panels.latent_panel import LatentPanel
from workbench.gui.panels.runs_panel import RunsPanel
from workbench.gui.panels.super_resolution_panel import SuperResolutionPanel
from workbench.gui.panels.training_panel import TrainingPanel
from workbench.gui.panels.translate_panel import TranslatePanel
from workbench.gui.panels.voxel_panel import VoxelPanel
from workbench.runs import Workspace


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.setWindowTitle("Generative Workbench")
        self.resize(1600, 960)

        self.training_panel = TrainingPanel(workspace)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.training_panel, "Training")
        self.evaluate_panel = EvaluatePanel(workspace)
        self.tabs.addTab(self.evaluate_panel, "Evaluate")
        self.latent_panel = LatentPanel(workspace)
        self.tabs.addTab(self.latent_panel, "Latent")
        self.translate_panel = TranslatePanel(workspace)
        self.tabs.addTab(self.translate_panel, "Translate")
        self.super_resolution_panel = SuperResolutionPanel(workspace)
        self.tabs.addTab(self.super_resolution_panel, "Super-resolution")
        self.voxel_panel = VoxelPanel(workspace)  # pyvista and VTK are imported when the tab is first shown
        self.tabs.addTab(self.voxel_panel, "3D")
        self.setCentralWidget(self.tabs)

        self.runs_panel = RunsPanel(workspace)
        dock = QDockWidget("Runs", self)
        dock.setObjectName("runs-dock")
        dock.setWidget(self.runs_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setTitleBarWidget(QLabel())  # the panel shows its own header
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [300], Qt.Orientation.Horizontal)

        self.runs_panel.run_selected.connect(self.training_panel.show_run)
        self.runs_panel.run_selected.connect(self.evaluate_panel.show_run)
        self.runs_panel.run_selected.connect(self.latent_panel.show_run)  # loads when its tab is shown
        self.runs_panel.run_selected.connect(self.translate_panel.show_run)  # idem
        self.runs_panel.run_selected.connect(self.super_resolution_panel.show_run)  # idem
        self.runs_panel.run_selected.connect(self.voxel_panel.show_run)  # idem
        self.runs_panel.new_run_requested.connect(self.training_panel.new_run_mode)
        self.training_panel.run_created.connect(self._run_created)
        self.training_panel.status_changed.connect(self._show_status)
        self.training_panel.error_occurred.connect(self._show_error)

        self._build_status_bar()
        self._build_menus()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_labels = {key: QLabel() for key in ("state", "step", "rate", "eta", "device")}
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
    def _run_created(self, run) -> None:  # noqa: ANN001 - a workbench.runs.Run
        self.runs_panel.refresh()
        self.runs_panel.select_run(run.id, emit=False)

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
        self.workspace = workspace
        self.training_panel.workspace = workspace
        self.training_panel.new_run_mode()
        self.runs_panel.set_workspace(workspace)
        self.latent_panel.set_workspace(workspace)
        self.translate_panel.set_workspace(workspace)
        self.super_resolution_panel.set_workspace(workspace)
        self.voxel_panel.set_workspace(workspace)

    def _about(self) -> None:
        QMessageBox.about(self, "Generative Workbench",
                          f"Generative Workbench {__version__}\nTrain, watch, diagnose and explore generative "
                          "models, offline.\nWorkspace: " + str(self.workspace.root))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Stop training cleanly (one iteration + one checkpoint) before the window goes."""
        worker = self.training_panel.worker
        if worker is not None and worker.is_alive:
            dialog = QProgressDialog("Stopping training and writing a checkpoint…", None, 0, 0, self)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.show()
            QApplication.processEvents()
            self.training_panel.shutdown()
            dialog.close()
        self.translate_panel.shutdown()  # a folder being translated stops after its current file
        self.voxel_panel.shutdown()  # its shape worker thread and the 3D views' render windows
        event.accept()
