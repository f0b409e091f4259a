"""How many DDIM steps a diffusion run needs: FID against the real images at several step counts.

Every step count samples the same seeded noises (so only the number of steps differs), scores them with the
same extractor against the same real images, and times the sampling alone: fewer steps are faster, and this
says at what cost in quality. The extractor is the dataset's classifier CNN, exactly as the Evaluate panel
uses it (trained once and cached in the workspace), so a result reads like "FID [digits-cnn, 200]"; it is
comparable only with FIDs of the same extractor and sample count.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.compat import one_blas_thread, one_torch_thread
from workbench.evaluation.run_evaluation import _classifier
from workbench.evaluation.store import EvaluationError
from workbench.latent.diffusion_explorer import DiffusionModel
from workbench.metrics.evaluate import generated_features, metric_label, reference_features
from workbench.metrics.frechet import feature_statistics, frechet_distance
from workbench.metrics.model_scores import reference_seed

Progress = Callable[[str], None]
DEFAULT_STEPS = (5, 10, 20, 50)
DEFAULT_SAMPLES = 200
BATCH = 100  # images sampled at once: small enough to report progress often on a CPU


@dataclass(frozen=True)
class StepPoint:
    steps: int
    fid: float
    seconds: float  # sampling time of all the samples at this step count (not the feature extraction)


@dataclass
class StepSweepResult:
    """FID per DDIM step count, with the extractor and sample count every value depends on."""

    extractor: str
    samples: int
    seed: int
    guidance: float | None
    points: list[StepPoint] = field(default_factory=list)
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """'FID [digits-cnn, 200]': the stored metrics' label, naming extractor and count."""
        return metric_label("FID", self.extractor, self.samples)

    @property
    def title(self) -> str:
        """'FID (digits-cnn features, 200 samples)': for a plot's axis or a table's heading."""
        return f"FID ({self.extractor} features, {self.samples} samples)"

    def text(self) -> str:
        """'FID, digits-cnn features, 200 samples: 10 steps 412.3 (3.1 s), 20 steps …'."""
        points = ", ".join(f"{p.steps} steps {p.fid:.1f} ({p.seconds:.1f} s)" for p in self.points) or "no points"
        tail = " (cancelled)" if self.cancelled else ""
        return f"FID, {self.extractor} features, {self.samples} samples: {points}{tail}"


def parse_steps(text: str | Sequence[int], most: int | None = None) -> list[int]:
    """'5, 10, 20, 50' → [5, 10, 20, 50] (sorted, without repeats); EvaluationError naming a bad entry."""
    items = text.replace(";", ",").replace(" ", ",").split(",") if isinstance(text, str) else list(text)
    values = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        try:
            value = int(item)
        except (TypeError, ValueError):
            raise EvaluationError(f"step counts are whole numbers separated by commas: {item!r} is not") from None
        if value < 1 or (most is not None and value > most):
            raise EvaluationError(f"step count {value} is out of range: 1 … {most or 'T'} (T, the run's noise levels)")
        values.append(value)
    if not values:
        raise EvaluationError("give at least one DDIM step count, e.g. 5, 10, 20, 50")
    return sorted(set(values))


def step_sweep(model: DiffusionModel, steps_list: Sequence[int], n_samples: int, extractor: Any, *,
               seed: int = 0, guidance: float | None = None, progress: Progress | None = None,
               should_stop: Callable[[], bool] | None = None,
               on_point: Callable[[StepPoint], None] | None = None) -> StepSweepResult:
    """FID of `n_samples` samples at every DDIM step count in `steps_list` against as many real images of the run's
    dataset, with `extractor` (`.name` goes into every label). `should_stop()` is asked between batches: a
    cancelled sweep returns the points finished so far. `on_point(point)` hears each one as it is done."""
    if n_samples < 2:
        raise EvaluationError(f"samples must be ≥ 2 (got {n_samples}): FID compares two distributions")
    steps_list = parse_steps(steps_list, model.num_timesteps)
    say = progress or (lambda _text: None)
    stop = should_stop or (lambda: False)
    result = StepSweepResult(extractor.name, int(n_samples), int(seed),
                             (guidance if guidance is not None else model.default_guidance) if model.conditional
                             else None)
    dataset = model.dataset()
    if len(dataset) < n_samples:
        result.notes.append(f"{len(dataset)} real images (fewer than {n_samples} samples)")
    say(f"features of {min(n_samples, len(dataset))} real images ({extractor.name})…")
    reference = reference_features(dataset, extractor, n_samples, seed=reference_seed(seed))
    real_stats = feature_statistics(reference.features)
    for index, steps in enumerate(steps_list):
        if stop():
            result.cancelled = True
            break
        say(f"{steps} DDIM steps ({index + 1} of {len(steps_list)}): sampling {n_samples} images…")
        sample_fn = model.sampler(steps, guidance)
        timed = [0.0]

        def timed_sample(count: int, *, seed: int, sample_fn: Callable = sample_fn, timed: list = timed) -> Any:
            if stop():
                raise _Stopped
            started = time.perf_counter()
            images = sample_fn(count, seed=seed)
            timed[0] += time.perf_counter() - started
            return images

        try:
            fake, _probs = generated_features(timed_sample, extractor, n_samples, seed=seed, batch_size=BATCH)
        except _Stopped:
            result.cancelled = True
            break
        with one_blas_thread():
            fid = float(frechet_distance(*real_stats, *feature_statistics(np.asarray(fake))))
        point = StepPoint(steps, fid, timed[0])
        result.points.append(point)
        if on_point is not None:
            on_point(point)
    return result


class _Stopped(Exception):
    """The user cancelled between two batches."""


def run_step_sweep(model: DiffusionModel, steps_list: Sequence[int], n_samples: int = DEFAULT_SAMPLES, *,
                   workspace_root: str | Path | None = None, seed: int = 0, guidance: float | None = None,
                   progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                   on_point: Callable[[StepPoint], None] | None = None) -> StepSweepResult:
    """`step_sweep` with the dataset's classifier CNN as the Evaluate panel gets it (from the workspace's cache,
    trained there first when missing: `progress` says so), on one torch thread."""
    say = progress or (lambda _text: None)
    dataset = model.dataset()
    if getattr(dataset.info, "kind", "images") != "images":
        raise EvaluationError(f"{dataset.info.name} does not hold images: FID needs images")
    root = Path(workspace_root).expanduser() if workspace_root is not None else \
        (model.run.workspace_root if model.run is not None else None)
    if root is None:
        raise EvaluationError("no workspace to cache the feature extractor in: give workspace_root")
    with one_torch_thread():
        extractor = _classifier(dataset, root, say)
        if extractor is None:
            raise EvaluationError(f"no FID: dataset {dataset.info.name!r} has no class labels to train the in-app "
                                  "feature extractor on")
        return step_sweep(model, steps_list, n_samples, extractor, seed=seed, guidance=guidance, progress=say,
                          should_stop=should_stop, on_point=on_point)
