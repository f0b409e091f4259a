"""Paths between latent codes: linear (lerp) and spherical (slerp) interpolation.

Why slerp: a Gaussian prior's mass lies near a sphere of radius √D, and the midpoint of a straight line
between two samples falls well inside it (norm ≈ √(D/2)), where the decoder has seen few codes. Slerp
keeps the norm for codes of equal norm (White, "Sampling Generative Networks", 2016).

Shapes: `z0`, `z1` are one code (D,) or a batch (N, D) of the same shape; `t` is a number or a 1-D tensor
of T positions. A scalar `t` gives a result shaped like `z0`; a 1-D `t` puts T in front: (T, D) or (T, N, D).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from workbench.latent.errors import LatentError

MODES = ("lerp", "slerp")
# Below this angle (radians) or norm, sin(ω) or the direction is too unreliable to divide by: use lerp.
PARALLEL_EPS = 1e-4
ZERO_NORM_EPS = 1e-8


def _prepare(z0: Tensor, z1: Tensor, t: float | Tensor) -> tuple[Tensor, Tensor, Tensor, bool]:
    """Validate shapes; return z0, z1 and t in float64 with t broadcastable to (T, *z.shape)."""
    z0, z1 = torch.as_tensor(z0), torch.as_tensor(z1)
    if z0.shape != z1.shape:
        raise LatentError(f"cannot interpolate codes of shapes {tuple(z0.shape)} and {tuple(z1.shape)}")
    if z0.dim() not in (1, 2):
        raise LatentError(f"codes must be (D,) or (N, D); got shape {tuple(z0.shape)}")
    tt = torch.as_tensor(t, dtype=torch.float64)
    if tt.dim() > 1:
        raise LatentError(f"t must be a number or a 1-D tensor; got shape {tuple(tt.shape)}")
    scalar = tt.dim() == 0
    tt = tt.reshape(-1, *([1] * z0.dim()))  # (T, 1) or (T, 1, 1)
    return z0.to(torch.float64), z1.to(torch.float64), tt, scalar


def _finish(out: Tensor, like: Tensor, scalar: bool) -> Tensor:
    out = out.to(like.dtype if like.is_floating_point() else torch.float32)
    return out[0] if scalar else out


def lerp(z0: Tensor, z1: Tensor, t: float | Tensor) -> Tensor:
    """(1 − t)·z0 + t·z1, exact at t = 0 and t = 1."""
    a, b, tt, scalar = _prepare(z0, z1, t)
    out = (1 - tt) * a + tt * b
    out = torch.where(tt == 0, a, torch.where(tt == 1, b, out))
    return _finish(out, torch.as_tensor(z0), scalar)


def slerp(z0: Tensor, z1: Tensor, t: float | Tensor) -> Tensor:
    """Spherical interpolation: sin((1 − t)ω)/sin ω · z0 + sin(tω)/sin ω · z1, ω the angle between the codes.

    Exact at t = 0 and t = 1; keeps the norm along the path when ‖z0‖ = ‖z1‖. Where the codes are
    (anti)parallel or one is near zero the great circle is undefined, and those rows fall back to lerp.
    """
    a, b, tt, scalar = _prepare(z0, z1, t)
    na, nb = a.norm(dim=-1, keepdim=True), b.norm(dim=-1, keepdim=True)
    cos = ((a * b).sum(-1, keepdim=True) / (na * nb).clamp_min(ZERO_NORM_EPS**2)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    degenerate = (sin.abs() < PARALLEL_EPS) | (na < ZERO_NORM_EPS) | (nb < ZERO_NORM_EPS)
    safe_sin = torch.where(degenerate, torch.ones_like(sin), sin)
    spherical = (torch.sin((1 - tt) * omega) * a + torch.sin(tt * omega) * b) / safe_sin
    linear = (1 - tt) * a + tt * b
    out = torch.where(degenerate, linear, spherical)
    out = torch.where(tt == 0, a, torch.where(tt == 1, b, out))
    return _finish(out, torch.as_tensor(z0), scalar)


def interpolate(z0: Tensor, z1: Tensor, t: float | Tensor, mode: str = "slerp") -> Tensor:
    """lerp or slerp by name ("lerp" | "slerp"), for callers that let the user choose."""
    if mode not in MODES:
        raise LatentError(f"unknown interpolation mode {mode!r}; valid: {', '.join(MODES)}")
    return (slerp if mode == "slerp" else lerp)(z0, z1, t)


def interpolation_path(codes: Sequence[Tensor], steps: int, mode: str = "slerp") -> Tensor:
    """A path through 2+ codes of shape (D,): `steps` points per segment including both ends; consecutive
    segments share their endpoint, so K codes give (K − 1)·(steps − 1) + 1 rows of (T, D)."""
    if mode not in MODES:
        raise LatentError(f"unknown interpolation mode {mode!r}; valid: {', '.join(MODES)}")
    if len(codes) < 2:
        raise LatentError(f"an interpolation needs at least 2 codes; got {len(codes)}")
    if steps < 2:
        raise LatentError(f"an interpolation needs at least 2 steps per segment (both ends); got {steps}")
    codes = [torch.as_tensor(c) for c in codes]
    if any(c.dim() != 1 for c in codes):
        raise LatentError(f"interpolation_path takes codes of shape (D,); got {[tuple(c.shape) for c in codes]}")
    t = torch.linspace(0.0, 1.0, steps, dtype=torch.float64)
    segments = [interpolate(a, b, t, mode) for a, b in zip(codes[:-1], codes[1:], strict=True)]
    rows = [segments[0]] + [segment[1:] for segment in segments[1:]]
    return torch.cat(rows, dim=0)
