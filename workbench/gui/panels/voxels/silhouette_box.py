"""A silhouette picture → a 3D shape, for runs trained with the image encoder (3D-VAE-GAN).

The user opens or drops a picture (a dark shape on a light page or the reverse: the border tells which is the
background); the encoder turns the front silhouette into a code and the 3D view shows its shape. Beside the
picture as the encoder reads it (white shape on black, at the grid's size) is the front silhouette of the shape
it produced, so the two can be compared. Runs without the encoder get a note saying how to train one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import SMALL_HINT_STYLE, button, fill, label
from workbench.gui.widgets.file_dialogs import ask_open
from workbench.gui.widgets.pixmaps import array_pixmap

PICTURE = 128
NO_ENCODER = ("This run has no image encoder. Train a 3D-GAN with “image → 3D encoder” switched on (Training tab, "
              "3D-GAN settings) to turn silhouettes into shapes.")


def _picture_label(name: str, text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setFixedSize(PICTURE, PICTURE)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet("border: 1px solid palette(mid); color: palette(mid); font-size: 11px;")
    return label


class SilhouetteBox(QWidget):
    """Open or drop a silhouette; shows it as read and the silhouette of the resulting shape."""

    file_chosen = Signal(object)  # Path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voxel-silhouette")
        self.open_button = button("Open a silhouette…", "voxel-silhouette-open", "A picture of a shape seen from the "
                                  "front; you can also drop one on this pane", self._ask)
        self.note = label("", "voxel-silhouette-note", wrap=True)
        self.input_picture = _picture_label("voxel-silhouette-input", "Drop a picture on this pane")
        self.shape_picture = _picture_label("voxel-silhouette-shape", "")
        pictures = QGridLayout()
        pictures.addWidget(self.input_picture, 0, 0)
        pictures.addWidget(self.shape_picture, 0, 1)
        for column, text in enumerate(("As the encoder reads it", "The shape's front silhouette")):
            caption = label(text, style=SMALL_HINT_STYLE)
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            pictures.addWidget(caption, 1, column)
        pictures.setColumnStretch(2, 1)
        layout = fill(QVBoxLayout(self), self.note)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        fill(layout, pictures, None)
        self.set_encoder(None)

    def set_encoder(self, has_encoder: bool | None) -> None:
        """None: no run loaded; False: a run without the encoder (a note says how to get one)."""
        self.open_button.setEnabled(bool(has_encoder))
        if has_encoder is None:
            self.note.setText("Load a voxel run first.")
        elif has_encoder:
            self.note.setText("Open or drop a picture of a shape seen from the front (dark on light or light on "
                              "dark): the encoder finds its code and the 3D view shows the shape.")
        else:
            self.note.setText(NO_ENCODER)
        self.note.setStyleSheet("" if has_encoder else "color: palette(mid);")
        if not has_encoder:
            self.clear()

    def clear(self) -> None:
        self.input_picture.clear()
        self.input_picture.setText("Drop a picture on this pane")
        self.shape_picture.clear()

    def show_pictures(self, read: object, shape: object) -> None:
        """Float S×S silhouettes in [-1, 1]: the input as read, and the produced shape's."""
        import numpy as np

        for picture, image in ((self.input_picture, read), (self.shape_picture, shape)):
            gray = np.clip((np.asarray(image, dtype=np.float32) + 1) * 127.5, 0, 255).astype(np.uint8)
            picture.setPixmap(array_pixmap(gray).scaled(PICTURE - 2, PICTURE - 2, Qt.AspectRatioMode.KeepAspectRatio,
                                                        Qt.TransformationMode.FastTransformation))

    def _ask(self) -> None:
        for path in ask_open(self, "Open a silhouette"):
            self.file_chosen.emit(path)
