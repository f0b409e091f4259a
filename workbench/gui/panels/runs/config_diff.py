""""What did I change?": the config fields that differ among the selected runs, one row per field, one column per
run (headed by its colour), and a button that shows those fields as columns of the runs table."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from workbench.gui.panels.runs import columns
from workbench.gui.widgets.factory import button, label, row

MAX_ROWS_SHOWN = 8  # more differing fields scroll

def swatch_icon(colour: QColor, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(colour)
    return QIcon(pixmap)


class ConfigDiff(QWidget):
    """Shown while two or more runs are selected; `show_columns(fields)` asks for the fields as table columns."""

    show_columns = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs-config-diff")
        self.fields: list[str] = []
        self.title = label("", "runs-config-diff-title")
        self.columns_button = button("Show as columns", "runs-config-diff-columns",
                                     "Add these fields as columns of the runs table",
                                     on_click=lambda: self.show_columns.emit(list(self.fields)))
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("runs-config-diff-table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row((self.title, 1), self.columns_button, margins=0))
        layout.addWidget(self.table, 1)

    def show_diff(self, runs: list[tuple[str, str, QColor, dict]], fields: list[str]) -> None:
        """`runs`: (id, name, colour, config fields) of each selected run; `fields`: those that differ."""
        self.fields = fields
        self.title.setText(f"<b>Config diff</b>: {len(fields)} field{'s' if len(fields) != 1 else ''} differ"
                           if fields else "<b>Config diff</b>: the selected runs have the same config")
        self.columns_button.setEnabled(bool(fields))
        self.table.clear()
        self.table.setRowCount(len(fields))
        self.table.setColumnCount(len(runs))
        self.table.setVerticalHeaderLabels(fields)
        for col, (run_id, name, colour, config) in enumerate(runs):
            header = QTableWidgetItem(swatch_icon(colour), name)
            header.setToolTip(run_id)
            self.table.setHorizontalHeaderItem(col, header)
            for r, field in enumerate(fields):
                value = config.get(field)
                item = QTableWidgetItem("—" if value is None else columns.text(value, columns.CONFIG + field))
                item.setToolTip("not in this run's config" if value is None else str(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, col, item)
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(min(len(fields), MAX_ROWS_SHOWN)))
        self.table.setMaximumHeight(rows + self.table.horizontalHeader().sizeHint().height() +
                                    self.table.horizontalScrollBar().sizeHint().height() + 2 * self.table.frameWidth())
        self.setMaximumHeight(self.table.maximumHeight() + self.columns_button.sizeHint().height() + 12)

    def rows(self) -> dict[str, list[str]]:
        """field → the texts shown for each run (scripts, tests)."""
        return {self.table.verticalHeaderItem(r).text(): [self.table.item(r, c).text()
                                                           for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())}
