"""Conditional (orthogonalised) edits and the entanglement view.

Directions found from data are rarely orthogonal: on `shapes2d-correlated` the "scale" direction also moves
"shape", because big shapes are mostly hearts. Holding "shape" fixed means removing its component from the
edit: `project_out` orthonormalises the held directions (Gram–Schmidt) and subtracts their span, so an edit
along the result leaves every held coordinate `code · held` exactly where it was (InterFaceGAN's conditional
manipulation, generalised to several held directions). `cosine_matrix` shows how entangled the saved
directions are before any edit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from workbench.latent.directions import Direction
from workbench.latent.errors import LatentError

# Below this norm (relative to 1) a vector is treated as lying in the span of the others.
SPAN_TOLERANCE = 1e-6


def as_vector(direction: Direction | torch.Tensor) -> torch.Tensor:
    """A direction record or a raw tensor as a (D,) float64 tensor (float64 so projections are exact)."""
    v = direction.vector if isinstance(direction, Direction) else torch.as_tensor(direction)
    v = v.detach().to("cpu", torch.float64)
    if v.ndim != 1:
        raise LatentError(f"a direction must be 1-D (latent_dim,), got shape {tuple(v.shape)}")
    return v


def orthonormal_basis(held: Sequence[Direction | torch.Tensor]) -> list[torch.Tensor]:
    """Gram–Schmidt (twice, for numerical safety) over the held directions; directions already in the span of
    earlier ones add nothing and are skipped."""
    basis: list[torch.Tensor] = []
    for h in held:
        v = as_vector(h)
        for _ in range(2):
            for b in basis:
                v = v - (v @ b) * b
        norm = float(v.norm())
        if norm > SPAN_TOLERANCE * max(1.0, float(as_vector(h).norm())):
            basis.append(v / norm)
    return basis


def project_out(direction: Direction | torch.Tensor, held: Sequence[Direction | torch.Tensor] = ()) -> torch.Tensor:
    """`direction` with the span of every held direction removed, at unit norm (float32, (D,)).

    Raises LatentError when nothing is left (the direction is one of the held ones or a combination of them).
    """
    v = as_vector(direction)
    if float(v.norm()) < SPAN_TOLERANCE:
        raise LatentError("cannot edit along a zero direction")
    v = v / v.norm()
    for h in held:
        if as_vector(h).shape != v.shape:
            raise LatentError(f"held direction has {as_vector(h).numel()} dimensions, the edited one {v.numel()}")
    basis = orthonormal_basis(held)
    for _ in range(2):
        for b in basis:
            v = v - (v @ b) * b
    norm = float(v.norm())
    if norm < SPAN_TOLERANCE:
        raise LatentError("the direction lies in the span of the held directions: holding them fixed leaves "
                          "nothing to move along")
    return (v / norm).float()


def cosine_matrix(directions: Sequence[Direction | torch.Tensor]) -> np.ndarray:
    """(K, K) cosine similarities of the directions: 1 on the diagonal, |value| near 1 off it = entangled."""
    if not directions:
        return np.zeros((0, 0))
    vectors = torch.stack([as_vector(d) for d in directions])
    vectors = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)
    m = (vectors @ vectors.T).numpy()
    np.fill_diagonal(m, 1.0)
    return np.clip(m, -1.0, 1.0)


def edit(code: torch.Tensor, direction: Direction | torch.Tensor, amount: float | torch.Tensor,
         held: Sequence[Direction | torch.Tensor] = ()) -> torch.Tensor:
    """code + amount · project_out(direction, held).

    `code` is (D,) or (N, D); `amount` a number or an (N,) tensor (one amount per row, e.g. a slider sweep).
    With nothing held this is a plain move along the (unit) direction.
    """
    code = torch.as_tensor(code)
    step = project_out(direction, held).to(code.dtype)
    if step.numel() != code.shape[-1]:
        raise LatentError(f"the direction has {step.numel()} dimensions, the code {code.shape[-1]}")
    amount = torch.as_tensor(amount, dtype=code.dtype)
    if amount.ndim == 1:
        if code.ndim == 1:
            code = code.expand(amount.shape[0], -1)
        return code + amount[:, None] * step
    return code + amount * step
