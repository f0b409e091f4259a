"""The dataset browser of the Latent tab: a page of the run's real images at a time; the chosen ones are encoded
and pinned with their labels (models with an encoder)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.panels.base import user_message
from workbench.gui.widgets.factory import button, fill, icon_strip, label, row
from workbench.gui.widgets.pixmaps import pixmap_near

PAGE = 48  # dataset images per page


class DatasetBrowser(QDialog):
    """A page of the run's real images; the chosen ones are encoded and pinned (with their labels)."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Pin from the dataset")
        self.resize(760, 560)
        self.dataset = None
        self.page = 0
        self.indices: list[int] = []  # dataset indices on the current page
        self.images = None  # the page's images, tensor N×C×H×W in [-1, 1]
        self.labels = None

        self.info = label("Loading the dataset…", wrap=True)
        self.list = icon_strip("dataset-browser-list", 64, QSize(84, 96), wrap=True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.pin_selected())
        self.prev_button = button("◀ Previous", on_click=lambda: self.show_page(self.page - 1))
        self.next_button = button("Next ▶", on_click=lambda: self.show_page(self.page + 1))
        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        nav = row(self.prev_button, (self.page_label, 1), self.next_button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.pin_button = self.buttons.addButton("Encode and pin", QDialogButtonBox.ButtonRole.ActionRole)
        self.pin_button.setEnabled(False)
        self.pin_button.clicked.connect(self.pin_selected)
        self.buttons.rejected.connect(self.reject)
        fill(QVBoxLayout(self), QLabel("<b>Real images</b> — select one or more (Ctrl/Shift-click), then “Encode and "
                                       "pin”; double-click pins one."), self.info, (self.list, 1), nav, self.buttons)
        self._set_nav_enabled(False)
        space = session.space
        session.run_task(space.dataset, self._dataset_loaded, "Loading the dataset")

    def _dataset_loaded(self, dataset) -> None:  # noqa: ANN001
        self.dataset = dataset
        info = dataset.info
        extra = f" · classes: {', '.join(info.class_names[:10])}{'…' if len(info.class_names) > 10 else ''}" \
            if info.class_names else ""
        self.info.setText(f"{info.name}: {len(dataset):,} images, {info.image_size}×{info.image_size} px{extra}")
        self.show_page(0)

    @property
    def pages(self) -> int:
        return 0 if self.dataset is None else (len(self.dataset) + PAGE - 1) // PAGE

    def show_page(self, page: int) -> None:
        if self.dataset is None:
            return
        import torch

        from workbench.gui.panels.latent.session import to_uint8

        self.page = max(0, min(page, self.pages - 1))
        start = self.page * PAGE
        self.indices = list(range(start, min(start + PAGE, len(self.dataset))))
        self.images, self.labels = self.dataset.get_batch(torch.tensor(self.indices, dtype=torch.long))
        shown = to_uint8(self.images)
        names = self.dataset.info.class_names
        self.list.clear()
        for k, index in enumerate(self.indices):
            label = int(self.labels[k])
            text = f"#{index}" + (f" · {names[label]}" if names and 0 <= label < len(names) else "")
            item = QListWidgetItem(QIcon(pixmap_near(shown[k], 64)), text)
            self.list.addItem(item)
        self.page_label.setText(f"images {start + 1}–{start + len(self.indices)} of {len(self.dataset):,} "
                                f"(page {self.page + 1} of {self.pages})")
        self._set_nav_enabled(True)

    def _set_nav_enabled(self, enabled: bool) -> None:
        self.prev_button.setEnabled(enabled and self.page > 0)
        self.next_button.setEnabled(enabled and self.page + 1 < self.pages)

    def _selection_changed(self) -> None:
        n = len(self.list.selectedItems())
        self.pin_button.setEnabled(n > 0)
        self.pin_button.setText(f"Encode and pin {n}" if n > 1 else "Encode and pin")

    def select(self, rows) -> None:  # noqa: ANN001 - iterable of rows on this page (tests, scripts)
        self.list.clearSelection()
        for index in rows:
            self.list.item(index).setSelected(True)

    def pin_selected(self) -> None:
        from workbench.compat import one_torch_thread
        from workbench.latent.codes import encoded_codes

        rows = sorted(self.list.row(item) for item in self.list.selectedItems())
        if not rows or self.images is None:
            return
        space = self.session.space
        names = [f"{self.dataset.info.name} #{self.indices[r]}" for r in rows]
        labels = self.labels[rows] if space.classes else None
        try:
            with one_torch_thread():
                codes = encoded_codes(space, self.images[rows], names, labels)
        except ValueError as err:
            self.session.error.emit(user_message(str(err), ("ValueError: ",)), "")
            return
        self.session.add_pins(codes)
        self.list.clearSelection()
