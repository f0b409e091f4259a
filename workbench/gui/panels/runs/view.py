"""The runs table's view: rows selected with click, Ctrl/Shift-click or their check box (a click on the box adds or
removes that run and leaves the others selected), differing config cells framed, and `item(row, column)` for
scripts and tests that read what a cell shows."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from workbench.gui.panels.runs.model import DIFF_ROLE, ID_ROLE

DIFF_COLOUR = "#f0a000"  # amber: readable on the selection's blue and on white


@dataclass(frozen=True)
class Cell:
    """What one cell shows."""

    text_: str
    tooltip_: str

    def text(self) -> str:
        return self.text_

    def toolTip(self) -> str:  # noqa: N802 - as QTableWidgetItem
        return self.tooltip_


class DiffDelegate(QStyledItemDelegate):
    """Draws cells as usual, then frames those of a config field that differs among the selected runs."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
              ) -> None:
        super().paint(painter, option, index)
        if index.data(DIFF_ROLE):
            painter.save()
            painter.setPen(QPen(QColor(DIFF_COLOUR), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()


class RunsTable(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._swallow_release = False
        self.setItemDelegate(DiffDelegate(self))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.setHighlightSections(False)
        header.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "FID [di…] (best)": which figure stays readable
        self.setSortingEnabled(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the workspace's order (newest first) until sorted

    # ---- a click on a check box toggles that run alone -------------------------------------------------------
    def check_box_rect(self, row: int) -> QRect:
        """Where the check box of `row` is drawn, in viewport coordinates."""
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(self.model().index(row, 0))
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        return self.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, self)

    def _on_check_box(self, event: QMouseEvent) -> QModelIndex | None:
        index = self.indexAt(event.position().toPoint())
        if not index.isValid() or index.column() != 0:
            return None
        box = self.check_box_rect(index.row()).adjusted(-3, -3, 3, 3)
        return index if box.contains(event.position().toPoint()) else None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        index = self._on_check_box(event) if event.button() == Qt.MouseButton.LeftButton else None
        if index is None:
            super().mousePressEvent(event)
            return
        self.toggle_row(index.row())
        self._swallow_release = True
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._swallow_release:
            self._swallow_release = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def toggle_row(self, row: int) -> None:
        """Add the row to the selection or take it out; the other selected rows stay."""
        index = self.model().index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.Toggle | QItemSelectionModel.SelectionFlag.Rows
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.selectionModel().select(index, flags)

    # ---- reading cells (scripts, tests) ------------------------------------------------------------------------
    def rowCount(self) -> int:  # noqa: N802 - as QTableWidget
        return self.model().rowCount()

    def columnCount(self) -> int:  # noqa: N802 - as QTableWidget
        return self.model().columnCount()

    def item(self, row: int, column: int) -> Cell | None:
        """What the cell at (row, column) of the table as shown (sorted, filtered) shows; None outside it."""
        index = self.model().index(row, column)
        if not index.isValid():
            return None
        return Cell(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), str(index.data(Qt.ItemDataRole.ToolTipRole)
                                                                             or ""))

    def run_id_at(self, row: int) -> str:
        return str(self.model().index(row, 0).data(ID_ROLE))
