"""Where pinned codes come from: seeded prior samples (with a class for conditional models), real images from
the dataset (encoded, for models with an encoder), and image files (dropped on the panel or chosen): encoded
when the model has an encoder, otherwise inverted by optimisation in the inversion dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from workbench.gui.panels.base import user_message
from workbench.gui.widgets.factory import HINT_STYLE, button, choice, fill, label, seed_spin
from workbench.gui.widgets.file_dialogs import ask_open


class CodeSources(QWidget):
    """The top bar's code sources; `pin_file(path)` is also what a drop on the panel calls."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.inversion_dialog = None  # the open InversionDialog, if any
        self.browser = None  # the open DatasetBrowser, if any

        self.seed_spin = seed_spin("latent-seed", "The same seed always gives the same prior sample")
        self.class_combo = choice(tip="The class the conditional model generates for this code")
        self.class_label = QLabel("Class")
        self.pin_prior_button = button("Pin prior sample", tip="Pin the prior sample with this seed (and class), "
                                       "then step the seed", on_click=self.pin_prior)
        self.dataset_button = button("Pin from dataset…", tip="Browse the run's training images and encode the "
                                     "chosen ones", on_click=self.open_dataset_browser)
        self.file_button = button("Image file…", tip="Encode an image file (models with an encoder) or invert it "
                                  "(GANs); you can also drop a file on this panel", on_click=self._choose_file)
        self.invert_button = button("Invert image…", tip="Find a code whose decoded image reproduces an image file, "
                                    "by optimisation", on_click=self._choose_and_invert)
        fill(QHBoxLayout(self), QLabel("Seed"), self.seed_spin, self.class_label, self.class_combo,
             self.pin_prior_button, 16, self.dataset_button, self.file_button, self.invert_button,
             label("or drop an image file here", style=HINT_STYLE), None, margins=0)
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
        from workbench.gui.panels.latent.dataset_browser import DatasetBrowser

        if self.session.space is None or not self.session.space.has_encoder:
            return
        self.browser = DatasetBrowser(self.session, self.window())
        self.browser.open()

    # ---- files -------------------------------------------------------------------------------------------
    def _choose_file(self) -> None:
        for path in ask_open(self, "Encode or invert an image"):
            self.pin_file(path)

    def _choose_and_invert(self) -> None:
        for path in ask_open(self, "Invert an image"):
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


def _clean(message: str) -> str:
    return user_message(message, ("ValueError: ",))
