"""GANSpace (Härkönen et al. 2020) for models with a z input: PCA of an early generator layer, mapped to z.

Principal axes of the activations after the generator's first block describe how the generated images vary
most. For z-space models (BigGAN in the paper, every generator here) those axes live in feature space, so
GANSpace regresses them back: with x_j the PCA coordinates of sample j's features, the z-space basis V solves
min_V Σ_j ‖V x_j − z_j‖² (least squares), and each column of V, normalised, is a direction in z.
score = the explained-variance ratio of the feature-space component.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from workbench.compat import one_torch_thread
from workbench.latent.directions import Direction, canonical_sign
from workbench.latent.errors import LatentError

FEATURE_BATCH = 256


def ganspace_from_samples(z: torch.Tensor, features: torch.Tensor, k: int, *, source: str = "") -> list[Direction]:
    """GANSpace directions from sampled codes z (N×D) and their activations (N×F)."""
    from sklearn.decomposition import PCA

    zs = z.detach().to("cpu", torch.float64).numpy()
    fs = features.detach().to("cpu", torch.float64).reshape(features.shape[0], -1).numpy()
    n, d = zs.shape
    if fs.shape[0] != n:
        raise LatentError(f"{n} codes but {fs.shape[0]} feature rows")
    if not 1 <= k <= min(d, fs.shape[1], n - 1):
        raise LatentError(f"k must lie in 1..{min(d, fs.shape[1], n - 1)} for {n} samples, latent_dim {d}, "
                          f"{fs.shape[1]} features; got {k}")
    pca = PCA(n_components=k, svd_solver="full").fit(fs)
    x = pca.transform(fs)  # N×k coordinates
    # z ≈ x V  (N×k · k×D): each row of V is the z-space image of one feature-space axis.
    v, *_ = np.linalg.lstsq(x, zs - zs.mean(0), rcond=None)
    out = []
    for i in range(k):
        row = torch.from_numpy(v[i])
        if float(row.norm()) < 1e-12:
            raise LatentError(f"GANSpace component {i + 1} maps to no z direction")
        out.append(Direction(
            name=f"ganspace{i + 1}", vector=canonical_sign(row / row.norm()).float(), method="ganspace",
            provenance=(f"GANSpace: PCA axis {i + 1} of {fs.shape[1]} first-block activations of {n} prior "
                        f"samples{f' ({source})' if source else ''}, regressed back to z; explains "
                        f"{pca.explained_variance_ratio_[i]:.1%} of the activation variance"),
            score=float(pca.explained_variance_ratio_[i])))
    return out


def ganspace_directions(space: Any, k: int, n_samples: int = 2000, seed: int = 0) -> list[Direction]:
    """GANSpace directions of a LatentSpace: sample the prior, take `space.features(z)`, PCA, regress to z.

    Conditional models are sampled with their default class (class 0), as `features` does without labels.
    """
    if n_samples < 2:
        raise LatentError("GANSpace needs at least 2 samples")
    z = space.prior(n_samples, seed=seed)
    with one_torch_thread(), torch.no_grad():
        features = torch.cat([space.features(chunk).reshape(chunk.shape[0], -1)
                              for chunk in z.split(FEATURE_BATCH)])
    return ganspace_from_samples(z, features, k, source=f"{space.method_name}, seed {seed}")
