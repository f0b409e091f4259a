"""Evaluate a stored run: load its latest checkpoint on CPU, compute the metrics that fit its method and data,
and store them in the run (scalars tagged "eval/<label>" in metrics.sqlite at the checkpoint's step, and
`evaluations/<step>.json`).

What is computed is chosen and scored by `workbench.metrics.model_scores` (shared with the evaluation during
training, `train.eval_every`): FID, KID, IS, precision/recall and mode coverage for image generators, with the
dataset's classifier CNN (trained once and cached in `<workspace>/feature_extractors`, its held-out accuracy
recorded) or InceptionV3 from a local weights file; reconstruction MSE and PSNR for models with `encode` and
`decode`; conditional accuracy; modes covered for 2-D point mixtures.

Every label names the extractor (or criterion) and the counts, e.g. "FID [digits-cnn, 5k]". torch runs on one
intra-op thread while evaluating (restored afterwards): on a shared 2-core machine a second thread only thrashes.
"""

from __future__ import annotations

import time
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
    TAG_PREFIX,
    EvaluationError,
    EvaluationResult,
    Progress,
    evaluations_dir,
    format_value,
    store_evaluation,
    stored_evaluations,
)
from workbench.methods.capabilities import Translator, VoxelGenerator
from workbench.methods.registry import method_spec
from workbench.metrics.model_scores import (  # noqa: F401 - re-exported for callers
    POINTS_THRESHOLD_STD,
    RECONSTRUCTION_IMAGES,
    score_model,
    score_plan,
)
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
    return run.workspace_root


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
    plan = score_plan(method, generates=method_spec(config.method_name).generates, data_kind=info.kind)
    inception_extractor = classifier = None
    if inception is not None and plan.images:  # first: a damaged weights file is reported before minutes of work
        from workbench.metrics.feature_extractors import load_inception_v3

        say("loading InceptionV3…")
        try:
            inception_extractor = load_inception_v3(inception)
        except (FileNotFoundError, ValueError) as err:
            raise EvaluationError(str(err)) from None
    if plan.needs_classifier:
        classifier = _classifier(dataset, root, say)
    extractor = inception_extractor or classifier
    if extractor is not None:
        result.extractor = extractor.name
        if extractor is classifier:
            result.extractor_accuracy = classifier.test_accuracy
            result.extractor_test_images = classifier.record.test_images
    scores = score_model(method, dataset, plan, samples=samples, seed=seed, extractor=extractor,
                         classifier=classifier, say=say)
    result.metrics.update(scores.metrics)
    result.notes.extend(scores.notes)
    if not result.metrics:
        raise EvaluationError(f"nothing to measure for {config.method_name} on {info.name}: "
                              + ("; ".join(result.notes) or "the method neither samples nor reconstructs"))
    return result


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
