"""Evaluate a stored run: load its latest checkpoint on CPU, compute the metrics that fit its method and data,
and store them in the run (scalars tagged "eval/<label>" in metrics.sqlite at the checkpoint's step, and
`evaluations/<step>.json`).

What is computed:

- every image generator (anything with `sample`): FID, KID, IS, precision/recall and mode coverage, with the
  dataset's classifier CNN (trained once and cached in `<workspace>/feature_extractors`, its held-out accuracy
  recorded) or InceptionV3 from a local weights file;
- models with `encode` and `decode` (autoencoders, VAEs): reconstruction MSE and PSNR on a seeded subset of the
  dataset. The built-in datasets have no held-out split (a run trains on all of them), so the label says
  "training images";
- conditional models: the accuracy with which the dataset classifier recognises the requested class in
  class-conditioned samples;
- 2-D point mixtures (gaussians2d): modes covered and the fraction of high-quality samples (within 3σ).

Every label names the extractor (or criterion) and the counts, e.g. "FID [digits-cnn, 5k]". torch runs on one
intra-op thread while evaluating (restored afterwards): on a shared 2-core machine a second thread only thrashes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.compat import one_torch_thread
from workbench.evaluation.store import (  # noqa: F401 - re-exported for callers
    COPY_RATIO,
    EVALUATIONS_FOLDER,
    NEIGHBOUR_SAMPLES,
    POINTS_THRESHOLD_STD,
    RECONSTRUCTION_IMAGES,
    TAG_PREFIX,
    EvaluationError,
    EvaluationResult,
    Progress,
    evaluations_dir,
    format_value,
    store_evaluation,
    stored_evaluations,
)
from workbench.methods.capabilities import Conditional, Encoder, LatentModel, Translator, VoxelGenerator
from workbench.methods.registry import method_spec
from workbench.metrics.evaluate import count_text, evaluate_generator, metric_label
from workbench.runs.run import Run


def _load_session(run: Run) -> Any:
    """The run's latest checkpoint on CPU (TrainingSession.from_run); EvaluationError when it cannot load."""
    from workbench.training.session import RunLoadError, TrainingSession

    try:
        return TrainingSession.from_run(run)
    except RunLoadError as err:
        raise EvaluationError(str(err)) from None


def _workspace_root(run: Run, workspace_root: str | Path | None) -> Path:
    if workspace_root is not None:
        return Path(workspace_root).expanduser()
    return run.path.parent.parent  # <workspace>/runs/<id>


def require_generator(run: Run) -> None:
    """EvaluationError for image-to-image runs: sample metrics (FID, KID, IS, coverage) need a generator."""
    spec = method_spec(run.config.method_name)
    if spec.offers(VoxelGenerator):
        raise EvaluationError(f"run {run.id} generates voxel grids: the image metrics here do not apply; the Voxels "
                              "tab compares samples with their nearest training shapes (IoU)")
    if not spec.generates:
        pane = "Translation" if spec.offers(Translator) else "Super-resolution"
        raise EvaluationError(f"run {run.id} trains {spec.name!r}, which maps input images to output images "
                              f"instead of sampling from noise: use the {pane} tab to compare its outputs")


def _classifier(dataset: Any, root: Path, progress: Progress) -> Any | None:
    """The dataset's cached classifier CNN (trained on first use), or None for an unlabelled dataset."""
    from workbench.metrics.feature_extractors import dataset_classifier, load_classifier

    info = dataset.info
    if info.num_classes < 2:
        return None
    cached = load_classifier(root, info.name, info.image_size, info.channels)
    if cached is None or cached.class_names != tuple(info.class_names):
        progress(f"training the {info.name}-cnn feature extractor (once; cached in the workspace)…")
    return dataset_classifier(dataset, root)


# ---- evaluation ---------------------------------------------------------------------------------------------
def evaluate_run(run: Run, *, samples: int = 5000, inception: str | Path | None = None, seed: int = 0,
                 workspace_root: str | Path | None = None, store: bool = True,
                 progress: Progress | None = None) -> EvaluationResult:
    """Compute the metrics that fit the run's method and data at its latest checkpoint, and store them.

    `inception` is a local InceptionV3 weights file (pytorch-fid's FID weights); without it the dataset's own
    classifier CNN is the feature extractor. `workspace_root` holds the extractor cache (default: the run's
    workspace). `progress(text)` is called with what is being done. Raises EvaluationError when the run has no
    checkpoint or nothing can be measured.
    """
    if samples < 2:
        raise EvaluationError(f"samples must be ≥ 2 (got {samples})")
    require_generator(run)
    if inception is not None and not Path(inception).expanduser().is_file():
        raise EvaluationError(f"Inception weights file {str(inception)!r} does not exist (it is never downloaded: "
                              "give the path of pt_inception-2015-12-05-6726825d.pth or a .safetensors copy)")
    say = progress or (lambda text: None)
    start = time.perf_counter()
    with one_torch_thread():
        say("loading the latest checkpoint…")
        session = _load_session(run)
        result = _evaluate_session(run, session, samples=samples, inception=inception, seed=seed,
                                   root=_workspace_root(run, workspace_root), say=say)
    result.seconds = time.perf_counter() - start
    if store:
        store_evaluation(run, result)
    return result


