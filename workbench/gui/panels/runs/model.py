"""The runs table's Qt model (one row per run, the chosen columns) and the proxy that sorts and filters it.

The model knows which runs are selected and in which colour, and which config fields differ among them: the first
column shows a check box and the run's colour swatch, and cells of a differing config field in a selected row
are marked (`DIFF_ROLE`, drawn by the view's delegate, and bold).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont, QPixmap

from workbench.gui.panels.runs import columns
from workbench.gui.panels.runs.rows import RunRow

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a key that sorts numbers as numbers (columns.sort_key)
DIFF_ROLE = Qt.ItemDataRole.UserRole + 2  # True: a config field that differs among the selected runs
ID_ROLE = Qt.ItemDataRole.UserRole + 3  # the row's run id
SWATCH = 12  # pixels
EXAMPLE_BACKGROUND = "#eef3f8"  # the shipped examples' rows: a group of their own, read-only
EXAMPLE_TEXT = "#3a4a5c"

Index = QModelIndex | QPersistentModelIndex


def display_text(row: RunRow, key: str) -> str:
    """What the cell of `row` in column `key` shows."""
    value = row.values.get(key)
    if key == "step" and not row.damaged:
        return f"{value}/{row.values.get('total', '?')}"
    return columns.text(value, key)


class RunsModel(QAbstractTableModel):
    """Rows of `RunRow`s and the chosen columns (keys, see columns.py)."""

    def __init__(self, colour: Callable[[str], QColor], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[RunRow] = []
        self.columns: list[str] = list(columns.DEFAULT_COLUMNS)
        self.selected: set[str] = set()
        self.differing: set[str] = set()  # config column keys whose values differ among the selected runs
        self._colour = colour
        self._swatches: dict[str, QPixmap] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)

    # ---- contents ---------------------------------------------------------------------------------------------
    def set_rows(self, rows: list[RunRow]) -> None:
        """New rows: a reset when the runs listed changed, else only the rows that changed are repainted."""
        if [r.id for r in rows] != [r.id for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            return
        for i, (old, new) in enumerate(zip(self.rows, rows, strict=True)):
            if old is not new and (old.values != new.values or old.status != new.status or old.reason != new.reason
                                   or old.meta_error != new.meta_error):
                self.rows[i] = new
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))
            else:
                self.rows[i] = new

    def set_columns(self, keys: list[str]) -> None:
        if keys != self.columns:
            self.beginResetModel()
            self.columns = list(keys)
            self.endResetModel()

    def set_selection(self, selected: set[str], differing: set[str]) -> None:
        """Which runs are selected (check box, colour) and which config columns differ among them."""
        if selected == self.selected and differing == self.differing:
            return
        self.selected, self.differing = set(selected), set(differing)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))

    def row_of(self, run_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == run_id), -1)

    # ---- QAbstractTableModel ----------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        key = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return columns.title(key) + (" Δ" if key in self.differing else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = columns.BUILTIN_TIPS.get(key, columns.title(key))
            return tip + ("\nDiffers among the selected runs" if key in self.differing else "")
        if role == ID_ROLE:
            return key
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, key = self.rows[index.row()], self.columns[index.column()]
        value = row.values.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(row, key)
        if role == SORT_ROLE:
            return columns.sort_key(value)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key, value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float) and not isinstance(
                value, bool) and key != "created":  # numbers line up by their last digit
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if row.example and role == Qt.ItemDataRole.BackgroundRole:
            return QColor(EXAMPLE_BACKGROUND)
        if row.example and role == Qt.ItemDataRole.ForegroundRole:
            return QColor(EXAMPLE_TEXT)
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            return QColor(columns.STATUS_COLOURS.get(row.status, "#000"))
        diff = key in self.differing and row.id in self.selected
        if role == DIFF_ROLE:
            return diff
        if role == Qt.ItemDataRole.FontRole and diff:
            return self._bold
        if role == Qt.ItemDataRole.FontRole and row.example:
            return self._italic
        if index.column() == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if row.id in self.selected else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.DecorationRole:
                return self._swatch(row.id)
        return None

    def _tooltip(self, row: RunRow, key: str, value: Any) -> str:
        if row.example and key in ("run", "status", "tags"):
            return row.example
        if row.damaged and key in ("status", "step"):
            return row.reason
        if key == "run":
            lines = [row.id, str(row.run.path)]
            if row.meta_error:
                lines.append(row.meta_error)
            return "\n".join(lines)
        if key == "notes":
            return str(value or "")
        shown = columns.text(value, key)
        return str(value) if shown.endswith("…") or isinstance(value, float) else ""

    def _swatch(self, run_id: str) -> QPixmap:
        """The run's colour while it is selected; a transparent square otherwise (the names stay aligned)."""
        colour = self._colour(run_id).name() if run_id in self.selected else "transparent"
        pixmap = self._swatches.get(colour)
        if pixmap is None:
            pixmap = self._swatches[colour] = QPixmap(SWATCH, SWATCH)
            pixmap.fill(QColor(0, 0, 0, 0) if colour == "transparent" else QColor(colour))
        return pixmap


class RunsFilter(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE` (numbers as numbers) and keeps the rows that pass the text, method, dataset, status and
    tag filters ("" lets everything through)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.choices: dict[str, str] = {"method": "", "data": "", "status": "", "tag": ""}
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.words = text.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_choice(self, what: str, value: str) -> None:
        self.beginFilterChange()
        self.choices[what] = value
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt override
        model = self.sourceModel()
        if not isinstance(model, RunsModel) or source_row >= len(model.rows):
            return True
        row = model.rows[source_row]
        for what in ("method", "data", "status"):
            if self.choices[what] and row.values.get(what) != self.choices[what]:
                return False
        if self.choices["tag"] and self.choices["tag"] not in row.tags:
            return False
        return row.matches(self.words)

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 - Qt override
        """By the column's values; the shipped examples stay a group below the workspace's runs either way."""
        model = self.sourceModel()
        if isinstance(model, RunsModel) and left.row() < len(model.rows) and right.row() < len(model.rows):
            groups = bool(model.rows[left.row()].example), bool(model.rows[right.row()].example)
            if groups[0] != groups[1]:
                first = groups[0] < groups[1]
                return first if self.sortOrder() == Qt.SortOrder.AscendingOrder else not first
        return left.data(SORT_ROLE) < right.data(SORT_ROLE)
