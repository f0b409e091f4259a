"""The Preferences dialog (File → Preferences…, Ctrl+,): the choices the window remembers between sessions and
applies at once: the device a new run trains on, torch's threads for the window's own training and evaluation,
how often the runs list looks at the disk, the system strip, and whether to reopen the last workspace."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.settings import DEVICES, Preferences, settings_path


class PreferencesDialog(QDialog):
    """Edits a `Preferences`; `preferences()` is what the user chose (read it after `accepted`)."""

    def __init__(self, current: Preferences, available_devices: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferences-dialog")
        self.setWindowTitle("Preferences")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        self.device = QComboBox()
        self.device.setObjectName("preferences-device")
        for name in DEVICES:
            self.device.addItem(name, name)
            if available_devices is not None and name not in available_devices:
                item = self.device.model().item(self.device.count() - 1)
                item.setToolTip(f"{name} is not available on this machine")
        self.device.setToolTip("The device the Training panel proposes for a new run")
        form.addRow("Default device", self.device)

        cores = os.cpu_count() or 1
        self.threads = QSpinBox()
        self.threads.setObjectName("preferences-threads")
        self.threads.setRange(0, max(cores, 1) * 2)
        self.threads.setSpecialValueText("automatic (torch's default)")
        self.threads.setToolTip(f"torch's intra-op threads for training and evaluating in this window "
                                f"(this machine has {cores} cores). Interactive previews always use one thread, "
                                "so that they stay quick while a run trains.")
        form.addRow("Torch threads", self.threads)

        self.refresh = QDoubleSpinBox()
        self.refresh.setObjectName("preferences-refresh")
        self.refresh.setRange(0.25, 60.0)
        self.refresh.setDecimals(2)
        self.refresh.setSingleStep(0.5)
        self.refresh.setSuffix(" s")
        self.refresh.setToolTip("How often the runs list looks for new runs and progress on disk (each look costs "
                                "a file status per run)")
        form.addRow("Runs list refresh", self.refresh)

        self.system_strip = QCheckBox("Show CPU, memory and GPU curves in the status bar")
        self.system_strip.setObjectName("preferences-system-strip")
        form.addRow("System strip", self.system_strip)
        self.reopen = QCheckBox("Open the workspace used last")
        self.reopen.setObjectName("preferences-reopen")
        self.reopen.setToolTip("Unless --workspace or $WORKBENCH_WORKSPACE names one")
        form.addRow("At start-up", self.reopen)

        where = QLabel(f"Stored in {settings_path()}")
        where.setStyleSheet("color: palette(mid); font-size: 11px;")
        where.setWordWrap(True)
        layout.addWidget(where)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.set_preferences(Preferences()))
        layout.addWidget(buttons)
        self.buttons = buttons
        self.set_preferences(current)

    def set_preferences(self, prefs: Preferences) -> None:
        self.device.setCurrentIndex(max(0, self.device.findData(prefs.default_device)))
        self.threads.setValue(prefs.torch_threads)
        self.refresh.setValue(prefs.runs_refresh_s)
        self.system_strip.setChecked(prefs.show_system_strip)
        self.reopen.setChecked(prefs.reopen_last_workspace)

    def preferences(self) -> Preferences:
        return Preferences(default_device=self.device.currentData(), torch_threads=self.threads.value(),
                           runs_refresh_s=self.refresh.value(), show_system_strip=self.system_strip.isChecked(),
                           reopen_last_workspace=self.reopen.isChecked())
