"""The quality measures that fit a trained model, and the scoring of its samples: what `workbench eval` (a stored
checkpoint) and the evaluation during training (`train.eval_every`, on a copy of the live networks) both compute,
so the two give the same numbers under the same labels.

Which measures apply (`score_plan`) is read from the model object the way the runtime-checkable protocols of
`workbench.methods.capabilities` read it (this layer sits below the methods, so it asks for the attributes):

- a generator of images (`sample`): FID, KID, IS, precision/recall and the classes covered, with a feature
  extractor (the dataset's classifier CNN, or InceptionV3);
- a generator of 2-D points (gaussians2d): modes covered and the fraction of high-quality samples (within 3σ);
- `encode` and `decode` (autoencoders, VAEs): reconstruction MSE and PSNR on a seeded subset of the dataset (the
  built-in datasets have no held-out split, so the label says "training images");
- `classes` (conditional models): how often the dataset classifier recognises the requested class.

Every label names the extractor (or criterion) and the counts, e.g. "FID [digits-cnn, 500]". Nothing here draws
from the global random number generators: every draw has its own seeded generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from workbench.metrics.evaluate import ReferenceFeatures, count_text, evaluate_generator, metric_label

RECONSTRUCTION_IMAGES = 1000  # at most this many images are reconstructed
POINTS_THRESHOLD_STD = 3.0
TAG_PREFIX = "eval/"  # scalars of evaluations in a run's metrics.sqlite: "eval/FID [digits-cnn, 500]"

Say = Callable[[str], None]


@dataclass(frozen=True)
class ScorePlan:
    """Which measures apply to a model on its data."""

    images: bool = False  # samples images from noise: FID, KID, IS, precision/recall, classes covered
    points: bool = False  # samples 2-D points of a known mixture: modes covered
    reconstructs: bool = False  # encode and decode: reconstruction MSE / PSNR
    conditional: bool = False  # samples of a requested class: conditional accuracy

    @property
    def empty(self) -> bool:
        return not (self.images or self.points or self.reconstructs or self.conditional)

    @property
    def needs_classifier(self) -> bool:
        """FID & co. (without InceptionV3) and conditional accuracy use the dataset's classifier CNN."""
        return self.images or self.conditional


def score_plan(model: Any, *, generates: bool, data_kind: str) -> ScorePlan:
    """The measures for `model` on data of `data_kind` ("images", "points", ...). `generates`: the method draws its
    outputs from noise as images or points (`MethodSpec.generates`, and not a voxel generator)."""
    images = data_kind == "images"
    has = [callable(getattr(model, name, None)) for name in ("encode", "decode")]
    return ScorePlan(images=generates and images, points=generates and data_kind == "points",
                     reconstructs=images and all(has),
                     conditional=generates and images and bool(getattr(model, "classes", ())))


def nothing_to_measure(method_name: str, dataset_name: str, data_kind: str) -> str:
    """Why a plan is empty, in words."""
    if data_kind == "voxels":
        return (f"{method_name} generates voxel grids: the image metrics do not apply (the Voxels tab compares "
                "samples with their nearest training shapes)")
    if data_kind in ("paired", "unpaired", "super_resolution"):
        return (f"{method_name} maps input images to output images instead of sampling from noise: FID, KID, IS "
                "and reconstruction do not apply (the Translation and Super-resolution tabs compare its outputs)")
    return f"{method_name} on {dataset_name} neither samples nor reconstructs"


@dataclass
class ModelScores:
    """The numbers (label → value) and what could not be measured, in words."""

    metrics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def score_model(model: Any, dataset: Any, plan: ScorePlan, *, samples: int, seed: int, extractor: Any | None,
                classifier: Any | None, reference: ReferenceFeatures | None = None, say: Say | None = None,
                no_extractor: str | None = None) -> ModelScores:
    """Every measure of `plan` on `samples` outputs of `model` (drawn with seeds from `seed`).

    `extractor` gives FID & co. (InceptionV3 or the classifier; None: no FID), `classifier` (the dataset's CNN, or
    None) the classes covered and the conditional accuracy; `reference` caches the real images' features for
    `extractor` between calls (computed here when None); `no_extractor` is the note when `extractor` is None (by
    default: the dataset has no labels, give InceptionV3 weights).
    """
    say = say or (lambda text: None)
    info = dataset.info
    out = ModelScores()
    if plan.points:
        say(f"sampling {samples} points…")
        out.metrics.update(points_metrics(model, info, samples, seed))
    if plan.images:
        if extractor is None:
            out.notes.append(no_extractor or f"no FID/KID/IS: dataset {info.name!r} has no class labels to train a "
                             "classifier feature extractor on; give InceptionV3 weights (--inception PATH)")
        else:
            say(f"scoring {samples} samples with {extractor.name}…")
            out.metrics.update(generator_metrics(model, dataset, extractor, classifier, samples, seed, reference))
    if plan.reconstructs:
        say("reconstructing images…")
        out.metrics.update(reconstruction_metrics(model, dataset, samples, seed))
    if plan.conditional and classifier is not None:
        say("classifying class-conditioned samples…")
        out.metrics.update(conditional_accuracy(model, classifier, samples, seed))
    return out


