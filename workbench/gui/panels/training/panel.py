"""Training panel: set up a run from generated forms, start / pause / step / stop it, and watch its curves,
diagnostics, sample grids and alerts live.

Everything shown is tailed from the run store (SQLite + sample PNGs), so a run trained by this window, by the
CLI in another process, or by a server writing to a shared disk is watched the same way, and the trainer
never waits for the UI.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data import available_datasets, dataset_spec
from workbench.data.catalog import DatasetSpec
from workbench.evaluation.store import TAG_PREFIX as EVALUATION_TAG_PREFIX
from workbench.gui.panels.training.rate import RateEstimator, format_duration
from workbench.gui.widgets.config_form import ConfigForm
from workbench.gui.widgets.curve_plot import CurvePlot
from workbench.gui.widgets.dataset_preview import DatasetPreview
from workbench.gui.widgets.sample_viewer import SampleViewer
from workbench.gui.widgets.scatter_view import ScatterView
from workbench.methods import available_methods, method_spec
from workbench.methods.registry import MethodSpec, check_data_kind
from workbench.runs import Run, Workspace

TAIL_INTERVAL_MS = 500  # the run store is read twice a second
# Each curve plot repaints new points once a second, a third of a second apart from the others: one repaint
# costs 5-15 ms of the CPU the trainer would use, and three in one event-loop turn delay the UI by that much.
CURVE_REDRAW_MS = 1000


class TrainingPanel(QWidget):
    """Consumes a Workspace and the selected Run; emits `status_changed(dict)` and `run_created(Run)`."""

    status_changed = Signal(dict)
    run_created = Signal(object)
    error_occurred = Signal(str, str)  # message, details

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None
        self.worker = None  # the TrainingWorker of the run this window trains, if any
        self.reader = None
        self._loss_tags: set[str] = set()
        self._rate = RateEstimator()
        self._latest_step = 0
        self._method_form: ConfigForm | None = None
        self.available_devices: list[str] | None = None  # known once torch has been asked

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._build_setup())
        splitter.addWidget(self._build_views())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 1000])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)

        self._tail_timer = QTimer(self)
        self._tail_timer.setInterval(TAIL_INTERVAL_MS)
        self._tail_timer.timeout.connect(self.poll)
        self._tail_timer.start()
        self.new_run_mode()
        QTimer.singleShot(500, self._check_devices)  # after the window is up: asking torch takes seconds

    def _check_devices(self) -> None:
        """Grey out devices this machine lacks (asks torch, so in the background: start-up stays fast)."""
        from workbench.gui.workers import BackgroundTask

        def available() -> list[str]:
            from workbench.training.devices import available_devices

            return available_devices()

        task = BackgroundTask(available, self)
        task.done.connect(self._show_devices)
        task.start()

    def _show_devices(self, devices: list[str]) -> None:
        combo = self.train_form.editor("device")
        model = combo.model()
        for row in range(combo.count()):
            name = combo.itemData(row)
            item = model.item(row)
            item.setEnabled(name in devices)
            item.setToolTip("" if name in devices else f"{name} is not available on this machine")
        self.available_devices = devices

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_setup(self) -> QWidget:
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.run_banner = QLabel()
        self.run_banner.setWordWrap(True)
        self.run_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.run_banner)

        choose = QGroupBox("Model and data")
        form = QFormLayout(choose)
        self.method_combo = QComboBox()
        for spec in available_methods():
            self.method_combo.addItem(f"{spec.name}  ({spec.family})", spec.name)
            self.method_combo.setItemData(self.method_combo.count() - 1, spec.summary, Qt.ItemDataRole.ToolTipRole)
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData("dcgan")))
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.method_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo = QComboBox()
        for spec in available_datasets():
            self.dataset_combo.addItem(spec.name, spec.name)
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, spec.summary, Qt.ItemDataRole.ToolTipRole)
        self.dataset_combo.currentIndexChanged.connect(self._dataset_changed)
        self.dataset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.method_summary = QLabel()
        self.method_summary.setWordWrap(True)
        self.method_summary.setStyleSheet("color: #555;")
        self.dataset_summary = QLabel()
        self.dataset_summary.setWordWrap(True)
        self.dataset_summary.setStyleSheet("color: #555;")
        form.addRow("Method", self.method_combo)
        form.addRow("", self.method_summary)
        form.addRow("Dataset", self.dataset_combo)
        form.addRow("", self.dataset_summary)
        self.dataset_preview = DatasetPreview()
        form.addRow("", self.dataset_preview)
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

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        controls = QWidget()
        row = QHBoxLayout(controls)
        row.setContentsMargins(6, 4, 6, 6)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Create a run with these settings and train it")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue a paused run, or a stopped one from its latest checkpoint")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Run exactly one iteration while paused")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current iteration and write a checkpoint")
        for button, slot in ((self.start_button, self.start_new_run), (self.pause_button, self.pause),
                             (self.resume_button, self.resume), (self.step_button, self.step),
                             (self.stop_button, self.stop)):
            button.clicked.connect(slot)
            row.addWidget(button)

        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(scroll, 1)
        col.addWidget(controls)
        column.setMinimumWidth(340)
        return column

    def _build_views(self) -> QWidget:
        self.loss_plot = CurvePlot("Losses")
        self.diagnostics_plot = CurvePlot("Discriminator outputs and diagnostics")
        self.gradient_plot = CurvePlot("Gradient norms")
        for index, plot in enumerate((self.loss_plot, self.diagnostics_plot, self.gradient_plot)):
            plot.set_redraw_schedule(CURVE_REDRAW_MS, phase_ms=index * CURVE_REDRAW_MS // 3)
        curves = QSplitter(Qt.Orientation.Vertical)  # stacked: one step axis to compare across plots
        for plot in (self.loss_plot, self.diagnostics_plot, self.gradient_plot):
            curves.addWidget(plot)

        self.samples_view = SampleViewer("Samples from a fixed latent batch")
        self.visual_tabs = QTabWidget()
        self.visual_views: dict[str, SampleViewer | ScatterView] = {}
        images = QSplitter(Qt.Orientation.Vertical)
        images.addWidget(self.samples_view)
        images.addWidget(self.visual_tabs)
        images.setSizes([500, 300])

        self.alert_banner = QLabel()
        self.alert_banner.setWordWrap(True)
        self.alert_banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 3px;")
        self.alert_banner.hide()
        self.alerts = QListWidget()
        self.alerts.setToolTip("Alerts and checkpoints of this run")

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(curves)
        top.addWidget(images)
        top.setSizes([520, 480])
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(top)
        vertical.addWidget(self.alerts)
        vertical.setSizes([800, 70])
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.alert_banner)
        layout.addWidget(vertical, 1)
        return box

    # ---- forms -------------------------------------------------------------------------------------------
    def _method_changed(self) -> None:
        name = self.method_combo.currentData()
        spec = method_spec(name)
        self.method_summary.setText(spec.summary)
        self._set_method_form(ConfigForm(spec.settings))
        self._offer_datasets_for(spec)

    def _offer_datasets_for(self, spec: MethodSpec) -> None:
        """Grey out datasets the method cannot train on (pix2pix needs pairs, DCGAN plain images) and move the
        selection to the first one it can when the current one does not fit."""
        model = self.dataset_combo.model()
        first_fit = -1
        for row in range(self.dataset_combo.count()):
            fits = dataset_spec(self.dataset_combo.itemData(row)).kind in spec.data_kinds
            item = model.item(row)
            if item is not None:
                item.setEnabled(fits)
            if fits and first_fit < 0:
                first_fit = row
        current = self.dataset_combo.currentData()
        if current is not None and dataset_spec(current).kind not in spec.data_kinds and first_fit >= 0:
            self.dataset_combo.setCurrentIndex(first_fit)

    def _set_method_form(self, form: ConfigForm) -> None:
        if self._method_form is not None:
            self._method_form.setParent(None)
            self._method_form.deleteLater()
        self._method_form = form
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
        if self.run is not None:
            return
        try:
            config = self.data_form.build(name=self.dataset_combo.currentData())
        except ConfigError as err:
            self.dataset_preview.description.setText(str(err))
            return
        self.dataset_preview.request(config)

    def build_config(self) -> RunConfig:
        """The RunConfig the forms describe; ConfigError names the first invalid field."""
        assert self._method_form is not None
        config = RunConfig(
            method=self._method_form.build(),
            data=self.data_form.build(name=self.dataset_combo.currentData()),
            train=self.train_form.build(),
        )
        check_data_kind(config.method_name, config.data.name, dataset_spec(config.data.name).kind)
        return config

    def _show_config(self, config: RunConfig) -> None:
        self.method_combo.blockSignals(True)
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(config.method_name)))
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

    def _set_forms_editable(self, editable: bool) -> None:
        for widget in (self.method_combo, self.dataset_combo):
            widget.setEnabled(editable)
        for form in (self._method_form, self.data_form, self.train_form):
            if form is not None:
                form.set_read_only(not editable)

    # ---- modes -------------------------------------------------------------------------------------------
    def new_run_mode(self) -> None:
        """Editable forms for a new run; the views are cleared."""
        self._detach_run()
        self.run_banner.setText("<b>New run</b>: choose a method and a dataset, then press Start.")
        self._set_forms_editable(True)
        self.dataset_preview.show()
        if self._method_form is None:
            self._method_changed()
            self._dataset_changed()
        self._update_buttons()

    def set_workspace(self, workspace: Workspace) -> None:
        """New runs are created in `workspace`; a run this window trains goes on where it is."""
        self.workspace = workspace
        self.new_run_mode()

    def show_run(self, run: Run) -> None:
        """Display a stored run (its config read-only) and follow it live."""
        if self.run is not None and self.run.path == run.path:
            return
        self._detach_run()
        self.run = run
        try:
            self._show_config(run.config)
        except ConfigError as err:
            self.error_label.setText(f"Cannot read this run's configuration: {err}")
        self._set_forms_editable(False)
        self.dataset_preview.hide()  # previews are for setting up a new run
        self.reader = run.metrics_reader()
        self.poll()
        self._update_buttons()

    def _detach_run(self) -> None:
        self.run = None
        if self.reader is not None:
            self.reader.close()
        self.reader = None
        self._loss_tags = set()
        self._rate.clear()
        self._latest_step = 0
        for plot in (self.loss_plot, self.diagnostics_plot, self.gradient_plot):
            plot.clear()
        self.samples_view.clear()
        for view in self.visual_views.values():
            view.deleteLater()
        self.visual_views.clear()
        self.visual_tabs.clear()
        self.visual_tabs.hide()
        self.alerts.clear()
        self.alert_banner.hide()
        self.error_label.clear()

    # ---- actions -----------------------------------------------------------------------------------------
    def _ours(self) -> bool:
        return self.worker is not None and self.run is not None and self.worker.run.path == self.run.path

    def start_new_run(self) -> None:
        if self.worker is not None and self.worker.is_alive:
            self.error_label.setText("A run is already training in this window; stop it first.")
            return
        try:
            config = self.build_config()
            from workbench.training.devices import resolve_device  # imports torch: only when starting

            resolve_device(config.train.device)
        except ConfigError as err:
            self.error_label.setText(str(err))
            return
        self.error_label.clear()
        run = self.workspace.create_run(config)
        self.run_created.emit(run)
        self._train(run, paused=False)

    def _train(self, run: Run, paused: bool) -> None:
        from workbench.gui.workers import TrainingWorker

        self.show_run(run)
        self.worker = TrainingWorker(run, self)
        self.worker.finished.connect(self._worker_finished)
        self.worker.errored.connect(self._worker_errored)
        self.worker.start(paused=paused)
        self._update_buttons()

    def pause(self) -> None:
        if self._ours():
            self.worker.pause()
        self._update_buttons()

    def resume(self) -> None:
        if self._ours() and self.worker.is_alive:
            self.worker.resume()
        elif self.run is not None:
            self._continue_stored_run(paused=False)
        self._update_buttons()

    def step(self) -> None:
        if self._ours() and self.worker.is_alive:
            self.worker.step()
        elif self.run is not None:
            self._continue_stored_run(paused=True)
            if self._ours():
                self.worker.step()
        self._update_buttons()

    def stop(self) -> None:
        if self._ours():
            self.worker.stop()
        self._update_buttons()

    def _continue_stored_run(self, paused: bool) -> None:
        if self.worker is not None and self.worker.is_alive:
            self.error_label.setText("Another run is training in this window; stop it first.")
            return
        run = self.run
        try:
            info = run.info()
            if info.status == "finished" and info.step >= run.config.train.steps:
                self.error_label.setText("This run has finished all its steps.")
                return
        except ConfigError as err:
            self.error_label.setText(str(err))
            return
        self.error_label.clear()
        self.run = None  # show_run(run) must rebuild the views: resumed steps replace later records
        self._train(run, paused=paused)

    def _worker_finished(self, status: str) -> None:
        self.poll()
        self._update_buttons()
        self.alerts.addItem(f"Run {status} at step {self._latest_step}.")

    def _worker_errored(self, message: str, details: str) -> None:
        self.poll()
        self._update_buttons()
        self.error_label.setText(f"Training failed: {message}")
        self.alerts.addItem(f"Training failed: {message}")
        self.error_occurred.emit(message, details)

    def shutdown(self, timeout: float = 60.0) -> bool:
        """Stop our training (it writes a checkpoint) and wait for it; used when the window closes."""
        if self.worker is not None and self.worker.is_alive:
            self.worker.stop()
            return self.worker.wait(timeout)
        return True

    # ---- live view ---------------------------------------------------------------------------------------
    def _plot_for(self, tag: str) -> CurvePlot:
        if tag in self._loss_tags or (not self._loss_tags and "loss" in tag):
            return self.loss_plot
        if tag.startswith("grad_norm"):
            return self.gradient_plot
        return self.diagnostics_plot

    def _run_spec(self) -> MethodSpec | None:
        """The selected run's method spec (torch-free), or None when its config cannot be read."""
        try:
            return method_spec(self.run.config.method_name) if self.run is not None else None
        except (ConfigError, OSError, KeyError, ValueError):
            return None

    def _visual_view(self, name: str) -> SampleViewer:
        if name not in self.visual_views:
            words = name.replace("_", " ")
            title = words[:1].upper() + words[1:]  # "cycle_A" → "Cycle A" (capitalize() would lower the A)
            spec = self._run_spec()
            columns = spec.columns_of(name) if spec is not None else ()
            if columns:  # one example per row: name the columns (e.g. real_A | fake_B | rec_A | idt_B)
                title = f"{title} — each row: {'  |  '.join(columns)}"
            view = SampleViewer(title)
            self.visual_views[name] = view
            self.visual_tabs.addTab(view, name.replace("_", " "))
            self.visual_tabs.show()
        return self.visual_views[name]

    def _scatter_view(self, name: str) -> ScatterView:
        if name not in self.visual_views:
            view = ScatterView(name.replace("_", " ").capitalize())
            self.visual_views[name] = view
            self.visual_tabs.addTab(view, name.replace("_", " "))
            self.visual_tabs.show()
        return self.visual_views[name]

    def poll(self) -> None:
        """Tail the run store: new scalars, samples and events since the last poll."""
        if self.reader is None or self.run is None:
            self._emit_status()
            return
        for _, _, kind, message in self.reader.read_new_events():
            self._add_event(kind, message)
        for tag, rows in self.reader.read_new_scalars().items():
            if tag.startswith(EVALUATION_TAG_PREFIX):
                continue  # evaluation results belong to the Evaluate panel, on their own scales
            self._plot_for(tag).append(tag, rows[:, 0], rows[:, 1], rows[:, 2])
            self._latest_step = max(self._latest_step, int(rows[-1, 0]))
            self._rate.add(int(rows[-1, 0]), float(rows[-1, 1]))
        for record in self.reader.read_new_samples():
            path = str(self.run.path / record.path)
            if record.path.endswith(".npz"):
                self._scatter_view(record.name).add_file(record.step, path)
            elif record.name == "samples":
                self.samples_view.add_file(record.step, path)
            else:
                self._visual_view(record.name).add_file(record.step, path)
        # Methods that sample points rather than images (toy GANs) show their scatter instead of a grid, and
        # image-to-image methods (which draw nothing from noise) show only their input | output visuals.
        spec = self._run_spec()
        generates = spec is None or spec.generates
        self.samples_view.setVisible(bool(self.samples_view.steps()) or not self.visual_views or (
            generates and any(isinstance(v, SampleViewer) for v in self.visual_views.values())))
        self.diagnostics_plot.setVisible(bool(self.diagnostics_plot.series_names()) or not self._loss_tags)
        self.gradient_plot.setVisible(bool(self.gradient_plot.series_names()) or not self._loss_tags)
        self._emit_status()
        if not self._ours():
            self._update_buttons()

    def _add_event(self, kind: str, message: str) -> None:
        if kind == "layout":
            self._loss_tags = set(json.loads(message).get("losses", []))
        elif kind.startswith("alert:"):
            self.alerts.addItem(f"⚠ {message}")
            self.alert_banner.setText(f"⚠ {message}")
            self.alert_banner.show()
        elif kind == "checkpoint":
            self.alerts.addItem(f"checkpoint written: {Path(message).name}")

    def _state_text(self) -> str:
        if self._ours() and self.worker.is_alive:
            return "paused" if self.worker.is_paused else "training"
        if self.run is None:
            return "idle"
        try:
            return self.run.info().status
        except ConfigError:
            return "unreadable"

    def _emit_status(self) -> None:
        total = None
        device = ""
        if self.run is not None:
            try:
                total = self.run.config.train.steps
                device = self.run.config.train.device
            except ConfigError:
                pass
        state = self._state_text()
        rate = self._rate.rate() if state in ("training", "running") else 0.0
        if self._ours() and self.worker.latest_step is not None and state == "training":
            rate = self.worker.latest_step.iterations_per_second
        eta = (total - self._latest_step) / rate if (total and rate > 0) else None
        self.status_changed.emit({
            "run": self.run.id if self.run else "",
            "state": state,
            "step": self._latest_step,
            "total": total,
            "rate": rate,
            "eta": format_duration(eta),
            "device": device,
        })

    def _update_buttons(self) -> None:
        alive = self._ours() and self.worker.is_alive
        paused = alive and self.worker.is_paused
        state = self._state_text()
        stored_resumable = (not alive and self.run is not None and state in ("stopped", "interrupted", "failed",
                                                                              "created"))
        idle = self.worker is None or not self.worker.is_alive
        self.start_button.setEnabled(self.run is None and idle)
        self.pause_button.setEnabled(alive and not paused)
        self.resume_button.setEnabled(paused or (stored_resumable and idle))
        self.step_button.setEnabled(paused or (stored_resumable and idle))
        self.stop_button.setEnabled(alive)
        if self.run is not None:
            where = "this window" if alive else ("another process" if state == "running" else "")
            self.run_banner.setText(
                f"<b>Run</b> {self.run.id}<br>status: <b>{state}</b>" + (f" (trained by {where})" if where else "")
            )


__all__ = ["TrainingPanel"]
