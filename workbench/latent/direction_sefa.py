"""SeFa (Shen & Zhou 2021): closed-form directions from the generator's first layer weights.

The first layer maps z to A z (A: out_features × latent_dim). A unit direction n moves that output by A n,
so the directions that change it the most are the maximisers of ‖A n‖², the eigenvectors of AᵀA with the
largest eigenvalues (equivalently the top right-singular vectors of A). No sampling and no labels: it takes
milliseconds, and the eigenvalue spectrum shows how many directions matter.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.latent.directions import Direction, canonical_sign
from workbench.latent.errors import LatentError


def sefa_directions_from_weight(weight: torch.Tensor, k: int, *, source: str = "first layer") -> list[Direction]:
    """Top-`k` eigenvectors of AᵀA for A = `weight` (out_features × latent_dim); score = eigenvalue / sum."""
    a = torch.as_tensor(weight).detach().to("cpu", torch.float64)
    if a.ndim != 2:
        raise LatentError(f"SeFa needs a 2-D weight (out_features × latent_dim), got shape {tuple(a.shape)}")
    d = a.shape[1]
    if not 1 <= k <= d:
        raise LatentError(f"k must lie in 1..{d}, got {k}")
    eigenvalues, eigenvectors = torch.linalg.eigh(a.T @ a)  # ascending
    order = torch.argsort(eigenvalues, descending=True)[:k]
    total = float(eigenvalues.clamp_min(0).sum()) or 1.0
    return [
        Direction(name=f"sefa{i + 1}", vector=canonical_sign(eigenvectors[:, j]).float(), method="sefa",
                  provenance=f"SeFa eigenvector {i + 1} of AᵀA, A = {source} weight "
                             f"{a.shape[0]}×{d}; {float(eigenvalues[j]) / total:.1%} of the eigenvalue sum",
                  score=float(eigenvalues[j]) / total)
        for i, j in enumerate(order.tolist())
    ]


def sefa_directions(space: Any, k: int) -> list[Direction]:
    """SeFa directions of a LatentSpace's generator/decoder (`space.first_layer_weight()`)."""
    weight = space.first_layer_weight()
    if weight is None:
        raise LatentError(f"{space.method_name}: no first generator layer weight is available for SeFa")
    return sefa_directions_from_weight(weight, k, source=f"{space.method_name} first layer")
