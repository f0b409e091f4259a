"""Training panel: set up a run from generated forms, start / pause / step / stop it, and watch its curves,
diagnostics, sample grids and alerts live.

The pieces: `form.RunForm` (the settings), `controls.RunControls` (the buttons and this window's trainer) and
`live.LiveView` (one run's views, fed by typed events). A run trained here is shown from its worker's events; any
other run from its store, so a run trained by the CLI, another window or a server writing to a shared disk is
watched the same way, and the trainer never waits for the UI. The view of the run trained here lives on while
another run is shown, so coming back to it loses nothing.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from workbench.config import ConfigError
from workbench.gui.panels.base import PanelBase
from workbench.gui.panels.training.controls import RunControls
from workbench.gui.panels.training.form import RunForm
from workbench.gui.panels.training.live import LiveView
from workbench.gui.settings import remember_splitters
from workbench.runs import Run, RunError, Workspace
from workbench.runs.examples import is_example
from workbench.runs.progress import format_duration
from workbench.runs.run import file_version

STATE_INTERVAL_MS = 1000  # run.toml (the status a trainer elsewhere writes) is looked at once a second
RATE_SHOWN_S = 1.0  # the status bar's step follows every update, its rate and ETA (noisy) change once a second
STATUS_MS = 120  # updates of the shown run are told to the status bar at most this often (each one repaints it)


def _shown(name: str) -> property:
    """A widget of the view shown (loss_plot, samples_view...), as the panel's own."""
    return property(lambda panel: getattr(panel.view, name), doc=f"The shown run's {name.replace('_', ' ')}.")


