"""What happens to a run, as types: the training loop yields these, the run store records them, and its reader
(`workbench.runs.event_reader.EventReader`) gives the same types back to the window and the CLI.

Plain CPU data only (numbers, strings, uint8 / float32 numpy arrays): they cross threads and processes. A sample
or scatter comes from the loop with its array; once recorded it also carries its file (`path`, absolute), and
read back from the store it carries only the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LayoutEvent:
    """A training session starts at `step`: the method's loss names (drawn together on the loss plot) and the
    run's length. Anything recorded after `step` by an earlier session has been discarded (a resume replays it)."""

    step: int
    wall: float
    losses: tuple[str, ...]
    total_steps: int = 0  # 0: not recorded (stores written before it was)


@dataclass(frozen=True)
class StepEvent:
    """One finished iteration: every scalar the method reported, and the loop's own timings.

    Read back from the store, the rate and ETA are recomputed from the recorded wall times."""

    step: int
    wall: float  # unix time, as TensorBoard records it
    scalars: dict[str, float]
    iterations_per_second: float
    eta_seconds: float | None
    total_steps: int


@dataclass(frozen=True)
class SampleEvent:
    """A named image grid (uint8 H×W×C) at a step: the fixed-latent samples or a method's visuals."""

    step: int
    wall: float
    name: str
    image: np.ndarray | None = field(default=None, repr=False, compare=False)
    path: str = ""  # the PNG in the run folder, once recorded


@dataclass(frozen=True)
class ScatterEvent:
    """Named 2-D point sets at a step (e.g. encoded data against the prior), for a live scatter plot."""

    step: int
    wall: float
    name: str
    series: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)  # name → float32 N×2
    path: str = ""  # the .npz in the run folder, once recorded


@dataclass(frozen=True)
class CheckpointEvent:
    step: int
    wall: float
    path: str


@dataclass(frozen=True)
class MetricEvent:
    """A measure of the model at a step (sample diversity, classes covered, MIG, an evaluation), apart from the
    losses of the iteration."""

    step: int
    wall: float
    name: str
    value: float


@dataclass(frozen=True)
class AlertEvent:
    """Something a user should know about now (non-finite loss...), with a plain-language message. Kinds in
    NOTE_KINDS inform (listed as notes, no alert banner); every other kind warns."""

    step: int
    wall: float
    kind: str
    message: str

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS


EVALUATION_NOTE = "evaluation"  # train.eval_every's notes (what was measured, what was skipped)
RESUME_NOTE = "resume"  # how a resumed session was restored (e.g. fresh optimizers)
NOTE_KINDS = frozenset({EVALUATION_NOTE, RESUME_NOTE})


@dataclass(frozen=True)
class ControlEvent:
    """The trainer applied a pause, resume, step or stop at `step`: asked in its own process (`request` 0) or by
    another process through the run's control file (the request's number, see workbench/runs/control.py)."""

    step: int
    wall: float
    action: str
    request: int = 0


@dataclass(frozen=True)
class RunEndEvent:
    """The loop ended: finished (all steps done) or stopped (on request, after a checkpoint)."""

    step: int
    wall: float
    status: str


Event = (LayoutEvent | StepEvent | SampleEvent | ScatterEvent | CheckpointEvent | MetricEvent | AlertEvent
         | ControlEvent | RunEndEvent)
