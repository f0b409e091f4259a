"""The Training panel's live view of one run: loss, diagnostic and gradient curves, sample grids, the method's
visuals and scatters, alerts and checkpoints, all drawn from the run's typed events.

Where the events come from is the only difference between runs: a run this window trains hands them over from
its worker (`follow`), in batches a tenth of a second apart; any other run (trained by the CLI, another window,
a server writing to a shared disk, or not training at all) is read from its store by an `EventReader` (`watch`)
eight times a second, which costs one PRAGMA when nothing new was recorded. Either way the trainer never waits.
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QSplitter, QTabWidget, QVBoxLayout, QWidget

from workbench.config import ConfigError
from workbench.evaluation.store import TAG_PREFIX as EVALUATION_TAG_PREFIX
from workbench.gui.panels.training.eval_plots import EvalPlots
from workbench.gui.widgets.curve_groups import kind_of, plot_title
from workbench.gui.widgets.curve_plot import CurvePlot
from workbench.gui.widgets.sample_viewer import SampleViewer
from workbench.gui.widgets.scatter_view import ScatterView
from workbench.methods import method_spec
from workbench.methods.registry import MethodSpec
from workbench.runs import Run
from workbench.runs.event_reader import EventReader
from workbench.runs.events import (
    AlertEvent,
    CheckpointEvent,
    Event,
    LayoutEvent,
    MetricEvent,
    RunEndEvent,
    SampleEvent,
    ScatterEvent,
    StepEvent,
)
from workbench.runs.progress import Progress

WATCH_INTERVAL_MS = 125  # a watched run updates 8 times a second; an idle one costs a PRAGMA per tick
# Each curve plot repaints new points once a second, a third of a second apart from the others: one repaint
# costs 5-15 ms of the CPU the trainer would use, and three in one event-loop turn delay the UI by that much.
CURVE_REDRAW_MS = 1000
# New points, grids and point sets are handed to their views twice a second (a view's first ones at once): adding
# a few points costs as much as adding many, the plots show them only at their next repaint anyway, and the grids
# of one step (samples and visuals) then repaint once together.
CURVE_APPEND_MS = 500


def _title(name: str) -> str:
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]  # "cycle_A" → "Cycle A" (capitalize() would lower the A)


class LiveView(QWidget):
    """Everything recorded about `run` (None: an empty view), kept up to date; `updated` after new events."""

    updated = Signal(object)  # this view

    def __init__(self, run: Run | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.spec = self._method_spec()
        self.progress = Progress()  # the step, rate, losses and end the events shown tell
        self.updated_at = 0.0  # time.monotonic() of the latest events
        self.reader: EventReader | None = None
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(WATCH_INTERVAL_MS)
        self._timer.timeout.connect(self.poll)
        self._points: dict[str, tuple[list[int], list[float], list[float]]] = {}  # tag → points not plotted yet
        self._files: list[tuple[SampleViewer | ScatterView, int, str]] = []  # grids and point sets not shown yet
        self._append_timer = QTimer(self)
        self._append_timer.setSingleShot(True)
        self._append_timer.setInterval(CURVE_APPEND_MS)
        self._append_timer.timeout.connect(self._draw_pending)

    def _method_spec(self) -> MethodSpec | None:
        """The run's method spec (torch-free), or None when there is no run or its config cannot be read."""
        try:
            return method_spec(self.run.config.method_name) if self.run is not None else None
        except (ConfigError, OSError, KeyError, ValueError):
            return None

    def _build(self) -> None:
        # Titled by what their tags are (curve_groups), once they come; counts (modes or classes covered, skipped
        # updates) get their own axis, away from the probabilities and ratios of the diagnostics plot.
        self.loss_plot = CurvePlot("Losses")
        self.diagnostics_plot = CurvePlot("Diagnostics")
        self.counts_plot = CurvePlot("Counts")
        self.gradient_plot = CurvePlot("Gradient norms")
        curves = QSplitter(Qt.Orientation.Vertical)  # stacked: one step axis to compare across plots
        for index, plot in enumerate(self.plots):
            plot.set_redraw_schedule(CURVE_REDRAW_MS, phase_ms=index * CURVE_REDRAW_MS // len(self.plots))
            curves.addWidget(plot)
        self.counts_plot.hide()
        self.eval_plots = EvalPlots()  # the run's eval/ curves (train.eval_every), shown once they come
        curves.addWidget(self.eval_plots)

        self.samples_view = SampleViewer("Samples from a fixed latent batch")
        self.visual_tabs = QTabWidget()
        self.visual_tabs.hide()
        self.visual_views: dict[str, SampleViewer | ScatterView] = {}
        images = QSplitter(Qt.Orientation.Vertical)
        images.setObjectName("training-images-splitter")  # named splitters are remembered
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
        top.setObjectName("training-top-splitter")
        top.addWidget(curves)
        top.addWidget(images)
        top.setSizes([520, 480])
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.setObjectName("training-vertical-splitter")
        vertical.addWidget(top)
        vertical.addWidget(self.alerts)
        vertical.setSizes([800, 70])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.alert_banner)
        layout.addWidget(vertical, 1)

    @property
    def plots(self) -> tuple[CurvePlot, CurvePlot, CurvePlot, CurvePlot]:
        return self.loss_plot, self.diagnostics_plot, self.counts_plot, self.gradient_plot

    # ---- where the events come from ----------------------------------------------------------------------
    def watch(self, from_now: bool = False) -> None:
        """Follow the run's store (`from_now`: what it holds is already shown)."""
        if self.run is None:
            return
        self.reader = EventReader(self.run)
        if from_now:
            self.reader.skip_existing()
        self.poll()
        self._timer.start()

    def follow(self) -> None:
        """Show what the store holds now, then take events from this window's trainer through `apply`."""
        self._stop_watching()
        if self.run is not None:
            with closing(EventReader(self.run)) as reader:
                self.apply(reader.read_new())

    def poll(self) -> None:
        if self.reader is not None:
            events = self.reader.read_new()
            if events:
                self.apply(events)

    def _stop_watching(self) -> None:
        self._timer.stop()
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def close_view(self) -> None:
        """Stop reading the store; the widget is going away."""
        self._stop_watching()

    # ---- showing events ----------------------------------------------------------------------------------
    def apply(self, events: list[Event]) -> None:
        """Show `events`. A session that starts before what is shown (a resume replays the steps after its
        checkpoint, and the store has dropped them) redraws the run from the store first."""
        for index, event in enumerate(events):
            if isinstance(event, LayoutEvent) and self.progress.step > event.step:
                self._show(events[:index])
                self.clear()
                if self.reader is not None:  # watching the store: read it again from the start
                    self.reader.close()
                    self.reader = EventReader(self.run)
                    self._show(self.reader.read_new())
                else:  # this window's trainer: what was recorded before its session, then the session
                    with closing(EventReader(self.run)) as reader:
                        self._show([e for e in reader.read_new() if e.step <= event.step and e.wall < event.wall])
                    self._show(events[index:])
                break
        else:
            self._show(events)
        self.updated_at = time.monotonic()
        self.updated.emit(self)

    def add_note(self, text: str) -> None:
        """A line in the alerts list (e.g. why training failed)."""
        self.alerts.addItem(text)

    def _show(self, events: list[Event]) -> None:
        series = self._points
        new_series = False  # a view gets its first data: drawn at once

        def add(tag: str, step: int, wall: float, value: float) -> None:
            nonlocal new_series
            if tag not in series:
                series[tag] = ([], [], [])
                new_series = new_series or self._plot_for(tag).point_count(tag) == 0
            steps, walls, values = series[tag]
            steps.append(step)
            walls.append(wall)
            values.append(value)

        for event in events:
            self.progress.add(event)
            if isinstance(event, StepEvent):
                for tag, value in event.scalars.items():
                    add(tag, event.step, event.wall, value)
            elif isinstance(event, MetricEvent):
                add(event.name, event.step, event.wall, event.value)
            elif isinstance(event, SampleEvent | ScatterEvent):
                view = (self._scatter_view(event.name) if isinstance(event, ScatterEvent) else self.samples_view
                        if event.name == "samples" else self._visual_view(event.name))
                new_series = new_series or not view.steps()
                self._files.append((view, event.step, event.path))
            elif isinstance(event, AlertEvent) and event.is_note:  # a note, not a warning
                self.alerts.addItem(f"ℹ step {event.step}: {event.message}")
            elif isinstance(event, AlertEvent):
                self.alerts.addItem(f"⚠ {event.message}")
                self.alert_banner.setText(f"⚠ {event.message}")
                self.alert_banner.show()
            elif isinstance(event, CheckpointEvent):
                self.alerts.addItem(f"checkpoint written: {Path(event.path).name}")
            elif isinstance(event, RunEndEvent):
                self.alerts.addItem(f"Run {event.status} at step {event.step}.")
        if new_series:
            self._draw_pending()
        elif (series or self._files) and not self._append_timer.isActive():
            self._append_timer.start()

    def _draw_pending(self) -> None:
        self._append_timer.stop()
        points, self._points = self._points, {}
        files, self._files = self._files, []
        for tag, (steps, walls, values) in points.items():
            self._plot_for(tag).append(tag, np.asarray(steps), np.asarray(walls), np.asarray(values, dtype=float))
        for view, step, path in files:
            view.add_file(step, path)
        self._update_visibility()

    def _update_visibility(self) -> None:
        """After new data is drawn (what is shown changes only then)."""
        # Methods that sample points rather than images (toy GANs) show their scatter instead of a grid, and
        # image-to-image methods (which draw nothing from noise) show only their input | output visuals.
        generates = self.spec is None or self.spec.generates
        self.samples_view.setVisible(bool(self.samples_view.steps()) or not self.visual_views or (
            generates and any(isinstance(v, SampleViewer) for v in self.visual_views.values())))
        self.diagnostics_plot.setVisible(bool(self.diagnostics_plot.series_names()) or not self.progress.losses)
        self.gradient_plot.setVisible(bool(self.gradient_plot.series_names()) or not self.progress.losses)
        self.counts_plot.setVisible(bool(self.counts_plot.series_names()))
        for plot, fallback in ((self.diagnostics_plot, "Diagnostics"), (self.counts_plot, "Counts")):
            title = plot_title(plot.series_names(), fallback, self.progress.losses)
            if title != plot.title:  # setting a title lays the plot out and repaints it
                plot.set_title(title)

    def clear(self) -> None:
        self._append_timer.stop()
        self._points, self._files = {}, []
        self.progress = Progress()
        for plot in self.plots:
            plot.clear()
        self.eval_plots.clear()
        self.samples_view.clear()
        for view in self.visual_views.values():
            view.deleteLater()
        self.visual_views.clear()
        self.visual_tabs.clear()
        self.visual_tabs.hide()
        self.alerts.clear()
        self.alert_banner.hide()

    def _plot_for(self, tag: str) -> CurvePlot | EvalPlots:
        if tag.startswith(EVALUATION_TAG_PREFIX):  # metric history and stored evaluations: one tab per metric
            return self.eval_plots
        losses = self.progress.losses
        if tag in losses or (not losses and "loss" in tag):
            return self.loss_plot
        kind = kind_of(tag).name
        return (self.gradient_plot if kind == "gradients" else self.counts_plot if kind == "counts"
                else self.diagnostics_plot)

    def _add_tab(self, name: str, view: SampleViewer | ScatterView) -> None:
        self.visual_views[name] = view
        self.visual_tabs.addTab(view, name.replace("_", " "))
        self.visual_tabs.show()

    def _visual_view(self, name: str) -> SampleViewer | ScatterView:
        if name not in self.visual_views:
            title = _title(name)
            columns = self.spec.columns_of(name) if self.spec is not None else ()
            if columns:  # one example per row: name the columns (e.g. real_A | fake_B | rec_A | idt_B)
                title = f"{title} — each row: {'  |  '.join(columns)}"
            self._add_tab(name, SampleViewer(title))
        return self.visual_views[name]

    def _scatter_view(self, name: str) -> ScatterView:
        if name not in self.visual_views:
            self._add_tab(name, ScatterView(name.replace("_", " ").capitalize()))
        return self.visual_views[name]