class TrainingPanel(PanelBase):
    """Consumes a Workspace and the selected Run; emits `status_changed(dict)` and `run_created(Run)`."""

    loss_plot = _shown("loss_plot")
    diagnostics_plot = _shown("diagnostics_plot")
    gradient_plot = _shown("gradient_plot")
    samples_view = _shown("samples_view")
    visual_views = _shown("visual_views")
    alerts = _shown("alerts")
    alert_banner = _shown("alert_banner")

    status_changed = Signal(dict)
    run_created = Signal(object)
    example_continue_requested = Signal(object, bool)  # Resume/Step on a shipped example: copy it first
    error_occurred = Signal(str, str)  # message, details

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="training", status_in_bar=False)
        self.form = RunForm()
        self.controls = RunControls()
        self.controls.connect_actions(self.start_new_run, self.pause, self.resume, self.step, self.stop)
        for name in ("method_combo", "dataset_combo", "data_form", "train_form"):
            setattr(self, name, getattr(self.form, name))
        for name in ("start_button", "pause_button", "resume_button", "step_button", "stop_button"):
            setattr(self, name, getattr(self.controls, name))
        self.views = QStackedWidget()
        self.view = LiveView(None)  # the run shown (an empty view while a new run is set up)
        self.views.addWidget(self.view)
        self.own_view: LiveView | None = None  # the run this window trains, shown or not
        self._stored = ("", None)  # the shown run's stored status, and the run.toml version it was read from
        self._last_status: dict | None = None
        self._rate_shown_at = 0.0
        self._refreshed_at = 0.0
        self._shown_state: tuple | None = None  # (run, state, training here) the buttons and banner show

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("training-splitter")  # its sizes are remembered (workbench.gui.settings)
        splitter.addWidget(self._build_setup())
        splitter.addWidget(self.views)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 1000])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)

        self._state_timer = QTimer(self)
        self._state_timer.setInterval(STATE_INTERVAL_MS)
        self._state_timer.timeout.connect(self._refresh)
        self._state_timer.start()
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(lambda: self._refresh(reread=False))
        self.new_run_mode()
        QTimer.singleShot(500, self._check_devices)  # after the window is up: asking torch takes seconds

    def _build_setup(self) -> QWidget:
        self.run_banner = QLabel()
        self.run_banner.setWordWrap(True)
        self.run_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.run_banner)
        layout.addWidget(self.form)
        layout.addStretch(1)
        scroll = self.settings_scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)  # a narrow window clips nothing
        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(scroll, 1)
        self.messages.setContentsMargins(6, 0, 6, 0)
        col.addWidget(self.messages)
        col.addWidget(self.controls)
        column.setMinimumWidth(300)
        return column

    def _check_devices(self) -> None:
        """Grey out devices this machine lacks (asks torch, so in the background: start-up stays fast)."""

        from workbench.gui.workers import BackgroundTask

        def available() -> list[str]:
            from workbench.training.devices import available_devices

            return available_devices()

        task = BackgroundTask(available, self)
        task.done.connect(self.form.show_devices)
        task.start()

    # ---- what the tests, benchmarks and scripts reach through the panel ----------------------------------
    @property
    def _method_form(self):  # noqa: ANN202 - the method's ConfigForm
        return self.form.method_form

    @property
    def available_devices(self) -> list[str] | None:
        return self.form.available_devices

    @property
    def worker(self):  # noqa: ANN201 - the TrainingWorker of the run this window trains, if any
        return self.controls.worker

    def build_config(self):  # noqa: ANN201 - RunConfig
        return self.form.build_config()

    # ---- modes -------------------------------------------------------------------------------------------
    def new_run_mode(self) -> None:
        """Editable forms for a new run; the views are empty (training here, if any, goes on)."""
        self.run = None
        self.clear_error()
        self._set_view(LiveView(None))
        self.run_banner.setText("<b>New run</b>: choose a method and a dataset, then press Start.")
        self.form.new_run()
        self._refresh()

    def new_run_from(self, run: Run) -> None:
        """Set up a new run with `run`'s settings, editable ("New run from this config"); Start creates a new run
        folder, `run` is left as it is."""
        if self._refuse_imported(run):
            return
        try:
            config = run.config
        except ConfigError as err:
            self.show_error(f"Cannot read {run.id}'s configuration: {err}")
            return
        self.new_run_mode()
        self.form.show_config(config, editable=True)
        self.run_banner.setText(f"<b>New run</b> from the settings of {run.id}: change what you like, then press "
                                "Start.")

    def _refuse_imported(self, run: Run) -> bool:
        """Say so and True when `run` is an imported model: nothing trains it, not even a copy of its settings."""
        from workbench.gui.panels.training.controls import imported_refusal
        from workbench.methods.registry import method_spec

        try:
            trainable = method_spec(run.config.method_name).trainable
        except ConfigError:
            return False
        if not trainable:
            self.show_error(imported_refusal(run))
        return not trainable

    def show_run(self, run: Run | None) -> None:
        """Display a stored run (its config read-only) and follow it live; None: set up a new run (a run this
        window trains goes on either way)."""
        if run is None:
            self.new_run_mode()
            return
        if self.run is not None and self.run.path == run.path:
            return
        self._show_settings(run)
        if self.own_view is not None and self.controls.ours(run) and self.controls.training:
            self._set_view(self.own_view)
        else:
            view = LiveView(run)
            self._set_view(view)
            view.watch()
        self._refresh(reread=True)

    def _show_settings(self, run: Run) -> None:
        self.run = run
        self._stored = ("", None)
        self.clear_error()
        try:
            self.form.show_config(run.config)
        except ConfigError as err:
            self.form.hold()
            self.show_error(f"Cannot read this run's configuration: {err}")

    def _set_view(self, view: LiveView) -> None:
        """Show `view`; the one shown before goes away unless it is the live view of this window's training."""
        old = self.view
        if view is old:
            return
        if self.views.indexOf(view) < 0:
            self.views.addWidget(view)
            remember_splitters(view)  # every run's view has the sizes the user gave the last one
            view.updated.connect(self._view_updated)
        self.views.setCurrentWidget(view)
        self.view = view
        if old is not self.own_view or not self.controls.training:
            self._dispose(old)

    def _dispose(self, view: LiveView) -> None:
        if view is self.own_view:
            self.own_view = None
        view.close_view()
        self.views.removeWidget(view)
        view.deleteLater()

    # ---- actions -----------------------------------------------------------------------------------------
    def start_new_run(self) -> None:
        if self.controls.training:
            self.show_error("A run is already training in this window; stop it first.")
            return
        try:
            config = self.form.build_config()
            from workbench.training.devices import resolve_device  # imports torch: only when starting

            resolve_device(config.train.device)
        except ConfigError as err:
            self.show_error(str(err))
            self._point_at(self.form.show_invalid(str(err)))
            return
        processes = self.controls.processes_box.value()
        if processes > 1:
            from workbench.training.distributed import check_batch  # imports torch: only when asked

            try:
                check_batch(config.data.batch_size, processes)
            except ConfigError as err:
                self.show_error(str(err))
                self._point_at(self.form.show_invalid(str(err)))
                return
        self.clear_error()
        run = self.workspace.create_run(config)
        if processes > 1:  # torchrun in a child process; the run is watched like any other process's
            self.controls.launched.launch(run, processes)
        else:
            self._train(run, paused=False)
        self.run_created.emit(run)  # the window selects it: show_run(run) then finds it shown already

    def _point_at(self, editor: QWidget | None) -> None:
        """Scroll an invalid field into view and put the cursor in it (its message is beside Start too)."""
        if editor is not None:
            self.settings_scroll.ensureWidgetVisible(editor, 10, 40)
            editor.setFocus()

    def _train(self, run: Run, paused: bool) -> None:
        """Train `run` here: a view of what it holds, then of what its worker does."""
        self._show_settings(run)
        view = LiveView(run)
        self._set_view(view)
        self.own_view = view
        view.follow()
        self.controls.train(run, paused, view.apply, self._worker_finished, self._worker_errored)
        self._refresh()

    def pause(self) -> None:
        if self._steer("pause"):
            return
        if self.controls.ours(self.run):
            self.worker.pause()
        self._refresh()

    def _steer(self, action: str) -> bool:
        """For a run this window started in several processes: ask it through its control channel (True)."""
        if not self.controls.launched.alive(self.run):
            return False
        try:
            self.controls.launched.request(self.run, action)
            self.clear_error()
        except (RunError, OSError) as err:
            self.show_error(f"Cannot {action} run {self.run.id}: {err}")
        self._refresh()
        return True

    def resume(self) -> None:
        self._go_on(one_step=False)

    def step(self) -> None:
        self._go_on(one_step=True)

    def stop(self) -> None:
        if self._steer("stop"):
            return
        if self.controls.ours(self.run):
            self.worker.stop()
        self._refresh()

    def _go_on(self, one_step: bool) -> None:
        """Resume the run shown, or let it make exactly one step: this window's training, or a stored run, which
        then trains here (paused after the step)."""
        if self._steer("step" if one_step else "resume"):
            return
        if self.run is not None and is_example(self.run) and not self.controls.training:
            self.example_continue_requested.emit(self.run, one_step)  # examples are never written: a copy trains
            return
        if self.run is not None and not (self.controls.ours(self.run) and self.controls.training):
            self._continue_stored_run(paused=one_step)
        if self.controls.ours(self.run) and self.controls.training:
            if one_step:
                self.worker.step()
            else:
                self.worker.resume()
        self._refresh()

    def _continue_stored_run(self, paused: bool) -> None:
        refusal = self.controls.refusal_to_continue(self.run)
        if refusal:
            self.show_error(refusal)
            return
        self.clear_error()
        self._train(self.run, paused=paused)

    def _worker_finished(self, _status: str) -> None:
        self._worker_ended()

    def _worker_errored(self, message: str, details: str) -> None:
        if self.own_view is not None:
            self.own_view.add_note(f"Training failed: {message}")
        self._worker_ended()
        self.show_error(f"Training failed: {message}", details)
        self.error_occurred.emit(message, details)

    def _worker_ended(self) -> None:
        """The run trained here ended: its view reads the store from now on (another process may resume it)."""
        if self.own_view is self.view:
            self.own_view.watch(from_now=True)
        elif self.own_view is not None:  # not shown: it goes away
            self._dispose(self.own_view)
        self._refresh(reread=True)

    def closing_note(self) -> str:
        busy = self.controls.training or self.controls.launched.any_alive()
        return "Stopping training and writing a checkpoint…" if busy else ""

    def shutdown(self, timeout: float = 60.0) -> bool:
        """Stop our training (it writes a checkpoint) and wait for it; used when the window closes."""
        return self.controls.shutdown(timeout)

    # ---- state and status --------------------------------------------------------------------------------
    def poll(self) -> None:
        """Read what is new in the shown run's store and its status now (the views do so on their own timers)."""
        self.view.poll()
        self._refresh(reread=True)

    def _view_updated(self, view: LiveView) -> None:
        if view is not self.view:
            return
        if view.progress.end is not None:
            self._refresh()
        elif time.monotonic() - self._refreshed_at >= STATUS_MS / 1000:
            self._refresh(reread=False)
        elif not self._status_timer.isActive():
            self._status_timer.start()

    def _stored_state(self, reread: bool) -> str:
        """The shown run's status in run.toml. Looked at again only on `reread` (once a second, and when the view
        says the run ended), and read again only when the file changed or when it says running but nothing has
        been recorded for a second (its trainer may have died)."""
        state, seen = self._stored
        if state and not reread:
            return state
        version = file_version(self.run.path / Run.CONFIG_FILE)
        quiet = time.monotonic() - self.view.updated_at > 1.0
        if version != seen or not state or (state == "running" and quiet):
            try:
                state = self.run.info().status
            except ConfigError:
                state = "unreadable"
            self._stored = (state, version)
        return state

    def _refresh(self, reread: bool = True) -> None:
        """Buttons, banner and status bar for the shown run."""
        self._status_timer.stop()
        self._refreshed_at = time.monotonic()
        run = self.run
        trained_here = self.controls.ours(run) and self.controls.training
        stored = self._stored_state(reread) if run is not None and not trained_here else ""
        state = self.controls.state_of(run, stored)
        shown = (run, state, self.controls.training)
        if shown != self._shown_state:  # buttons and banner change with the state, not with every step
            self._shown_state = shown
            self.controls.update_buttons(run, state)
            if run is not None:
                where = ("this window" if trained_here else "torchrun processes this window started"
                         if self.controls.launched.alive(run) else "another process" if state == "running" else "")
                self.run_banner.setText(f"<b>Run</b> {run.id}<br>status: <b>{state}</b>"
                                        + (f" (trained by {where})" if where else ""))
        self._emit_status(state)

    def _emit_status(self, state: str) -> None:
        total, device = None, ""
        if self.run is not None:
            try:
                total = self.run.config.train.steps
                device = self.run.config.train.device
            except ConfigError:
                pass
        progress = self.view.progress
        step = progress.step
        rate = progress.rate if state in ("training", "running") else 0.0
        worker = self.worker
        if self.controls.ours(self.run) and worker.latest_step is not None and state == "training":
            rate = worker.latest_step.iterations_per_second
        eta = (total - step) / rate if (total and rate > 0) else None
        status = {"run": self.run.id if self.run else "", "state": state, "step": step, "total": total,
                  "rate": rate, "eta": format_duration(eta), "device": device}
        last, now = self._last_status, time.monotonic()
        if last is not None and (rate > 0) == (last["rate"] > 0) and now - self._rate_shown_at < RATE_SHOWN_S and \
                all(status[k] == last[k] for k in ("run", "state", "total", "device")):
            status.update(rate=last["rate"], eta=last["eta"])  # the step moves on; rate and ETA once a second
        else:
            self._rate_shown_at = now
        if status != last:
            self._last_status = status
            self.status_changed.emit(status)


__all__ = ["TrainingPanel"]
