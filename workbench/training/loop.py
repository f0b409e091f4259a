"""The training loop: a plain generator of events.

The CLI prints a progress bar from it, the GUI worker forwards it to the window, the recorder writes it to
the run store, and tests drive it synchronously. It never waits for its consumers beyond the `yield`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.images import image_grid
from workbench.methods.capabilities import ScatterPreview
from workbench.methods.registry import method_spec
from workbench.runs.events import (
    RESUME_NOTE,
    AlertEvent,
    CheckpointEvent,
    ControlEvent,
    Event,
    MetricEvent,
    RunEndEvent,
    SampleEvent,
    ScatterEvent,
    StepEvent,
)
from workbench.training.allocator import keep_freed_memory
from workbench.training.checkpoints import NonFiniteStateError
from workbench.training.control import TrainingControl
from workbench.training.diversity import diversity_ratio
from workbench.training.eval_history import EvalHistory
from workbench.training.guards import default_guards
from workbench.training.session import TrainingSession

GPU_MEMORY_METRIC = "gpu_memory_peak_gib"


def sample_events(session: TrainingSession) -> Iterator[SampleEvent | ScatterEvent | MetricEvent]:
    """The fixed-latent sample grid, the method's named visuals as uint8 grids, and its scatters if any.

    A `ScatterPreview` method offers `scatter(batch) -> {name: {series: N×2 array}}` (e.g. an adversarial
    autoencoder's codes against its prior); those become ScatterEvents. Two reserved keys draw a background:
    "__surface__" (an H×W array, e.g. a discriminator's output over the plane) and "__extent__" (x0, x1, y0, y1).
    """
    n = session.config.train.sample_count
    now = time.time()
    spec = method_spec(session.config.method_name)
    # Image-to-image methods draw nothing from noise: their visuals (input | output | target) are the view.
    samples = session.method.sample(n, seed=session.sample_seed) if spec.generates else torch.empty(0)
    if samples.ndim == 4:  # images N×C×H×W; a method of 2-D points (toy_gan) shows them in its scatter instead
        yield SampleEvent(session.step, now, "samples", image_grid(samples))
    elif samples.ndim == 5:  # voxel grids N×1×D×H×W: rendered thumbnails (pyvista, loaded only for voxel runs)
        from workbench.data.voxel_render import thumbnail_grid

        yield SampleEvent(session.step, now, "samples", thumbnail_grid(samples.detach().float().cpu().numpy()))
    if samples.ndim == 4 and samples.shape[1:] == session.visual_batch[0].shape[1:]:
        ratio = diversity_ratio(samples, session.visual_batch[0])
        yield MetricEvent(session.step, now, "sample_diversity", ratio)
        if session.class_probe is not None:
            covered = session.class_probe.classes_covered(samples)
            if covered is not None:
                yield MetricEvent(session.step, now, "classes_covered", float(covered))
    for name, images in session.method.visuals(session.visual_batch).items():
        columns = spec.columns_of(name)  # one example per row, one column per named image
        yield SampleEvent(session.step, now, name, image_grid(images, nrow=len(columns) or 8))
    if isinstance(session.method, ScatterPreview):
        for name, series in session.method.scatter(session.visual_batch).items():
            arrays = {k: np.asarray(v, dtype=np.float32) if k.startswith("__")
                      else np.asarray(v, dtype=np.float32).reshape(-1, 2) for k, v in series.items()}
            yield ScatterEvent(session.step, now, name, arrays)


def device_memory_events(session: TrainingSession) -> Iterator[MetricEvent]:
    """On CUDA, the most GPU memory the run's tensors held since the last sample grid (GiB, this process): a curve
    any window draws, whichever process trains the run, to see how close a batch size is to out-of-memory."""
    if session.device.type != "cuda":
        return
    peak = torch.cuda.max_memory_allocated(session.device) / 2**30
    torch.cuda.reset_peak_memory_stats(session.device)
    yield MetricEvent(session.step, time.time(), GPU_MEMORY_METRIC, peak)


def disentanglement_events(session: TrainingSession, probe: Any) -> Iterator[MetricEvent]:
    """MIG, DCI and SAP of the probe's fixed data sample (train.disentanglement_every)."""
    now = time.time()
    for name, value in probe.scores().items():
        yield MetricEvent(session.step, now, name, value)


def _disentanglement_probe(session: TrainingSession) -> Any:
    if not session.config.train.disentanglement_every:
        return None
    from workbench.metrics.disentanglement.probe import DisentanglementProbe  # sklearn: only when asked for

    return DisentanglementProbe.for_session(session)


def resume_note(session: TrainingSession) -> AlertEvent:
    """Say that the restored checkpoint had no optimizer state (a shipped example's, or one saved without it):
    Adam's moments start at zero, so the first steps move differently from an uninterrupted run."""
    names = ", ".join(session.fresh_optimizers)
    return AlertEvent(session.step, time.time(), RESUME_NOTE,
                      f"the checkpoint at step {session.step} has no optimizer state ({names}): training goes on "
                      "from its weights with fresh optimizers (their moments start at zero)")


def _non_finite(scalars: dict[str, float]) -> list[str]:
    return [k for k, v in scalars.items() if not math.isfinite(v)]


def train(session: TrainingSession, control: TrainingControl | None = None,
          checkpoint_dir: Path | None = None, before_checkpoint: Callable[[], None] | None = None,
          evaluator: EvalHistory | None = None) -> Iterator[Event]:
    """Run `session` to its configured number of steps, yielding events; honours pause/step/stop.

    `before_checkpoint` runs just before a checkpoint is written (the run store commits every row recorded so
    far): once checkpoint N is on disk, nothing recorded up to step N can be lost. `evaluator` scores copies of the
    model in the background (train.eval_every); its caller closes it.
    """
    control = control or TrainingControl()
    if session.device.type == "cpu":
        keep_freed_memory()  # no page faults each step for the memory the last one freed (training/allocator.py)
    cfg = session.config.train
    recent: deque[float] = deque(maxlen=50)
    last_saved = session.step
    guards = default_guards()

    def watch(scalars: dict[str, float]) -> Iterator[AlertEvent]:
        for guard in guards:
            message = guard.observe(session.step, scalars)
            if message:
                yield AlertEvent(session.step, time.time(), guard.kind, message)

    def samples_and_metrics() -> Iterator[Event]:
        for event in chain(sample_events(session), device_memory_events(session)):
            yield event
            if isinstance(event, MetricEvent):
                yield from watch({event.name: event.value})

    def halt(what: str) -> AlertEvent:
        """Stop trusting the model: pause, write no checkpoint from this state, and say so."""
        session.healthy = False
        if session.is_main:  # the others wait for process 0's decision (a paused one would never resume)
            control.pause()
        return AlertEvent(
            session.step, time.time(), "non_finite",
            f"{what}. Training is paused and no checkpoint will be written from this state; the last good "
            f"checkpoint (step {last_saved}) is kept. Lower the learning rate or change the loss, then resume from "
            "that checkpoint.",
        )

    def out_of_memory() -> AlertEvent:
        """The device ran out of memory in a step: pause with what to lower, rather than fail the run. Part of
        the step may have been applied (D updated, G not), so no checkpoint is written from here on."""
        session.healthy = False
        control.pause()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        batch = session.config.data.batch_size
        return AlertEvent(
            session.step, time.time(), "out_of_memory",
            f"{session.device.type.upper()} out of memory in step {session.step + 1} (data.batch_size {batch}, "
            f"data.image_size {session.config.data.image_size}). Training is paused and the last good checkpoint "
            f"(step {last_saved}) is kept. Stop, then start a new run from this config with a smaller "
            f"data.batch_size (e.g. {max(1, batch // 2)}), smaller images or networks, or mixed precision.",
        )

    def checkpoint() -> Iterator[CheckpointEvent | AlertEvent]:
        nonlocal last_saved
        if checkpoint_dir is None or not session.healthy or session.step == last_saved:
            return
        if before_checkpoint is not None:
            before_checkpoint()
        try:
            path = session.save(checkpoint_dir, keep_last=cfg.keep_checkpoints)
        except NonFiniteStateError as err:  # weights went bad before any loss showed it
            yield halt(str(err))
            return
        last_saved = session.step
        yield CheckpointEvent(session.step, time.time(), str(path))

    def control_events(changes: list[tuple[str, int]]) -> Iterator[ControlEvent]:
        """What was paused, resumed, stepped or stopped (by this process or, through the run's control file,
        another), recorded at the step where it takes effect."""
        for action, request in changes:
            yield ControlEvent(session.step, time.time(), action, request)

    probe = _disentanglement_probe(session) if session.is_main else None  # process 0 measures

    def disentanglement_due() -> bool:
        return probe is not None and session.step % cfg.disentanglement_every == 0

    if session.fresh_optimizers:
        yield resume_note(session)
    if session.step == 0 and session.is_main:
        yield from samples_and_metrics()  # what the untrained model makes: the baseline to compare with
        if disentanglement_due():
            yield from disentanglement_events(session, probe)
    while session.step < cfg.steps:
        # a pause is recorded (and the steps before it committed) before it waits
        yield from control_events(control.changes())
        allowed = session.agreed(control.wait_for_permission())  # a data-parallel run: process 0 decides
        yield from control_events(control.granted_changes())  # what ended the wait, nothing asked after it
        if not allowed:
            if evaluator is not None:
                yield from evaluator.stop(session.step)
            yield from checkpoint()
            yield RunEndEvent(session.step, time.time(), "stopped")
            return
        try:
            scalars = session.gathered(session.method.train_step(session.next_batch()))
        except torch.OutOfMemoryError:
            if session.distributed is not None:  # the other processes wait in a collective: end the group
                raise
            yield out_of_memory()
            continue
        session.step += 1
        now = time.monotonic()
        recent.append(now)
        rate = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 1 and recent[-1] > recent[0] else 0.0
        eta = (cfg.steps - session.step) / rate if rate > 0 else None
        yield StepEvent(session.step, time.time(), scalars, rate, eta, cfg.steps)

        bad = _non_finite(scalars)
        if bad:
            yield halt(f"{', '.join(bad)} became non-finite at step {session.step}")
        else:
            yield from watch(scalars)
        if session.is_main and (session.step % cfg.sample_every == 0 or session.step == cfg.steps):
            yield from samples_and_metrics()
        if disentanglement_due() and session.healthy and session.is_main:
            yield from disentanglement_events(session, probe)
        if evaluator is not None:  # a finished evaluation's numbers; a new one when due (never waits)
            yield from evaluator.collect()
            if evaluator.due(session.step) and session.healthy:
                yield from evaluator.start(session)
        if session.step % cfg.checkpoint_every == 0:
            yield from checkpoint()
    if evaluator is not None:
        yield from evaluator.finish(session.step)
    yield from checkpoint()
    yield RunEndEvent(session.step, time.time(), "finished")
