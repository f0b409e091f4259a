"""The Translate pane's input picker: a strip of thumbnails (held-out examples, then opened or dropped files),
paging through the held-out split, and "Open images…".
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QListWidgetItem, QStyle, QWidget

from workbench.gui.panels.translation.compute import InputItem
from workbench.gui.widgets.factory import button, column, fill, hint, icon_strip, row
from workbench.gui.widgets.pixmaps import pixmap_at_least

THUMBNAIL = 56


class InputStrip(QGroupBox):
    """Thumbnails to click; `selected(index)` when one is chosen, `page(start)` when asked for other examples."""

    selected = Signal(int)  # index into `items`
    page_requested = Signal(int)  # first example index of the wanted page
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Input", parent)
        self.setObjectName("translate-input-box")
        self.items: list[InputItem] = []
        self.start = 0  # first example of the page shown
        self.page_size = 8
        self.total = 0  # examples in the split

        self.list = icon_strip("translate-inputs", THUMBNAIL, QSize(THUMBNAIL + 34, THUMBNAIL + 26))
        scrollbar = self.list.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.list.setFixedHeight(THUMBNAIL + 26 + scrollbar + 2 * self.list.frameWidth() + 4)  # one row + scrollbar
        self.list.setToolTip("Click an input to translate it. Held-out examples come from the run's dataset; "
                             "opened or dropped image files are added at the end.")
        self.list.currentRowChanged.connect(self._row_changed)

        self.previous_button = button("◀ Previous", "translate-previous", "The previous page of held-out examples",
                                      lambda: self.page_requested.emit(self._wrap(self.start - self.page_size)))
        self.next_button = button("Next ▶", "translate-next", "The next page of held-out examples",
                                  lambda: self.page_requested.emit(self._wrap(self.start + self.page_size)))
        self.open_button = button("Open images…", "translate-open", "Translate your own image files (centre-cropped "
                                  "and resized to the model's size)", self.open_requested)
        self.info = hint("", "translate-examples-info")
        side = column(row(self.previous_button, self.next_button), self.open_button, (self.info, 1), spacing=4)
        self.columns = fill(QHBoxLayout(self), (self.list, 1), side)
        self.columns.setContentsMargins(6, 4, 6, 4)
        self.set_enabled(False)

    def add_column(self, widget: QWidget) -> None:
        """Put `widget` (e.g. the direction and difference controls) in a column right of the strip."""
        self.columns.addWidget(widget)

    def _wrap(self, start: int) -> int:
        return start % self.total if self.total else 0

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.previous_button, self.next_button, self.open_button, self.list):
            widget.setEnabled(enabled)
        if enabled:
            multiple = self.total > self.page_size
            self.previous_button.setEnabled(multiple)
            self.next_button.setEnabled(multiple)

    def set_examples(self, items: list[InputItem], start: int, total: int, split: str, note: str) -> None:
        """Replace the held-out examples (files opened earlier stay, after them) and describe where they are from."""
        files = [item for item in self.items if item.is_file]
        self.start, self.total = start, total
        end = start + len(items) - 1
        where = "held-out (test) split" if split == "test" else "training split"
        text = f"Examples {start}–{end} of {total:,} from the {where}."
        if note:
            text += f" {note}."
        self.info.setText(text + " Drop image files here to add them.")
        self._fill(items + files)

    def add_files(self, items: list[InputItem]) -> int:
        """Append opened files; returns the index of the first one."""
        first = len(self.items)
        self._fill(self.items + items, keep=False)
        return first

    def clear(self) -> None:
        self.items = []
        self.list.clear()
        self.info.clear()

    def _fill(self, items: list[InputItem], keep: bool = False) -> None:
        current = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        self.items = list(items)
        for item in self.items:
            entry = QListWidgetItem(QIcon(pixmap_at_least(item.thumbnail, THUMBNAIL)), _short(item.name))
            entry.setToolTip(item.name + (" (image file)" if item.is_file else
                                          " (with its ground truth)" if item.paired else ""))
            entry.setSizeHint(QSize(THUMBNAIL + 30, THUMBNAIL + 24))
            self.list.addItem(entry)
        if keep and 0 <= current < len(self.items):
            self.list.setCurrentRow(current)
        self.list.blockSignals(False)

    def select(self, index: int) -> None:
        """Choose item `index` (also emitted when it is already current, so the result is recomputed)."""
        if self.list.currentRow() == index:
            self.selected.emit(index)
        else:
            self.list.setCurrentRow(index)

    def current(self) -> InputItem | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.selected.emit(row)


def _short(name: str, limit: int = 14) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
