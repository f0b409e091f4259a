"""Unsupervised directions: the principal axes of a set of latent codes.

For an encoder model the codes of real images (or, for any model, the codes a user collected) are rarely
isotropic: the axes along which they vary most are the first candidates for meaningful edits, found with no
labels at all. scikit-learn's PCA; score = explained-variance ratio.
"""

from __future__ import annotations

import numpy as np
import torch

from workbench.latent.direction_supervised import as_numpy_codes
from workbench.latent.directions import Direction, canonical_sign
from workbench.latent.errors import LatentError


def pca_directions(codes: torch.Tensor | np.ndarray, k: int, *, prefix: str = "pc", source: str = "codes"
                   ) -> list[Direction]:
    """The first `k` principal axes of `codes` (N×D) as directions "pc1".."pck", largest variance first."""
    from sklearn.decomposition import PCA

    x = as_numpy_codes(codes)
    n, d = x.shape
    if n < 2:
        raise LatentError("PCA needs at least 2 codes")
    if not 1 <= k <= min(n, d):
        raise LatentError(f"k must lie in 1..{min(n, d)} for {n} codes of dimension {d}, got {k}")
    pca = PCA(n_components=k, svd_solver="full").fit(x)
    return [
        Direction(name=f"{prefix}{i + 1}", vector=canonical_sign(torch.from_numpy(axis).float()), method="pca",
                  provenance=f"principal axis {i + 1} of {n} {source}; explains {ratio:.1%} of their variance",
                  score=float(ratio))
        for i, (axis, ratio) in enumerate(zip(pca.components_, pca.explained_variance_ratio_, strict=True))
    ]
