"""File → Import model…: a generator trained elsewhere becomes a read-only run.

Pick the import TOML (its facts fill the form), or fill the form and pick the files. The dialog says plainly that
importing runs the Python file's code and that nothing from a weights file is ever run. Import validates
everything (the module loads, the weights fit, one probe batch decodes to the declared image size) before the run
is created; a failure is the one line the CLI prints, shown under the form, and nothing is written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import tomllib
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.config import ConfigError
from workbench.data.catalog import available_datasets
from workbench.methods.imported.manifest import Manifest, manifest_from_dict, read_manifest
from workbench.runs import Run, Workspace

WARNING = ("<b>Importing runs the Python file's code</b> (as <code>python mygen.py</code> would): import only files "
           "you trust. TorchScript and torch.export files are programs too. <b>Nothing from a weights file is ever "
           "run</b>: safetensors hold only tensors, and a .pt is read with <code>torch.load(weights_only=True)</code>, "
           "which refuses pickled code.")
MODEL_FILTER = "Models (*.py *.pt *.pth *.ts *.jit *.torchscript *.pt2);;All files (*)"
WEIGHTS_FILTER = "Weights (*.safetensors *.pt *.pth *.bin *.ckpt);;All files (*)"
SIZES = tuple(2 ** k for k in range(3, 11))


def _file_row(edit: QLineEdit, caption: str, filter_: str, parent: QWidget) -> QWidget:
    """A path field with a Browse… button."""
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    browse = QPushButton("Browse…", row)
    browse.setObjectName(f"browse-{edit.objectName()}")

    def pick() -> None:
        start = edit.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(parent, caption, start, filter_)
        if path:
            edit.setText(path)

    browse.clicked.connect(pick)
    layout.addWidget(browse)
    return row


def _edit(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _combo(name: str, items: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems(list(items))
    return combo


def _fill_module(edits: tuple[QLineEdit, QLineEdit, QLineEdit, QLineEdit], module: Any) -> None:
    """A declared module (generator or encoder) into its four fields: file, class, keyword arguments, weights."""
    file_edit, class_edit, kwargs_edit, weights_edit = edits
    file_edit.setText(str(module.file))
    class_edit.setText(module.class_name)
    kwargs_edit.setText(_kwargs_text(module.kwargs))
    weights_edit.setText(str(module.weights or ""))


def _kwargs_text(kwargs: dict) -> str:
    import tomli_w

    return tomli_w.dumps({"k": kwargs}).split("\n", 1)[1].strip().replace("\n", ", ") if kwargs else ""


class ImportModelDialog(QDialog):
    """The form of an import TOML; `run` is the run made once Import succeeded."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import-model-dialog")
        self.setWindowTitle("Import model")
        self.workspace = workspace
        self.run: Run | None = None
        self._toml: Path | None = None
        layout = QVBoxLayout(self)

        warning = QLabel(WARNING)
        warning.setObjectName("import-warning")
        warning.setWordWrap(True)
        warning.setTextFormat(Qt.TextFormat.RichText)
        warning.setStyleSheet("QLabel { background: #fff4d6; color: #3d2e00; border: 1px solid #e0c36a; "
                              "border-radius: 4px; padding: 8px; }")
        layout.addWidget(warning)

        source = QFormLayout()
        self.toml_edit = _edit("import-toml", "model.toml: fills the form below")
        self.toml_edit.editingFinished.connect(lambda: self.load_toml(self.toml_edit.text()))
        pick = QPushButton("Choose TOML…")
        pick.setObjectName("choose-toml")
        pick.clicked.connect(self._choose_toml)
        row = QHBoxLayout()
        row.addWidget(self.toml_edit, 1)
        row.addWidget(pick)
        source.addRow("From a TOML", row)
        layout.addLayout(source)

        model = QGroupBox("Generator")
        form = QFormLayout(model)
        self.model_file = _edit("model-file", "mygen.py, or a TorchScript / torch.export .pt2 file")
        self.model_class = _edit("model-class", "MyGen (Python files)")
        self.model_kwargs = _edit("model-kwargs", "latent_dim = 64, channels = 1   (TOML, optional)")
        self.weights = _edit("model-weights", "gen.safetensors, or a .pt state_dict")
        form.addRow("Model file", _file_row(self.model_file, "Choose the generator's file", MODEL_FILTER, self))
        form.addRow("Class", self.model_class)
        form.addRow("Arguments", self.model_kwargs)
        form.addRow("Weights", _file_row(self.weights, "Choose the weights", WEIGHTS_FILTER, self))
        facts = QHBoxLayout()
        self.latent_dim = QSpinBox()
        self.latent_dim.setObjectName("latent-dim")
        self.latent_dim.setRange(1, 65_536)
        self.latent_dim.setValue(64)
        self.prior = _combo("prior", ("normal", "uniform"))
        self.latent_shape = _combo("latent-shape", ("vector", "map"))
        self.latent_shape.setToolTip("vector: z is N×D; map: z is N×D×1×1 (DCGAN-style generators)")
        for label, widget in (("Latent size", self.latent_dim), ("Prior", self.prior), ("z as", self.latent_shape)):
            facts.addWidget(QLabel(label))
            facts.addWidget(widget)
        facts.addStretch(1)
        form.addRow(facts)
        images = QHBoxLayout()
        self.image_size = _combo("image-size", tuple(map(str, SIZES)))
        self.image_size.setCurrentText("32")
        self.channels = _combo("channels", ("1", "3"))
        self.range_min, self.range_max = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, name, value in ((self.range_min, "range-min", -1.0), (self.range_max, "range-max", 1.0)):
            spin.setObjectName(name)
            spin.setRange(-1e6, 1e6)
            spin.setDecimals(3)
            spin.setValue(value)
        self.classes = QSpinBox()
        self.classes.setObjectName("classes")
        self.classes.setRange(0, 100_000)
        self.classes.setToolTip("0: unconditional; K ≥ 2: called as G(z, labels) with labels 0..K-1")
        for label, widget in (("Image size", self.image_size), ("Channels", self.channels),
                              ("Range", self.range_min), ("to", self.range_max), ("Classes", self.classes)):
            images.addWidget(QLabel(label))
            images.addWidget(widget)
        images.addStretch(1)
        form.addRow(images)
        layout.addWidget(model)

        self.encoder_box = QGroupBox("Encoder (optional: images → codes)")
        self.encoder_box.setObjectName("encoder-box")
        self.encoder_box.setCheckable(True)
        self.encoder_box.setChecked(False)
        enc = QFormLayout(self.encoder_box)
        self.encoder_file = _edit("encoder-file", "the encoder's .py (the generator's file works too)")
        self.encoder_class = _edit("encoder-class", "MyEncoder")
        self.encoder_kwargs = _edit("encoder-kwargs", "TOML, optional")
        self.encoder_weights = _edit("encoder-weights", "enc.safetensors")
        self.encoder_returns = _combo("encoder-returns", ("mean", "mean_logvar"))
        enc.addRow("File", _file_row(self.encoder_file, "Choose the encoder's file", MODEL_FILTER, self))
        enc.addRow("Class", self.encoder_class)
        enc.addRow("Arguments", self.encoder_kwargs)
        enc.addRow("Weights", _file_row(self.encoder_weights, "Choose the encoder's weights", WEIGHTS_FILTER, self))
        enc.addRow("Returns", self.encoder_returns)
        layout.addWidget(self.encoder_box)

        rest = QFormLayout()
        self.dataset = _combo("dataset", tuple(s.name for s in available_datasets() if s.kind == "images"))
        self.dataset.setToolTip("the data it was trained on: FID in the Evaluate tab, Pin from dataset… in Latent")
        self.data_root = _edit("data-root", "folder, for datasets read from disk")
        data_row = QHBoxLayout()
        data_row.addWidget(self.dataset)
        data_row.addWidget(self.data_root, 1)
        rest.addRow("Compare with data", data_row)
        self.name = _edit("run-name", "optional run id (default <time>-imported-<class>-<hex>)")
        rest.addRow("Run name", self.name)
        layout.addLayout(rest)

        self.error = QLabel()
        self.error.setObjectName("import-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("QLabel { color: #b00020; }")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("import-button")
        self.import_button.setDefault(True)
        buttons.accepted.connect(self.do_import)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, self.sizeHint().height())

    # ---- the form ----------------------------------------------------------------------------------------------
    def _choose_toml(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the import TOML", self.toml_edit.text() or str(Path.home()),
                                              "TOML (*.toml);;All files (*)")
        if path:
            self.load_toml(path)

    def load_toml(self, path: str | Path) -> bool:
        """Fill the form from an import TOML; False (and the reason shown) when it cannot be read."""
        if not str(path).strip():
            return False
        self.toml_edit.setText(str(path))
        try:
            manifest = read_manifest(path)
        except ConfigError as err:
            self.show_error(str(err))
            return False
        self._toml = manifest.source
        self.fill(manifest)
        self.show_error("")
        return True

    def fill(self, m: Manifest) -> None:
        _fill_module((self.model_file, self.model_class, self.model_kwargs, self.weights), m.model)
        self.latent_dim.setValue(m.latent_dim)
        self.prior.setCurrentText(m.prior)
        self.latent_shape.setCurrentText(m.latent_shape)
        self.image_size.setCurrentText(str(m.image_size))
        self.channels.setCurrentText(str(m.channels))
        self.range_min.setValue(m.value_range[0])
        self.range_max.setValue(m.value_range[1])
        self.classes.setValue(m.classes)
        self.encoder_box.setChecked(m.encoder is not None)
        if m.encoder is not None:
            _fill_module((self.encoder_file, self.encoder_class, self.encoder_kwargs, self.encoder_weights),
                         m.encoder)
            self.encoder_returns.setCurrentText(m.encoder_returns)
        self.dataset.setCurrentText(m.data_name)
        self.data_root.setText(m.data_root)

    def manifest(self) -> Manifest:
        """The manifest the form declares (the TOML's own, with its path, when the form still says what it
        said); ConfigError naming the field at fault."""
        def kwargs(field: str, text: str) -> dict:
            try:
                return tomllib.loads(f"k = {{ {text} }}")["k"] if text.strip() else {}
            except tomllib.TOMLDecodeError as err:
                raise ConfigError(f"{field}: write keyword arguments as TOML, e.g. latent_dim = 64, "
                                  f"channels = 1 ({err})") from None

        doc: dict = {"model": {
            "file": self.model_file.text().strip(), "class": self.model_class.text().strip(),
            "kwargs": kwargs("Generator arguments", self.model_kwargs.text()), "weights": self.weights.text().strip(),
            "latent_dim": self.latent_dim.value(), "prior": self.prior.currentText(),
            "latent_shape": self.latent_shape.currentText(), "image_size": int(self.image_size.currentText()),
            "channels": int(self.channels.currentText()),
            "range": [self.range_min.value(), self.range_max.value()], "classes": self.classes.value()},
            "data": {"name": self.dataset.currentText(), "root": self.data_root.text().strip()}}
        if self.encoder_box.isChecked():
            doc["encoder"] = {"file": self.encoder_file.text().strip(), "class": self.encoder_class.text().strip(),
                              "kwargs": kwargs("Encoder arguments", self.encoder_kwargs.text()),
                              "weights": self.encoder_weights.text().strip(),
                              "returns": self.encoder_returns.currentText()}
        base = self._toml.parent if self._toml else Path.cwd()
        form = manifest_from_dict(doc, base, "the form")
        if self._toml is not None:
            try:
                saved = read_manifest(self._toml)
            except ConfigError:
                return form
            if dataclasses.replace(saved, source=None) == form:
                return saved
        return form

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # ---- Import ------------------------------------------------------------------------------------------------
    def do_import(self) -> None:
        """Validate and import; the dialog closes on success, else says why in one line and writes nothing."""
        from workbench.training.import_run import import_model

        name = self.name.text().strip() or None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.run = import_model(self.manifest(), self.workspace, name)
        except ConfigError as err:
            self.show_error(str(err))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()
