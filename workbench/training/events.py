"""Events the training loop yields. Plain CPU data only (floats, uint8 numpy arrays): they cross threads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class StepEvent:
    """One finished iteration: every scalar the method reported, and the loop's own timings."""

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
    image: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ScatterEvent:
    """Named 2-D point sets at a step (e.g. encoded data against the prior), for a live scatter plot."""

    step: int
    wall: float
    name: str
    series: dict[str, np.ndarray] = field(repr=False)  # series name → float32 N×2


@dataclass(frozen=True)
class CheckpointEvent:
    step: int
    wall: float
    path: str


@dataclass(frozen=True)
class MetricEvent:
    step: int
    wall: float
    name: str
    value: float


@dataclass(frozen=True)
class AlertEvent:
    """Something a user should know about now (non-finite loss...), with a plain-language message."""

    step: int
    wall: float
    kind: str
    message: str


@dataclass(frozen=True)
class RunEndEvent:
    """The loop ended: finished (all steps done) or stopped (on request, after a checkpoint)."""

    step: int
    wall: float
    status: str


Event = StepEvent | SampleEvent | ScatterEvent | CheckpointEvent | MetricEvent | AlertEvent | RunEndEvent
