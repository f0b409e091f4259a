"""Outliers by likelihood: rank dataset images by how well the model explains them.

For a VAE the score is the ELBO, a lower bound on log p(x) in nats (higher = more likely), computed with the
likelihood the model was trained with; the least likely images are the density-estimation view of outliers
(mislabelled, odd or corrupted examples). Any model with an encoder can instead rank by reconstruction error
(mean squared error per pixel, higher = worse), a cruder but common proxy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.compat import one_torch_thread
from workbench.latent.errors import LatentError

CRITERIA = ("elbo", "reconstruction")
BATCH = 256


@dataclass(frozen=True)
class OutlierRanking:
    """Dataset images ordered from least to most likely."""

    indices: np.ndarray  # dataset indices, least likely first
    scores: np.ndarray  # the score of each image in `indices` order (ELBO nats, or reconstruction MSE)
    criterion: str  # "elbo" | "reconstruction"

    @property
    def higher_is_likelier(self) -> bool:
        """True for the ELBO (a log-likelihood bound), False for reconstruction error."""
        return self.criterion == "elbo"

    def describe(self, i: int) -> str:
        """One line for image `i` of the ranking, e.g. "#12: ELBO −203.4 nats"."""
        if self.criterion == "elbo":
            return f"#{int(self.indices[i])}: ELBO {self.scores[i]:.1f} nats"
        return f"#{int(self.indices[i])}: reconstruction MSE {self.scores[i]:.4f}"


def check_criterion(space: Any, criterion: str) -> None:
    """LatentError unless `space` can score images by `criterion`."""
    if criterion not in CRITERIA:
        raise LatentError(f"outlier criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    if criterion == "elbo" and not space.is_vae:
        raise LatentError(f"{space.method_name} is not a VAE: it has no ELBO (rank by 'reconstruction' instead)"
                          if space.has_encoder else f"{space.method_name} has no encoder: it cannot score images")
    if criterion == "reconstruction" and not space.has_encoder:
        raise LatentError(f"{space.method_name} has no encoder: it cannot score images by reconstruction")


def score_images(space: Any, images: torch.Tensor, criterion: str = "elbo",
                 labels: torch.Tensor | None = None, seed: int = 0) -> np.ndarray:
    """Per-image scores (N,) by `criterion`; labels are the classes of a conditional model's images."""
    check_criterion(space, criterion)
    if criterion == "elbo":
        return space.elbo(images, labels, seed=seed).double().numpy()
    return space.reconstruction_error(images, labels).double().numpy()


def rank_outliers(space: Any, n_images: int = 2000, criterion: str = "elbo", seed: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> OutlierRanking:
    """Score a seeded sample of `n_images` dataset images (all when the dataset is smaller) and order them
    least likely first. `progress(done, total)` is called after each batch."""
    check_criterion(space, criterion)
    if n_images < 1:
        raise LatentError(f"n_images must be ≥ 1, got {n_images}")
    dataset = space.dataset()
    total = len(dataset)
    if total == 0:
        raise LatentError(f"dataset {space.data_config.name!r} is empty")
    if n_images >= total:
        picked = torch.arange(total)
    else:
        picked = torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:n_images].sort().values
    scores = np.empty(picked.numel(), dtype=np.float64)
    done = 0
    with one_torch_thread():
        for chunk in picked.split(BATCH):
            images, labels = dataset.get_batch(chunk)
            labels = labels if space.classes else None
            scores[done:done + chunk.numel()] = score_images(space, images, criterion, labels, seed=seed + done)
            done += chunk.numel()
            if progress is not None:
                progress(done, picked.numel())
    # Least likely first: lowest ELBO, or highest reconstruction error. Stable, so ties keep dataset order.
    order = np.argsort(scores if criterion == "elbo" else -scores, kind="stable")
    return OutlierRanking(indices=picked.numpy()[order].astype(np.int64), scores=scores[order], criterion=criterion)
