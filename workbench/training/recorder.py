"""Writes training events to the run store as they pass (images and point sets to files, the rest through the
store's typed writer), then hands them on with the file a sample or scatter was written to."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from PIL import Image

from workbench.atomic import atomic_write_bytes
from workbench.runs.events import CheckpointEvent, Event, SampleEvent, ScatterEvent
from workbench.runs.metrics_db import MetricsWriter
from workbench.runs.run import Run


def sample_path(name: str, step: int, suffix: str = ".png") -> str:
    """Path of a stored grid (or, with ".npz", point set), relative to the run folder."""
    return f"samples/{name}_{step:08d}{suffix}"


def write_png(run: Run, event: SampleEvent) -> str:
    relative = sample_path(event.name, event.step)
    buffer = io.BytesIO()
    Image.fromarray(event.image).save(buffer, format="PNG", compress_level=1)
    atomic_write_bytes(run.path / relative, buffer.getvalue())
    return relative


def write_scatter(run: Run, event: ScatterEvent) -> str:
    relative = sample_path(event.name, event.step, ".npz")
    buffer = io.BytesIO()
    np.savez(buffer, **event.series)
    atomic_write_bytes(run.path / relative, buffer.getvalue())
    return relative


def record(events: Iterator[Event], run: Run, writer: MetricsWriter) -> Iterator[Event]:
    for event in events:
        if isinstance(event, SampleEvent) and event.image is not None:
            event = replace(event, path=str(run.path / write_png(run, event)))
        elif isinstance(event, ScatterEvent) and event.series is not None:
            event = replace(event, path=str(run.path / write_scatter(run, event)))
        writer.add(event)
        if isinstance(event, CheckpointEvent):
            run.update(step=event.step)
        yield event
