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
from workbench.runs import MetricsReader, Run, Workspace
from workbench.runs.run import RunStatus, file_version

STATUS_COLOURS = {
    "running": "#2e7d32",
    "finished": "#1565c0",
    "stopped": "#6d4c41",
    "failed": "#c62828",
    "interrupted": "#ef6c00",
    "created": "#616161",
    "damaged": "#ad1457",  # run.toml cannot be read: the Step cell says why
}
DAMAGED = "damaged"
COLUMNS = ("Run", "Method", "Data", "Status", "Step")
MAX_CELL = 48  # characters: a long reason would widen its column and squeeze the run ids


class RunsPanel(QWidget):
    """Emits `run_selected(Run)` when the user picks a run and `new_run_requested()` for the New button."""

    run_selected = Signal(object)
    new_run_requested = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, poll_ms: int = 1500) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._rows: dict[str, tuple] = {}  # run id → the cells shown
        self._ids: list[str] = []  # the run id of each row, in order
        self._readers: dict[str, MetricsReader] = {}  # run id → reader of a running run's store
        self._steps: dict[str, int] = {}  # run id → the newest step its reader found
        self._described: dict[str, tuple] = {}  # run id → (the run.toml version, the cells described from it)
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
        self.table.setRowCount(0)
        self._ids = []
        self._rows.clear()
        self._described.clear()
        self._close_readers()
        self.refresh()

    def closing_note(self) -> str:
        """Nothing to wait for when the window closes."""
        return ""

    def shutdown(self) -> None:
        """Stop polling and close the run stores this panel reads (the window is closing)."""
        self._timer.stop()
        self._close_readers()

    def _close_readers(self, keep: set[str] | None = None) -> None:
        for run_id in [r for r in self._readers if r not in (keep or set())]:
            self._readers.pop(run_id).close()
            self._steps.pop(run_id, None)

    def _cells(self, run: Run) -> tuple:
        """The row's cells, described again only when run.toml has changed, or while the run is running (its step
        moves, and its trainer may have died): a workspace of many runs costs a stat per run and poll."""
        version = file_version(run.path / Run.CONFIG_FILE)
        known = self._described.get(run.id)
        if known is not None and version is not None and known[0] == version and \
                known[1][3] != RunStatus.RUNNING.value:
            return known[1]
        values = self._describe(run)
        self._described[run.id] = (version, values)
        return values

    def _describe(self, run: Run) -> tuple:
        """The row's cells; a run whose run.toml cannot be read is listed as damaged, with the reason."""
        try:
            info = run.info()
            cfg = run.config
            step = info.step
            if info.status == RunStatus.RUNNING.value:  # run.toml's step moves only at checkpoints
                step = max(step, self._last_recorded_step(run))
            return (run.id, cfg.method_name, cfg.data.name, info.status, f"{step}/{cfg.train.steps}")
        except (ConfigError, OSError, ValueError, TypeError, KeyError, AttributeError) as err:
            # ValueError covers UnicodeDecodeError; TypeError / KeyError a [run] table with missing fields
            reason = " ".join(str(err).split()) or type(err).__name__
            reason = reason.replace(str(run.path / Run.CONFIG_FILE), Run.CONFIG_FILE).replace(str(run.path), run.id)
            return (run.id, "?", "?", DAMAGED, reason)  # the cell shows the start of it, its tooltip all of it

    def _last_recorded_step(self, run: Run) -> int:
        """The newest step in the run's store, through one reader per running run (kept open between polls)."""
        reader = self._readers.get(run.id)
        if reader is None:
            reader = self._readers[run.id] = run.metrics_reader()
        if reader.changed():  # one PRAGMA; the query only when something was recorded since
            self._steps[run.id] = reader.last_step() or 0
        return self._steps.get(run.id, 0)

    def refresh(self) -> None:
        """Re-read the workspace; only rows whose contents changed are touched, and the selection is kept."""
        try:
            runs = self.workspace.runs()
        except OSError as err:  # e.g. a shared disk gone away: say so, keep the rows, try again on the next poll
            self.location.setText(f"Workspace: {self.workspace.root} (cannot be read: {err})")
            return
        self.location.setText(f"Workspace: {self.workspace.root}")
        self.empty_hint.setVisible(not runs)
        wanted = [r.id for r in runs]
        if wanted != self._ids:
            selected = self.selected_run_id()
            self.table.blockSignals(True)  # the selection is restored below, not changed
            try:
                self.table.clearSelection()
                self.table.setRowCount(len(runs))
                self._ids = wanted
                self._rows.clear()
                self._fill(runs)
                if selected in wanted:
                    self.table.selectRow(wanted.index(selected))
            finally:
                self.table.blockSignals(False)
        else:
            self._fill(runs)
        running = {run_id for run_id, values in self._rows.items() if values[3] == RunStatus.RUNNING.value}
        self._close_readers(keep=running)

    def _fill(self, runs: list[Run]) -> None:
        for row, run in enumerate(runs):
            values = self._cells(run)
            if self._rows.get(run.id) == values:
                continue
            self._rows[run.id] = values
            for col, text in enumerate(values):
                item = self.table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, col, item)
                text = str(text)
                item.setText(text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…")
                if col == 3:
                    item.setForeground(QColor(STATUS_COLOURS.get(str(text), "#000")))
                if col == 0:
                    item.setToolTip(str(run.path))
                elif col in (3, 4):
                    item.setToolTip(values[4] if values[3] == DAMAGED else "")

    def selected_run_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self._ids[rows[0].row()] if rows and rows[0].row() < len(self._ids) else None

    def cell_text(self, run_id: str, column: str) -> str | None:
        """The text shown in `column` (one of COLUMNS) of `run_id`'s row; None when the run is not listed."""
        if run_id not in self._ids:
            return None
        item = self.table.item(self._ids.index(run_id), COLUMNS.index(column))
        return None if item is None else item.text()

    def select_run(self, run_id: str, emit: bool = True) -> None:
        """Select `run_id` (re-reading the workspace first: it may be new); `emit=False` tells no panel."""
        self.refresh()
        if run_id not in self._ids:
            return
        self.table.blockSignals(not emit)
        try:
            self.table.selectRow(self._ids.index(run_id))
        finally:
            self.table.blockSignals(False)

    def _selection_changed(self) -> None:
        run_id = self.selected_run_id()
        if run_id:
            self.run_selected.emit(Run(self.workspace.runs_dir / run_id))

    def _new_run(self) -> None:
        self.table.clearSelection()
        self.new_run_requested.emit()


