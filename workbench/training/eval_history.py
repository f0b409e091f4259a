"""Metric history (`train.eval_every`): the Evaluate tab's quality metrics of the model, every `eval_every` steps,
computed in a background thread while training goes on, and recorded as "eval/<label>" curves at the step they
measure, e.g. "eval/FID [digits-cnn, 500]" (the label states the sample count: these are not the 5k figures).

Why it cannot change the training, so that a resumed run stays bit-identical:

- At step N the training thread takes a deep copy of the method (networks and their BatchNorm buffers; the
  optimizers and gradient scalers are left out, the noise generator replaced by a fresh one). That copy is the
  only thing the background thread touches, and copying it is all the training waits for.
- Scoring draws only from its own seeded generators (`workbench.metrics.model_scores`), never from the global
  torch or Python random number generators, which the training's checkpoints carry. The dataset classifier is
  loaded by the training thread itself (`ClassCoverageProbe`, under a forked RNG) and only read afterwards.
- The thread runs torch on one intra-op thread (per-thread in OpenMP: the trainer's own count is untouched) at a
  lower CPU priority (Linux: nice is per thread). It is named "eval-step-<N>".

The loop asks `collect()` after every step, which hands over a finished evaluation's MetricEvents (tagged with
the step it measured, so the run store and the window's curves take them like any other measure; while a run is
paused, one finished meanwhile comes with the next step, or with Stop). One evaluation runs at a time: one still
running when the next is due makes that one skipped (said once, then counted). A finished run waits for the
evaluation in flight (its numbers are recorded before the last checkpoint); a stopped run cancels it (between
batches of 250 samples), so that Stop stays prompt; `close()` (the runner's `finally`) cancels and joins whatever
runs, so no thread outlives the run. A run killed while an evaluation runs loses that one point; nothing else.

The dataset classifier (FID & co. and conditional accuracy) is the cached one of `workbench eval`; when it is
not cached yet, the class-coverage helper process trains it (never the trainer) and evaluations are skipped,
with a note, until it is ready.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from workbench.compat import lower_thread_priority, one_torch_thread
from workbench.methods.registry import method_spec
from workbench.metrics.model_scores import (
    TAG_PREFIX,
    ScorePlan,
    nothing_to_measure,
    reference_seed,
    score_model,
    score_plan,
)
from workbench.runs.events import EVALUATION_NOTE, AlertEvent, Event, MetricEvent

EVAL_SEED = 0  # as `workbench eval`: its numbers at a checkpoint's step are the curve's point there
EVAL_NICE = 5  # added to the training thread's nice value


class _Cancelled(Exception):
    """The run stopped or ended while this evaluation ran."""


@dataclass
class _Job:
    step: int
    wall: float  # when the copy was taken: the curve's point is at that step and time
    model: Any  # the cancellable copy of the method at `step`
    classifier: Any | None
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    metrics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failure: str = ""  # what went wrong, in words
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the evaluation thread
    thread: threading.Thread | None = None


class _CancellableModel:
    """The copied method, whose sampling, encoding and decoding check for cancellation first."""

    def __init__(self, model: Any, cancel: threading.Event) -> None:
        self._model, self._cancel = model, cancel

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._model, name)
        if name not in ("sample", "encode", "decode"):
            return value

        def checked(*args: Any, **kwargs: Any) -> Any:
            if self._cancel.is_set():
                raise _Cancelled
            return value(*args, **kwargs)

        return checked


def method_copy(method: Any) -> Any:
    """A deep copy of `method` for evaluation: its networks (weights and buffers) and settings at this moment,
    without optimizers, gradient scalers and schedulers (None in the copy), with a fresh noise generator."""
    memo: dict[int, Any] = {}
    skipped = (torch.optim.Optimizer, torch.amp.GradScaler, torch.optim.lr_scheduler.LRScheduler)
    for value in vars(method).values():
        for item in (value.values() if isinstance(value, dict) else [value]):
            if isinstance(item, skipped):
                memo[id(item)] = None
    for shared in ("config", "settings", "data_info"):  # frozen settings: shared, not copied
        if hasattr(method, shared):
            memo[id(getattr(method, shared))] = getattr(method, shared)
    noise = getattr(method, "noise", None)
    if isinstance(noise, torch.Generator):
        memo[id(noise)] = torch.Generator(device=noise.device)
    with torch.no_grad():
        return copy.deepcopy(method, memo)


class EvalHistory:
    """The background evaluations of one training session (see the module's docstring)."""

    def __init__(self, session: Any, plan: ScorePlan, probe: Any | None, why_empty: str = "",
                 no_extractor: str | None = None) -> None:
        cfg = session.config.train
        self.every = cfg.eval_every
        self.samples = cfg.eval_samples
        self.dataset = session.dataset
        self.plan = plan
        self.probe = probe  # a ClassCoverageProbe (the dataset classifier), or None
        self.why_empty = why_empty  # why nothing applies (an empty plan)
        self.no_extractor = no_extractor  # why there is no FID (no classifier), when there is none
        self.seconds: list[float] = []  # how long each finished evaluation took (wall clock)
        self.cpu_seconds: list[float] = []  # and how much CPU time it used
        self.job: _Job | None = None
        self.skipped = 0  # evaluations skipped because the one before was still running
        self._said: set[str] = set()
        self._references: dict[str, Any] = {}  # extractor name → real images' features (eval threads only)

    @classmethod
    def for_session(cls, session: Any, workspace_root: Path | None) -> EvalHistory | None:
        """The session's evaluator when `train.eval_every` > 0, else None. `workspace_root` holds the dataset
        classifier's cache (None: no classifier, so no FID)."""
        if not session.config.train.eval_every:
            return None
        from workbench.training.class_coverage import ClassCoverageProbe

        info = session.dataset.info
        name = session.config.method_name
        plan = score_plan(session.method, generates=method_spec(name).generates, data_kind=info.kind)
        probe, no_extractor = None, None
        if plan.needs_classifier:
            probe = session.class_probe
            if probe is None and workspace_root is not None:
                probe = ClassCoverageProbe.for_dataset(session.dataset, session.config.data, workspace_root)
            if probe is None:
                no_extractor = (f"no FID/KID/IS during training: dataset {info.name!r} has no class labels to train "
                                "a classifier feature extractor on" if info.num_classes < 2 else
                                "no FID/KID/IS during training: no workspace holds the dataset classifier")
        return cls(session, plan, probe, nothing_to_measure(name, info.name, info.kind) if plan.empty else "",
                   no_extractor)

    # ---- the training thread ------------------------------------------------------------------------------
    def due(self, step: int) -> bool:
        return step > 0 and step % self.every == 0

    def start(self, session: Any) -> Iterator[Event]:
        """Copy the model at this step and score the copy in the background (or say why not)."""
        step = session.step
        if self.plan.empty:
            yield from self._note(step, "empty", f"train.eval_every: nothing to measure: {self.why_empty}; no "
                                                 "evaluation during this run")
            return
        yield from self.collect()
        if self.job is not None:
            self.skipped += 1
            if self.skipped == 1:
                yield self._event(step, f"evaluation of step {step} skipped: the one of step {self.job.step} is "
                                        f"still running (an evaluation takes longer than train.eval_every = "
                                        f"{self.every} steps here; raise it or lower train.eval_samples). Later "
                                        "skips are counted when the run ends.")
            return
        classifier = None
        if self.probe is not None:
            if not self.probe.ready():  # its helper process trains it; never this thread
                yield from self._note(step, "classifier", f"evaluation of step {step} skipped: the "
                                            f"{self.dataset.info.name} "
                                            "classifier (FID, KID, IS) is being trained in a helper process, once "
                                            "per workspace; evaluations start once it is cached")
                return
            classifier = self.probe.classifier
        cancel = threading.Event()
        job = _Job(step, time.time(), _CancellableModel(method_copy(session.method), cancel), classifier, cancel)
        job.thread = threading.Thread(target=self._work, args=(job,), name=f"eval-step-{step}", daemon=True)
        self.job = job
        job.thread.start()

    def collect(self) -> Iterator[Event]:
        """The finished evaluation's events (nothing while it runs: never waits)."""
        job = self.job
        if job is None or not job.done.is_set():
            return
        job.thread.join()
        self.job = None
        for label, value in job.metrics.items():
            yield MetricEvent(job.step, job.wall, TAG_PREFIX + label, value)
        if job.metrics:
            self.seconds.append(job.seconds)
            self.cpu_seconds.append(job.cpu_seconds)
        for note in job.notes:
            yield from self._note(job.step, note, note)
        if job.failure:  # each kind of failure once
            yield from self._note(job.step, job.failure, f"evaluation of step {job.step} failed: {job.failure}")

    def finish(self, step: int) -> Iterator[Event]:
        """The run has done its steps: wait for the evaluation in flight and hand its numbers over."""
        if self.job is not None:
            self.job.done.wait()
            yield from self.collect()
        yield from self._skipped_total(step)

    def stop(self, step: int) -> Iterator[Event]:
        """The run stops: hand over a finished evaluation, cancel one still running."""
        yield from self.collect()
        if self.job is not None:
            measured = self.job.step
            self.close()
            yield self._event(step, f"evaluation of step {measured} cancelled: the run stopped (a stop stays prompt)")
        yield from self._skipped_total(step)

    def close(self) -> None:
        """Cancel the evaluation in flight and join its thread (the runner's `finally`; safe to repeat)."""
        job, self.job = self.job, None
        if job is not None and job.thread is not None:
            job.cancel.set()
            job.thread.join()

    def _skipped_total(self, step: int) -> Iterator[Event]:
        if self.skipped > 1:
            yield self._event(step, f"{self.skipped} evaluations were skipped in this session because the one "
                                    "before was still running")
        self.skipped = 0

    def _note(self, step: int, key: str, message: str) -> Iterator[Event]:
        """A note, once per session for each `key`."""
        if key not in self._said:
            self._said.add(key)
            yield self._event(step, message)

    @staticmethod
    def _event(step: int, message: str) -> AlertEvent:
        return AlertEvent(step, time.time(), EVALUATION_NOTE, message)

    # ---- the evaluation thread -----------------------------------------------------------------------------
    def _work(self, job: _Job) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            lower_thread_priority(EVAL_NICE)
            with one_torch_thread():
                scores = score_model(job.model, self.dataset, self.plan, samples=self.samples, seed=EVAL_SEED,
                                     extractor=job.classifier, classifier=job.classifier,
                                     reference=self._reference(job.classifier), no_extractor=self.no_extractor)
            job.metrics, job.notes = scores.metrics, scores.notes
        except _Cancelled:
            pass
        except Exception as err:  # noqa: BLE001 - training goes on; the note says what failed
            job.failure = f"{type(err).__name__}: {err}"
        finally:
            job.seconds, job.cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu
            job.model = None  # the copy's memory goes now, not at the next evaluation
            job.done.set()

    def _reference(self, extractor: Any | None) -> Any | None:
        """The real images' features for `extractor`, computed once per session (as `workbench eval` draws them)."""
        if extractor is None or not self.plan.images:
            return None
        if extractor.name not in self._references:
            from workbench.metrics.evaluate import reference_features

            self._references[extractor.name] = reference_features(self.dataset, extractor, self.samples,
                                                                  seed=reference_seed(EVAL_SEED))
        return self._references[extractor.name]