def generator_metrics(model: Any, real: Any, extractor: Any, classifier: Any | None, samples: int, seed: int,
                      reference: ReferenceFeatures | None = None) -> dict[str, float]:
    """FID, KID, IS, precision/recall of `samples` samples against the real images (`reference`, else a seeded
    subset of the dataset `real`), and the classes they cover by the dataset's classifier."""
    sample_fn, histogram = _sampler(model, classifier if extractor is not classifier else None)
    kid_size = min(1000, samples, reference.count if reference is not None else len(real))
    out = evaluate_generator(sample_fn, reference if reference is not None else real, extractor, samples, seed=seed,
                             kid_subset_size=kid_size)
    if histogram is not None and histogram.sum() > 0:  # mode coverage by the dataset classifier
        from workbench.metrics.mode_coverage import kl_from_uniform

        k = classifier.num_classes
        out[metric_label(f"classes covered (of {k})", classifier.name, samples)] = float((histogram > 0).sum())
        out[metric_label("KL from uniform", classifier.name, samples)] = kl_from_uniform(histogram)
    return out


def reference_seed(seed: int) -> int:
    """The seed of the real images `evaluate_generator` compares `seed`'s samples with."""
    return seed + 1_000_003


def _sampler(model: Any, mode_classifier: Any | None) -> tuple[Callable[..., torch.Tensor], np.ndarray | None]:
    """model.sample, and (when the main extractor is not the classifier) a class histogram filled as it runs."""
    if mode_classifier is None:
        return model.sample, None
    histogram = np.zeros(mode_classifier.num_classes, dtype=np.int64)

    def sample_fn(count: int, *, seed: int) -> torch.Tensor:
        images = model.sample(count, seed=seed)
        histogram[:] += np.bincount(mode_classifier.predict(images).numpy(), minlength=histogram.shape[0])
        return images

    return sample_fn, histogram


def points_metrics(model: Any, info: Any, samples: int, seed: int) -> dict[str, float]:
    """Modes covered and the high-quality fraction of `samples` 2-D points against the mixture's known modes."""
    from workbench.metrics.mode_coverage import points_mode_coverage

    points = model.sample(samples, seed=seed).detach().cpu().double().numpy().reshape(samples, -1)
    cov = points_mode_coverage(points, np.asarray(info.mode_centers), info.mode_std, threshold=POINTS_THRESHOLD_STD)
    where = f"within {POINTS_THRESHOLD_STD:g}σ, {count_text(samples)}"
    return {f"modes covered (of {cov.num_modes}) [{where}]": float(cov.covered),
            f"high-quality fraction [{where}]": cov.high_quality_fraction}


def reconstruction_metrics(model: Any, dataset: Any, samples: int, seed: int) -> dict[str, float]:
    """Pixel MSE (pixels scaled to [0, 1]) and PSNR of decode(encode(x)) on a seeded subset of the data."""
    n = min(RECONSTRUCTION_IMAGES, samples, len(dataset))
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed + 2_000_003))[:n]
    squared, pixels = 0.0, 0
    with torch.no_grad():
        for chunk in order.split(250):
            x = dataset.get_batch(chunk)[0]
            rec = model.decode(model.encode(x)).detach().cpu().float()
            diff = (rec.clamp(-1, 1) - x) / 2  # [-1, 1] → differences of [0, 1] pixels
            squared += float((diff.double() ** 2).sum())
            pixels += diff.numel()
    mse = squared / pixels
    where = f"[{count_text(n)} training images]"
    return {f"reconstruction MSE, pixels in [0, 1] {where}": mse,
            f"PSNR dB {where}": 10 * math.log10(1.0 / mse) if mse > 0 else float("inf")}


def conditional_accuracy(model: Any, classifier: Any, samples: int, seed: int) -> dict[str, float]:
    """The fraction of class-conditioned samples that the dataset classifier assigns to the requested class."""
    k = classifier.num_classes
    per_class = max(1, samples // k)
    correct = 0
    for label in range(k):
        done = 0
        while done < per_class:
            count = min(250, per_class - done)
            labels = torch.full((count,), label, dtype=torch.long)
            images = model.sample(count, seed=seed + 7919 * label + done, labels=labels)
            correct += int((classifier.predict(images) == label).sum())
            done += count
    return {metric_label("conditional accuracy", classifier.name, per_class * k): correct / (per_class * k)}
