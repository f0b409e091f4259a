"""The Training panel's settings: method and dataset, then forms generated from their config dataclasses. Editable
while a new run is set up; read-only, filled from run.toml, while a stored run is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data import available_datasets, dataset_spec
from workbench.data.catalog import DatasetSpec
from workbench.gui.widgets.config_form import ConfigForm
from workbench.gui.widgets.dataset_preview import DatasetPreview
from workbench.methods import available_methods, method_spec
from workbench.methods.registry import MethodSpec, check_data_kind, fits_data


def _combo(items: list, current: str | None = None) -> QComboBox:
    """A combo box of specs (name, summary as tooltip), narrow enough for the settings column."""
    combo = QComboBox()
    for spec, text in items:
        combo.addItem(text, spec.name)
        combo.setItemData(combo.count() - 1, spec.summary, Qt.ItemDataRole.ToolTipRole)
    if current is not None:
        combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    return combo


def _summary() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    return label


class RunForm(QWidget):
    """Method, dataset, and the method / data / training settings of a run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method_form: ConfigForm | None = None
        self.editable = True  # a new run is being set up (the data preview follows the form)
        self.available_devices: list[str] | None = None  # known once torch has been asked
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        choose = QGroupBox("Model and data")
        form = QFormLayout(choose)
        self.method_combo = _combo([(s, f"{s.name}  ({s.family})") for s in available_methods() if s.trainable],
                                   "dcgan")
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.dataset_combo = _combo([(s, s.name) for s in available_datasets()])
        self.dataset_combo.currentIndexChanged.connect(self._dataset_changed)
        self.method_summary = _summary()
        self.dataset_summary = _summary()
        self.dataset_preview = DatasetPreview()
        form.addRow("Method", self.method_combo)
        form.addRow("", self.method_summary)
        form.addRow("Dataset", self.dataset_combo)
        form.addRow("", self.dataset_summary)
        form.addRow(self.dataset_preview)  # the whole row: the settings column stays narrow
        layout.addWidget(choose)

        self.method_box = QGroupBox("Method settings")
        self.method_box_layout = QVBoxLayout(self.method_box)
        layout.addWidget(self.method_box)
        data_box = QGroupBox("Data")
        self.data_form = ConfigForm(DataConfig, exclude=("name",))
        self.data_form.changed.connect(self._request_preview)
        QVBoxLayout(data_box).addWidget(self.data_form)
        layout.addWidget(data_box)
        train_box = QGroupBox("Training")
        self.train_form = ConfigForm(TrainConfig)
        QVBoxLayout(train_box).addWidget(self.train_form)
        layout.addWidget(train_box)

    # ---- modes -------------------------------------------------------------------------------------------
    def new_run(self) -> None:
        """Editable forms for a new run (the last settings stay), with a preview of the data."""
        self.editable = True
        self._set_editable(True)
        self.dataset_preview.show()
        if self._drop_read_only_methods() or self.method_form is None:
            self._method_changed()
            self._dataset_changed()

    def _drop_read_only_methods(self) -> bool:
        """Take out a read-only method an imported run's settings put in the combo (nothing trains it); True
        when the combo showed it."""
        combo = self.method_combo
        shown = [i for i in range(combo.count()) if not method_spec(combo.itemData(i)).trainable]
        current = combo.currentIndex() in shown
        combo.blockSignals(True)
        for index in reversed(shown):
            combo.removeItem(index)
        if current:
            combo.setCurrentIndex(max(0, combo.findData("dcgan")))
        combo.blockSignals(False)
        return current

    def show_config(self, config: RunConfig, editable: bool = False) -> None:
        """A stored run's settings, read-only; `editable`: as a new run's ("New run from this config")."""
        self.editable = editable
        self.dataset_preview.setVisible(editable)  # previews are for setting up a new run
        self.method_combo.blockSignals(True)
        index = self.method_combo.findData(config.method_name)
        if index < 0 and not method_spec(config.method_name).trainable:  # shown, never offered for a new run
            self.method_combo.addItem(f"{config.method_name}  (read-only)", config.method_name)
            index = self.method_combo.count() - 1
        self.method_combo.setCurrentIndex(max(0, index))
        self.method_combo.blockSignals(False)
        self.method_summary.setText(method_spec(config.method_name).summary)
        self._set_method_form(ConfigForm(type(config.method), config.method))
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.setCurrentIndex(max(0, self.dataset_combo.findData(config.data.name)))
        self.dataset_combo.blockSignals(False)
        self.dataset_summary.setText(dataset_spec(config.data.name).summary)
        self._show_data_fields_for(dataset_spec(config.data.name))
        for form, section in ((self.data_form, config.data), (self.train_form, config.train)):
            for name in form.field_names():
                form.set_value(name, getattr(section, name))
        self._set_editable(editable)
        if editable:
            self._offer_datasets_for(method_spec(config.method_name))
            self._request_preview()

    def hold(self) -> None:
        """Read-only, as they are (a run whose run.toml cannot be read)."""
        self.editable = False
        self.dataset_preview.hide()
        self._set_editable(False)

    def _set_editable(self, editable: bool) -> None:
        for widget in (self.method_combo, self.dataset_combo):
            widget.setEnabled(editable)
        for form in (self.method_form, self.data_form, self.train_form):
            if form is not None:
                form.set_read_only(not editable)

    def build_config(self) -> RunConfig:
        """The RunConfig the forms describe; ConfigError names the first invalid field."""
        assert self.method_form is not None
        config = RunConfig(
            method=self.method_form.build(),
            data=self.data_form.build(name=self.dataset_combo.currentData()),
            train=self.train_form.build(),
        )
        check_data_kind(config.method_name, config.data.name, dataset_spec(config.data.name).kinds)
        return config

    def show_invalid(self, message: str) -> QWidget | None:
        """Mark the field a ConfigError's `message` is about (red border, tooltip, the message under it) and return
        its editor, to be scrolled into view; None when it names no field of these forms."""
        if message.startswith("data.name:"):  # the dataset does not suit the method
            self.dataset_combo.setStyleSheet("border: 1px solid #d9534f;")
            self.dataset_combo.setToolTip(message)
            self.dataset_combo.currentIndexChanged.connect(self._unmark_dataset, Qt.ConnectionType.UniqueConnection)
            return self.dataset_combo
        for form in (self.method_form, self.data_form, self.train_form):
            name = form.field_in(message) if form is not None else None
            if name is not None:
                return form.mark_invalid(name, message)
        return None

    def _unmark_dataset(self) -> None:
        self.dataset_combo.currentIndexChanged.disconnect(self._unmark_dataset)
        self.dataset_combo.setStyleSheet("")
        self.dataset_combo.setToolTip("")

    def show_devices(self, devices: list[str]) -> None:
        """Grey out the devices this machine lacks."""
        combo = self.train_form.editor("device")
        model = combo.model()
        for row in range(combo.count()):
            name = combo.itemData(row)
            item = model.item(row)
            item.setEnabled(name in devices)
            item.setToolTip("" if name in devices else f"{name} is not available on this machine")
        self.available_devices = devices

    # ---- reactions to the user's choices -----------------------------------------------------------------
    def _method_changed(self) -> None:
        spec = method_spec(self.method_combo.currentData())
        self.method_summary.setText(spec.summary)
        self._set_method_form(ConfigForm(spec.settings))
        self._offer_datasets_for(spec)

    def _offer_datasets_for(self, spec: MethodSpec) -> None:
        """Grey out datasets the method cannot train on (pix2pix needs pairs, DCGAN plain images) and move the
        selection to the first one it can when the current one does not fit."""
        model = self.dataset_combo.model()
        first_fit = -1
        for row in range(self.dataset_combo.count()):
            fits = fits_data(spec, dataset_spec(self.dataset_combo.itemData(row)).kinds)
            item = model.item(row)
            if item is not None:
                item.setEnabled(fits)
            if fits and first_fit < 0:
                first_fit = row
        current = self.dataset_combo.currentData()
        if current is not None and not fits_data(spec, dataset_spec(current).kinds) and first_fit >= 0:
            self.dataset_combo.setCurrentIndex(first_fit)

    def _set_method_form(self, form: ConfigForm) -> None:
        if self.method_form is not None:
            self.method_form.setParent(None)
            self.method_form.deleteLater()
        self.method_form = form
        self.method_box_layout.addWidget(form)

    def _dataset_changed(self) -> None:
        spec = dataset_spec(self.dataset_combo.currentData())
        self.dataset_summary.setText(spec.summary)
        self.data_form.set_value("channels", spec.default_channels)
        self._show_data_fields_for(spec)
        self._request_preview()

    def _show_data_fields_for(self, spec: DatasetSpec) -> None:
        """Only the data settings that mean something for this dataset: a folder for user data, the direction
        for image-to-image pairs, the upscaling factor for super-resolution."""
        self.data_form.set_field_visible("root", spec.needs_root)
        self.data_form.set_field_visible("direction", spec.kind in ("paired", "unpaired"))
        self.data_form.set_field_visible("scale", spec.kind == "super_resolution")

    def _request_preview(self) -> None:
        """Preview the data the form describes (only while setting up a new run)."""
        if not self.editable:
            return
        try:
            config = self.data_form.build(name=self.dataset_combo.currentData())
        except ConfigError as err:
            self.dataset_preview.description.setText(str(err))
            return
        self.dataset_preview.request(config)
