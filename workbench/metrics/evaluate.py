"""Score a generator: FID, KID, IS, precision/recall and mode coverage in one call, every number labelled with
the feature extractor and sample count that produced it, e.g. "FID [digits-cnn, 5k]".

A small-CNN result is never called an Inception FID: the label carries the extractor's own name, and only
`InceptionExtractor` with the FID weights is named "inception-v3".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.compat import one_blas_thread
from workbench.metrics.frechet import feature_statistics, frechet_distance
from workbench.metrics.inception_score import inception_score
from workbench.metrics.kid import kernel_inception_distance
from workbench.metrics.mode_coverage import mode_coverage
from workbench.metrics.precision_recall import precision_recall

SampleFn = Callable[..., torch.Tensor]  # sample_fn(count, seed=...) -> images in [-1, 1], like Method.sample


def count_text(n: int) -> str:
    """5000 → '5k', 10000 → '10k', 1797 → '1797'."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def metric_label(metric: str, extractor_name: str, n: int, n_real: int | None = None) -> str:
    """'FID [digits-cnn, 5k]'; with a different number of real images: 'FID [digits-cnn, 5k, 1797 real]'."""
    tail = "" if n_real is None or n_real == n else f", {count_text(n_real)} real"
    return f"{metric} [{extractor_name}, {count_text(n)}{tail}]"


def _outputs(extractor: Any, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    if hasattr(extractor, "features_and_probabilities"):
        return extractor.features_and_probabilities(images)
    return extractor.features(images), extractor.probabilities(images)


@dataclass
class ReferenceFeatures:
    """Features (and class probabilities) of real images, computed once and reused across evaluations."""

    extractor_name: str
    features: np.ndarray
    probabilities: np.ndarray | None

    @property
    def count(self) -> int:
        return int(self.features.shape[0])


def reference_features(real: Any, extractor: Any, n: int = 5000, *, seed: int = 0,
                       batch_size: int = 500) -> ReferenceFeatures:
    """Features of up to `n` real images: a tensor N×C×H×W in [-1, 1], or a dataset with `get_batch` (a seeded
    random subset of n items, or all of them when the dataset is smaller)."""
    feats, probs = [], []
    if isinstance(real, torch.Tensor):
        chunks = (real[i:i + batch_size] for i in range(0, min(n, real.shape[0]), batch_size))
    else:
        order = torch.randperm(len(real), generator=torch.Generator().manual_seed(seed))[:n]
        chunks = (real.get_batch(idx)[0] for idx in order.split(batch_size))
    for images in chunks:
        f, p = _outputs(extractor, images)
        feats.append(f.double().numpy())
        if p is not None:
            probs.append(p.double().numpy())
    return ReferenceFeatures(extractor.name, np.concatenate(feats), np.concatenate(probs) if probs else None)


def generated_features(sample_fn: SampleFn, extractor: Any, n: int, *, seed: int = 0, batch_size: int = 250
                       ) -> tuple[np.ndarray, np.ndarray | None]:
    """Features and probabilities of n generated images, drawn in batches with seeds seed, seed+1, ..."""
    feats, probs = [], []
    done = 0
    for i in range((n + batch_size - 1) // batch_size):
        count = min(batch_size, n - done)
        images = sample_fn(count, seed=seed + i)
        f, p = _outputs(extractor, images.detach().cpu())
        feats.append(f.double().numpy())
        if p is not None:
            probs.append(p.double().numpy())
        done += count
    return np.concatenate(feats), (np.concatenate(probs) if probs else None)


def evaluate_generator(sample_fn: SampleFn, real_images: Any, extractor: Any, n: int = 5000, *, seed: int = 0,
                       batch_size: int = 250, kid_subsets: int = 100, kid_subset_size: int = 1000, k: int = 3,
                       is_splits: int = 10) -> dict[str, float]:
    """FID, KID (mean and std), IS (mean and std), precision, recall and — for a dataset classifier — the
    classes covered and KL from uniform, of `n` samples from `sample_fn(count, seed=...)` against real images.

    `real_images` is a tensor, a dataset with `get_batch`, or a `ReferenceFeatures` computed earlier with the
    same extractor. Keys are labels naming the extractor and counts, e.g. "FID [digits-cnn, 5k]".
    """
    if isinstance(real_images, ReferenceFeatures):
        if real_images.extractor_name != extractor.name:
            raise ValueError(f"reference features come from {real_images.extractor_name}, not {extractor.name}")
        ref = real_images
    else:
        ref = reference_features(real_images, extractor, n, seed=seed + 1_000_003)
    fake, fake_probs = generated_features(sample_fn, extractor, n, seed=seed, batch_size=batch_size)
    name, n_real = extractor.name, ref.count

    def label(metric: str) -> str:
        return metric_label(metric, name, n, n_real)

    with one_blas_thread():
        return _scores(ref, fake, fake_probs, extractor, n, label, kid_subsets=kid_subsets,
                       kid_subset_size=kid_subset_size, seed=seed, k=k, is_splits=is_splits)


def _scores(ref: ReferenceFeatures, fake: np.ndarray, fake_probs: np.ndarray | None, extractor: Any, n: int,
            label: Callable[[str], str], *, kid_subsets: int, kid_subset_size: int, seed: int, k: int,
            is_splits: int) -> dict[str, float]:
    name = extractor.name
    out: dict[str, float] = {}
    out[label("FID")] = frechet_distance(*feature_statistics(ref.features), *feature_statistics(fake))
    kid_mean, kid_std = kernel_inception_distance(ref.features, fake, subsets=kid_subsets,
                                                  subset_size=kid_subset_size, seed=seed)
    out[label("KID")], out[label("KID std")] = kid_mean, kid_std
    precision, recall = precision_recall(ref.features, fake, k=k)
    out[label("precision")], out[label("recall")] = precision, recall
    if fake_probs is not None:
        is_mean, is_std = inception_score(fake_probs, splits=is_splits)
        out[metric_label("IS", name, n)], out[metric_label("IS std", name, n)] = is_mean, is_std
        class_names = getattr(extractor, "class_names", ())
        if class_names:  # a classifier of the training data's own classes
            cov = mode_coverage(fake_probs.argmax(1), len(class_names))
            out[metric_label(f"classes covered (of {len(class_names)})", name, n)] = float(cov.covered)
            out[metric_label("KL from uniform", name, n)] = cov.kl_from_uniform
    return out
