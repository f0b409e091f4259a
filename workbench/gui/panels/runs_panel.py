"""Runs list: every run in the workspace with its status, refreshed from disk so runs trained by the CLI
(or another machine writing to a shared disk) appear and update on their own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.config import ConfigError
from workbench.runs import Run, Workspace

STATUS_COLOURS = {
    "running": "#2e7d32",
    "finished": "#1565c0",
    "stopped": "#6d4c41",
    "failed": "#c62828",
    "interrupted": "#ef6c00",
    "created": "#616161",
}
COLUMNS = ("Run", "Method", "Data", "Status", "Step")


class RunsPanel(QWidget):
    """Emits `run_selected(Run)` when the user picks a run and `new_run_requested()` for the New button."""

    run_selected = Signal(object)
    new_run_requested = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, poll_ms: int = 1500) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._rows: dict[str, tuple] = {}
        self.setMinimumWidth(250)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        header = QHBoxLayout()
        title = QLabel("<b>Runs</b>")
        self.new_button = QPushButton("New run")
        self.new_button.setToolTip("Clear the selection and set up a new run in the Training panel")
        self.new_button.clicked.connect(self._new_run)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.new_button)
        layout.addLayout(header)
        self.location = QLabel()
        self.location.setWordWrap(True)
        self.location.setStyleSheet("color: #666; font-size: 11px;")
        layout.addWidget(self.location)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            self.table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.empty_hint = QLabel("No runs yet. Set one up in the Training panel and press Start,\n"
                                 "or run `workbench train --method dcgan --data digits`.")
        self.empty_hint.setStyleSheet("color: #666;")
        self.empty_hint.setWordWrap(True)
        layout.addWidget(self.empty_hint)
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.set_workspace(workspace)

    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.location.setText(f"Workspace: {workspace.root}")
        self.table.setRowCount(0)
        self._rows.clear()
        self.refresh()

    def _describe(self, run: Run) -> tuple:
        try:
            info = run.info()
            cfg = run.config
            return (run.id, cfg.method_name, cfg.data.name, info.status, f"{info.step}/{cfg.train.steps}")
        except (ConfigError, OSError, ValueError) as err:
            return (run.id, "?", "?", "unreadable", str(err)[:60])

    def refresh(self) -> None:
        """Re-read the workspace; only rows whose contents changed are touched."""
        runs = self.workspace.runs()
        self.empty_hint.setVisible(not runs)
        wanted = [r.id for r in runs]
        current = [self.table.item(i, 0).text() for i in range(self.table.rowCount())]
        if wanted != current:
            selected = self.selected_run_id()
            self.table.blockSignals(True)
            self.table.setRowCount(len(runs))
            self._rows.clear()
            self.table.blockSignals(False)
            if selected in wanted:
                self.select_run(selected, emit=False)
        for row, run in enumerate(runs):
            values = self._describe(run)
            if self._rows.get(run.id) == values:
                continue
            self._rows[run.id] = values
            for col, text in enumerate(values):
                item = self.table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, col, item)
                item.setText(str(text))
                if col == 3:
                    item.setForeground(QColor(STATUS_COLOURS.get(str(text), "#000")))
                if col == 0:
                    item.setToolTip(str(run.path))

    def selected_run_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def select_run(self, run_id: str, emit: bool = True) -> None:
        self.refresh()
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == run_id:
                self.table.blockSignals(not emit)
                self.table.selectRow(row)
                self.table.blockSignals(False)
                return

    def _selection_changed(self) -> None:
        run_id = self.selected_run_id()
        if run_id:
            self.run_selected.emit(Run(self.workspace.runs_dir / run_id))

    def _new_run(self) -> None:
        self.table.clearSelection()
        self.new_run_requested.emit()


