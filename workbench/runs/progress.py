"""How far a run is, as its events tell it: what the window's status bar and `workbench watch` show.

Feed `Progress.add` every event in order (from the training loop, a worker or an `EventReader`); it keeps the
latest step and its scalars, the rate and ETA, the last checkpoint, the alerts and how the last session ended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from workbench.runs.events import (
    AlertEvent,
    CheckpointEvent,
    ControlEvent,
    Event,
    LayoutEvent,
    MetricEvent,
    RunEndEvent,
    StepEvent,
)


def format_duration(seconds: float | None) -> str:
    """"1:02:03", "2:03", or "–" for an unknown (None, NaN or infinite) duration."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass
class Progress:
    step: int = 0  # the newest finished iteration
    total: int = 0  # the run's length (0: not known yet)
    rate: float = 0.0  # iterations per second at `step`
    eta: float | None = None  # seconds to `total` at that rate
    losses: tuple[str, ...] = ()  # the method's loss names
    scalars: dict[str, float] = field(default_factory=dict)  # every scalar of `step`
    metrics: dict[str, float] = field(default_factory=dict)  # the latest value of each measure
    checkpoint: CheckpointEvent | None = None
    alerts: list[AlertEvent] = field(default_factory=list)
    end: RunEndEvent | None = None  # how the latest session ended (None while it goes on)
    sessions: int = 0  # training sessions seen (a resume starts another)
    paused: bool = False  # the latest pause/resume the trainer recorded was a pause (by any process)

    def add(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            self.step, self.scalars = event.step, event.scalars
            self.rate, self.eta = event.iterations_per_second, event.eta_seconds
            self.total = event.total_steps or self.total
        elif isinstance(event, LayoutEvent):
            self.losses, self.total = event.losses, event.total_steps or self.total
            self.step, self.end, self.rate, self.eta = event.step, None, 0.0, None
            self.sessions += 1
            self.paused = False
        elif isinstance(event, MetricEvent):
            self.metrics[event.name] = event.value
        elif isinstance(event, CheckpointEvent):
            self.checkpoint = event
        elif isinstance(event, AlertEvent):
            self.alerts.append(event)
        elif isinstance(event, ControlEvent) and event.action in ("pause", "resume"):
            self.paused = event.action == "pause"
        elif isinstance(event, RunEndEvent):
            self.end, self.rate, self.eta, self.paused = event, 0.0, None, False

    def loss_text(self) -> str:
        """"loss_d 1.23  loss_g 0.987": the latest losses (every scalar when the loss names are not known)."""
        names = [n for n in self.losses if n in self.scalars] or list(self.scalars)
        return "  ".join(f"{n} {self.scalars[n]:.4g}" for n in names)

    def step_text(self) -> str:
        """"step 120/2000  85.3 it/s  ETA 0:22"."""
        text = f"step {self.step}" + (f"/{self.total}" if self.total else "")
        if self.rate > 0:
            text += f"  {self.rate:.3g} it/s  ETA {format_duration(self.eta)}"
        return text