def _evaluate_session(run: Run, session: Any, *, samples: int, inception: str | Path | None, seed: int,
                      root: Path, say: Progress) -> EvaluationResult:
    method, dataset = session.method, session.dataset
    info = dataset.info
    config = run.config
    result = EvaluationResult(run.id, session.step, config.method_name, info.name, {}, samples, seed, 0.0)
    if info.kind == "points":
        say(f"sampling {samples} points…")
        result.metrics.update(_points_metrics(method, info, samples, seed))
        return result

    inception_extractor = None
    if inception is not None:  # first: a damaged weights file is reported before minutes of other work
        from workbench.metrics.feature_extractors import load_inception_v3

        say("loading InceptionV3…")
        try:
            inception_extractor = load_inception_v3(inception)
        except (FileNotFoundError, ValueError) as err:
            raise EvaluationError(str(err)) from None
    classifier = _classifier(dataset, root, say)
    extractor = inception_extractor or classifier
    if extractor is not None:
        result.extractor = extractor.name
        if extractor is classifier:
            result.extractor_accuracy = classifier.test_accuracy
            result.extractor_test_images = classifier.record.test_images
    else:
        result.notes.append(f"no FID/KID/IS: dataset {info.name!r} has no class labels to train a classifier "
                            "feature extractor on; give InceptionV3 weights (--inception PATH)")

    if extractor is not None and method_spec(config.method_name).generates:
        say(f"scoring {samples} samples with {extractor.name}…")
        sample_fn, histogram = _sampler(method, classifier if extractor is not classifier else None)
        result.metrics.update(evaluate_generator(sample_fn, dataset, extractor, samples, seed=seed,
                                                 kid_subset_size=min(1000, samples, len(dataset))))
        if histogram is not None and histogram.sum() > 0:  # mode coverage by the dataset classifier
            from workbench.metrics.mode_coverage import kl_from_uniform

            k = classifier.num_classes
            result.metrics[metric_label(f"classes covered (of {k})", classifier.name, samples)] = float(
                (histogram > 0).sum())
            result.metrics[metric_label("KL from uniform", classifier.name, samples)] = kl_from_uniform(histogram)

    if isinstance(method, Encoder) and isinstance(method, LatentModel):
        say("reconstructing images…")
        result.metrics.update(_reconstruction_metrics(method, dataset, samples, seed))

    if classifier is not None and isinstance(method, Conditional):
        say("classifying class-conditioned samples…")
        result.metrics.update(_conditional_accuracy(method, classifier, samples, seed))

    if not result.metrics:
        raise EvaluationError(f"nothing to measure for {config.method_name} on {info.name}: "
                              + ("; ".join(result.notes) or "the method neither samples nor reconstructs"))
    return result


def _sampler(method: Any, mode_classifier: Any | None) -> tuple[Callable[..., torch.Tensor], np.ndarray | None]:
    """method.sample, and (when the main extractor is not the classifier) a class histogram filled as it runs."""
    if mode_classifier is None:
        return method.sample, None
    histogram = np.zeros(mode_classifier.num_classes, dtype=np.int64)

    def sample_fn(count: int, *, seed: int) -> torch.Tensor:
        images = method.sample(count, seed=seed)
        histogram[:] += np.bincount(mode_classifier.predict(images).numpy(), minlength=histogram.shape[0])
        return images

    return sample_fn, histogram


def _points_metrics(method: Any, info: Any, samples: int, seed: int) -> dict[str, float]:
    from workbench.metrics.mode_coverage import points_mode_coverage

    points = method.sample(samples, seed=seed).detach().cpu().double().numpy().reshape(samples, -1)
    cov = points_mode_coverage(points, np.asarray(info.mode_centers), info.mode_std, threshold=POINTS_THRESHOLD_STD)
    where = f"within {POINTS_THRESHOLD_STD:g}σ, {count_text(samples)}"
    return {f"modes covered (of {cov.num_modes}) [{where}]": float(cov.covered),
            f"high-quality fraction [{where}]": cov.high_quality_fraction}


