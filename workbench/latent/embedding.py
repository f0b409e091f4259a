"""2-D embeddings of latent codes (PCA, t-SNE, UMAP) for the embedding view.

Models with an encoder embed the codes of a seeded sample of real images, so each point carries the image's
dataset index, its class and its known factors (shapes2d, CelebA) to colour by. GAN-only models have no way
to get codes of real images short of inverting each one, so they embed prior samples, which have no labels:
`source` says which of the two an embedding shows.

scikit-learn provides PCA and t-SNE, umap-learn UMAP (imported only when asked for: its first import takes
about 15 s). All three are seeded and run single-threaded, so the same codes and seed give the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.compat import one_torch_thread
from workbench.latent.errors import LatentError
from workbench.latent.labelled_codes import encode_sample

EMBEDDING_METHODS = ("pca", "tsne", "umap")


@dataclass(frozen=True)
class Embedding:
    """Points of a 2-D embedding and what each point is (its code, dataset index, label and factors)."""

    points: np.ndarray            # (N, 2) float32
    codes: torch.Tensor           # (N, D) float32: decoding a point's code reproduces it exactly
    indices: np.ndarray           # (N,) dataset indices (encoded) or prior sample numbers (prior)
    labels: np.ndarray | None     # (N,) class per point, None when there are none
    factors: np.ndarray | None    # (N, F) factor values (shapes2d) or attributes (CelebA), None when none
    factor_names: tuple[str, ...]
    method: str                   # "pca" | "tsne" | "umap"
    source: str = "encoded"       # "encoded" (real images through the encoder) | "prior" (unlabelled samples)
    provenance: str = ""          # one line for the view's title

    def __len__(self) -> int:
        return int(self.points.shape[0])


def embed_codes(codes: torch.Tensor | np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """(N, 2) float32 coordinates of codes N×D; deterministic for a given seed."""
    if method not in EMBEDDING_METHODS:
        raise LatentError(f"unknown embedding {method!r}; choose one of {', '.join(EMBEDDING_METHODS)}")
    x = codes.detach().cpu().numpy() if isinstance(codes, torch.Tensor) else np.asarray(codes)
    if x.ndim != 2:
        raise LatentError(f"codes must be N×latent_dim, got shape {x.shape}")
    x = x.astype(np.float32)
    n, d = x.shape
    if n < 3:
        raise LatentError(f"an embedding needs at least 3 codes, got {n}")
    if not np.isfinite(x).all():
        raise LatentError("codes contain NaN or infinite values")
    if d == 1:  # nothing to reduce; plot the code against zero
        return np.concatenate([x, np.zeros_like(x)], axis=1)
    with one_torch_thread():
        if method == "pca":
            from sklearn.decomposition import PCA

            points = PCA(n_components=2, svd_solver="full", random_state=seed).fit_transform(x)
        elif method == "tsne":
            from sklearn.manifold import TSNE

            perplexity = float(min(30.0, max(1.0, (n - 1) / 3)))
            points = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                          n_jobs=1).fit_transform(x)
        else:
            import umap  # lazy: a slow first import (numba)

            reducer = umap.UMAP(n_components=2, n_neighbors=min(15, n - 1), random_state=seed, n_jobs=1,
                                init="spectral" if n > 10 else "random")
            points = reducer.fit_transform(x)
    return np.ascontiguousarray(points, dtype=np.float32)


def dataset_embedding(space: Any, n: int = 1000, method: str = "pca", seed: int = 0) -> Embedding:
    """Embed `n` codes of `space`: encoded real images (seeded sample, with labels and factors) for models
    with an encoder, prior samples (no labels) for the others."""
    if n < 3:
        raise LatentError(f"an embedding needs at least 3 codes, got {n}")
    if method not in EMBEDDING_METHODS:
        raise LatentError(f"unknown embedding {method!r}; choose one of {', '.join(EMBEDDING_METHODS)}")
    if not space.has_encoder:
        codes = space.prior(n, seed=seed)
        return Embedding(points=embed_codes(codes, method, seed), codes=codes, indices=np.arange(n),
                         labels=None, factors=None, factor_names=(), method=method, source="prior",
                         provenance=f"{method.upper()} of {n} prior samples (seed {seed}); {space.method_name} has "
                                    "no encoder, so real images have no codes and the points carry no labels")
    dataset = space.dataset()
    info = dataset.info
    n = min(n, len(dataset))
    if n < 3:
        raise LatentError(f"the dataset has only {len(dataset)} images; an embedding needs at least 3")
    indices, codes, classes = encode_sample(space, n, seed)
    labels = classes.numpy() if info.num_classes >= 2 else None
    has_factors = bool(info.factor_names) and hasattr(dataset, "factors")
    factors = dataset.factors(indices).numpy() if has_factors else None
    return Embedding(points=embed_codes(codes, method, seed), codes=codes, indices=indices.numpy(), labels=labels,
                     factors=factors, factor_names=tuple(info.factor_names) if has_factors else (), method=method,
                     source="encoded",
                     provenance=f"{method.upper()} of the codes of {n} {info.name} images (seed {seed}) encoded by "
                                f"{space.method_name}")
