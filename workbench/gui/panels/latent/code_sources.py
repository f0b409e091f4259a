"""Where pinned codes come from: seeded prior samples (with a class for conditional models), real images from
the dataset (encoded, for models with an encoder), and image files (dropped on the panel or chosen): encoded
when the model has an encoder, otherwise inverted by optimisation in the inversion dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.pixmaps import pixmap_near

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
PAGE = 48  # dataset images per page in the browser


class CodeSources(QWidget):
    """The top bar's code sources; `pin_file(path)` is also what a drop on the panel calls."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.inversion_dialog = None  # the open InversionDialog, if any
        self.browser = None  # the open DatasetBrowser, if any

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("The same seed always gives the same prior sample")
        self.seed_spin.setObjectName("latent-seed")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("The class the conditional model generates for this code")
        self.class_label = QLabel("Class")
        self.pin_prior_button = QPushButton("Pin prior sample")
        self.pin_prior_button.setToolTip("Pin the prior sample with this seed (and class), then step the seed")
        self.pin_prior_button.clicked.connect(self.pin_prior)
        self.dataset_button = QPushButton("Pin from dataset…")
        self.dataset_button.setToolTip("Browse the run's training images and encode the chosen ones")
        self.dataset_button.clicked.connect(self.open_dataset_browser)
        self.file_button = QPushButton("Image file…")
        self.file_button.setToolTip("Encode an image file (models with an encoder) or invert it (GANs); "
                                    "you can also drop a file on this panel")
        self.file_button.clicked.connect(self._choose_file)
        self.invert_button = QPushButton("Invert image…")
        self.invert_button.setToolTip("Find a code whose decoded image reproduces an image file, by optimisation")
        self.invert_button.clicked.connect(self._choose_and_invert)
        hint = QLabel("or drop an image file here")
        hint.setStyleSheet("color: palette(mid);")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Seed"))
        row.addWidget(self.seed_spin)
        row.addWidget(self.class_label)
        row.addWidget(self.class_combo)
        row.addWidget(self.pin_prior_button)
        row.addSpacing(16)
        row.addWidget(self.dataset_button)
        row.addWidget(self.file_button)
        row.addWidget(self.invert_button)
        row.addWidget(hint)
        row.addStretch(1)
        session.space_changed.connect(self._space_changed)
        session.busy_changed.connect(lambda _busy: self._space_changed())
        self._space_changed()

    # ---- state -------------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        space = self.session.space
        loaded = space is not None and not self.session.loading
        classes = tuple(space.classes) if space is not None else ()
        if [self.class_combo.itemText(i) for i in range(self.class_combo.count())] != list(classes):
            self.class_combo.clear()
            self.class_combo.addItems(classes)
        self.class_combo.setVisible(bool(classes))
        self.class_label.setVisible(bool(classes))
        self.pin_prior_button.setEnabled(loaded)
        encoder = loaded and space.has_encoder
        self.dataset_button.setEnabled(encoder)
        self.dataset_button.setToolTip("Browse the run's training images and encode the chosen ones" if encoder
                                       else "Needs a model with an encoder (autoencoders, VAEs, AAE); "
                                            "invert an image instead")
        self.file_button.setEnabled(loaded)
        self.invert_button.setEnabled(loaded)

    def chosen_label(self) -> int | None:
        space = self.session.space
        return self.class_combo.currentIndex() if space is not None and space.classes else None

    # ---- prior samples -----------------------------------------------------------------------------------
    def pin_prior(self, seed: int | None = None) -> None:
        from workbench.latent.codes import prior_code

        if self.session.space is None:
            return
        seed = self.seed_spin.value() if seed is None or isinstance(seed, bool) else int(seed)
        label = self.chosen_label()
        code = prior_code(self.session.space, seed, label)
        if label is not None and self.session.class_name(label) not in code.name:
            import dataclasses

            code = dataclasses.replace(code, name=f"{code.name} · {self.session.class_name(label)}")
        self.session.add_pins([code])
        if seed == self.seed_spin.value():
            self.seed_spin.setValue(seed + 1)  # the next press pins a new sample

    # ---- dataset -----------------------------------------------------------------------------------------
    def open_dataset_browser(self) -> None:
        if self.session.space is None or not self.session.space.has_encoder:
            return
        self.browser = DatasetBrowser(self.session, self.window())
        self.browser.open()

    # ---- files -------------------------------------------------------------------------------------------
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Encode or invert an image", str(Path.home()), IMAGE_FILTER)
        if path:
            self.pin_file(path)

    def _choose_and_invert(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Invert an image", str(Path.home()), IMAGE_FILTER)
        if path:
            self.invert_file(path)

    def pin_file(self, path: str | Path) -> None:
        """Encode `path` and pin it (models with an encoder), or open the inversion dialog on it."""
        space = self.session.space
        if space is None:
            self.session.error.emit("Load a run before dropping images: there is no latent space yet.", "")
            return
        if not space.has_encoder:
            self.invert_file(path)
            return
        from workbench.latent.codes import encoded_codes, load_image_file

        path = Path(path)
        try:
            image = load_image_file(path, space.image_shape)
            label = self.chosen_label()
            labels = self.session.labels_tensor([label]) if label is not None else None
            from workbench.compat import one_torch_thread

            with one_torch_thread():
                codes = encoded_codes(space, image, [f"encoded {path.name}"], labels)
        except ValueError as err:
            self.session.error.emit(f"Could not use {path.name}: {_clean(str(err))}", "")
            return
        self.session.add_pins(codes)

    def invert_file(self, path: str | Path) -> None:
        """Open the inversion dialog with `path` as its target (an unreadable file is reported, not raised)."""
        from workbench.latent.codes import load_image_file

        space = self.session.space
        if space is None:
            return
        path = Path(path)
        try:
            target = load_image_file(path, space.image_shape)
        except ValueError as err:
            self.session.error.emit(f"Could not use {path.name}: {_clean(str(err))}", "")
            return
        self.open_inversion(target, path.name, str(path))

    def open_inversion(self, target, name: str, detail: str = ""):  # noqa: ANN001, ANN201 - tensor 1×C×H×W
        from workbench.gui.panels.latent.inversion_dialog import InversionDialog

        if self.inversion_dialog is not None:
            self.inversion_dialog.close()
        self.inversion_dialog = InversionDialog(self.session, target, name, detail, label=self.chosen_label(),
                                                parent=self.window())
        self.inversion_dialog.show()
        return self.inversion_dialog


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

        self.info = QLabel("Loading the dataset…")
        self.info.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("dataset-browser-list")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(64, 64))
        self.list.setGridSize(QSize(84, 96))
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.pin_selected())
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button = QPushButton("Next ▶")
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.page_label = QLabel()
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.page_label, 1, Qt.AlignmentFlag.AlignCenter)
        nav.addWidget(self.next_button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.pin_button = self.buttons.addButton("Encode and pin", QDialogButtonBox.ButtonRole.ActionRole)
        self.pin_button.setEnabled(False)
        self.pin_button.clicked.connect(self.pin_selected)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Real images</b> — select one or more (Ctrl/Shift-click), then “Encode and pin”; "
                                "double-click pins one."))
        layout.addWidget(self.info)
        layout.addWidget(self.list, 1)
        layout.addLayout(nav)
        layout.addWidget(self.buttons)
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
        for row in rows:
            self.list.item(row).setSelected(True)

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
            self.session.error.emit(_clean(str(err)), "")
            return
        self.session.add_pins(codes)
        self.list.clearSelection()


def _clean(message: str) -> str:
    for prefix in ("LatentError: ", "ValueError: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