def _reconstruction_metrics(method: Any, dataset: Any, samples: int, seed: int) -> dict[str, float]:
    """Pixel MSE (pixels scaled to [0, 1]) and PSNR of decode(encode(x)) on a seeded subset of the data."""
    n = min(RECONSTRUCTION_IMAGES, samples, len(dataset))
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed + 2_000_003))[:n]
    squared, pixels = 0.0, 0
    with torch.no_grad():
        for chunk in order.split(250):
            x = dataset.get_batch(chunk)[0]
            rec = method.decode(method.encode(x)).detach().cpu().float()
            diff = (rec.clamp(-1, 1) - x) / 2  # [-1, 1] → differences of [0, 1] pixels
            squared += float((diff.double() ** 2).sum())
            pixels += diff.numel()
    mse = squared / pixels
    where = f"[{count_text(n)} training images]"
    return {f"reconstruction MSE, pixels in [0, 1] {where}": mse,
            f"PSNR dB {where}": 10 * math.log10(1.0 / mse) if mse > 0 else float("inf")}


def _conditional_accuracy(method: Any, classifier: Any, samples: int, seed: int) -> dict[str, float]:
    """The fraction of class-conditioned samples that the dataset classifier assigns to the requested class."""
    k = classifier.num_classes
    per_class = max(1, samples // k)
    correct = 0
    for label in range(k):
        done = 0
        while done < per_class:
            count = min(250, per_class - done)
            labels = torch.full((count,), label, dtype=torch.long)
            images = method.sample(count, seed=seed + 7919 * label + done, labels=labels)
            correct += int((classifier.predict(images) == label).sum())
            done += count
    return {metric_label("conditional accuracy", classifier.name, per_class * k): correct / (per_class * k)}


# ---- storage ------------------------------------------------------------------------------------------------
# ---- memorization -------------------------------------------------------------------------------------------
@dataclass
class NeighbourView:
    """Generated samples and their nearest training images, ready to show (all CPU data)."""

    run_id: str
    step: int
    extractor: str
    samples: np.ndarray  # N×H×W×C uint8
    neighbours: np.ndarray  # N×k×H×W×C uint8
    distances: np.ndarray  # N×k
    ratios: np.ndarray  # N×k: distance / typical nearest-neighbour distance within the training set
    typical_distance: float
    copy_ratio: float = COPY_RATIO

    @property
    def likely_copies(self) -> np.ndarray:
        """Per sample: its nearest training image is much closer than training images are to each other."""
        return self.ratios[:, 0] < self.copy_ratio


def to_uint8_hwc(images: torch.Tensor) -> np.ndarray:
    """N×C×H×W in [-1, 1] → N×H×W×C uint8."""
    x = ((images.detach().cpu().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def nearest_neighbour_view(run: Run, *, count: int = NEIGHBOUR_SAMPLES, k: int = 3, seed: int = 0,
                           inception: str | Path | None = None, workspace_root: str | Path | None = None,
                           progress: Progress | None = None) -> NeighbourView:
    """`count` samples from the run's latest checkpoint beside their k nearest training images (features of the
    dataset classifier, or InceptionV3 for unlabelled data when weights are given)."""
    from workbench.metrics.memorization import nearest_training_images

    require_generator(run)
    say = progress or (lambda text: None)
    with one_torch_thread():
        session = _load_session(run)
        dataset = session.dataset
        if dataset.info.kind != "images":
            raise EvaluationError(f"{dataset.info.name} holds 2-D points: the nearest-neighbour view is for images")
        extractor = _classifier(dataset, _workspace_root(run, workspace_root), say)
        if extractor is None and inception is not None:
            from workbench.metrics.feature_extractors import load_inception_v3

            try:
                extractor = load_inception_v3(inception)
            except (FileNotFoundError, ValueError) as err:
                raise EvaluationError(str(err)) from None
        if extractor is None:
            raise EvaluationError(f"dataset {dataset.info.name!r} has no labels for a classifier feature extractor; "
                                  "give InceptionV3 weights to find nearest neighbours")
        say("finding nearest training images…")
        generated = session.method.sample(count, seed=seed)
        report = nearest_training_images(generated, dataset, extractor, k=k, seed=seed)
    return NeighbourView(run.id, session.step, extractor.name, to_uint8_hwc(generated),
                         np.stack([to_uint8_hwc(n) for n in report.neighbours]), report.distances, report.ratio,
                         report.typical_distance)
