"""Writes training events to the run store as they pass, then hands them on unchanged."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
from PIL import Image

from workbench.atomic import atomic_write_bytes
from workbench.runs.metrics_db import MetricsWriter
from workbench.runs.run import Run
from workbench.training.events import (
    AlertEvent,
    CheckpointEvent,
    Event,
    MetricEvent,
    RunEndEvent,
    SampleEvent,
    ScatterEvent,
    StepEvent,
)


def sample_path(name: str, step: int) -> str:
    """Path of a stored grid, relative to the run folder."""
    return f"samples/{name}_{step:08d}.png"


def write_png(run: Run, event: SampleEvent) -> str:
    relative = sample_path(event.name, event.step)
    buffer = io.BytesIO()
    Image.fromarray(event.image).save(buffer, format="PNG", compress_level=1)
    atomic_write_bytes(run.path / relative, buffer.getvalue())
    return relative


def write_scatter(run: Run, event: ScatterEvent) -> str:
    relative = f"samples/{event.name}_{event.step:08d}.npz"
    buffer = io.BytesIO()
    np.savez(buffer, **event.series)
    atomic_write_bytes(run.path / relative, buffer.getvalue())
    return relative


def record(events: Iterator[Event], run: Run, writer: MetricsWriter) -> Iterator[Event]:
    for event in events:
        if isinstance(event, StepEvent):
            writer.add_scalars(event.step, event.wall, event.scalars)
        elif isinstance(event, SampleEvent):
            writer.add_sample(event.step, event.wall, event.name, write_png(run, event))
        elif isinstance(event, ScatterEvent):
            writer.add_sample(event.step, event.wall, event.name, write_scatter(run, event))
        elif isinstance(event, CheckpointEvent):
            writer.add_event(event.step, event.wall, "checkpoint", event.path)
            run.update(step=event.step)
        elif isinstance(event, AlertEvent):
            writer.add_event(event.step, event.wall, f"alert:{event.kind}", event.message)
        elif isinstance(event, MetricEvent):
            writer.add_scalars(event.step, event.wall, {event.name: event.value})
        elif isinstance(event, RunEndEvent):
            writer.flush()
        yield event
