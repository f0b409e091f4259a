"""Latent arithmetic: analogies A − B + C, and moving a code from one class's mean to another's.

Why groups: a single code carries its own idiosyncrasies (pose, stroke width) besides the attribute the user
means; averaging a few codes per term cancels those, which is what made DCGAN's "smiling woman − neutral
woman + neutral man" work (Radford et al., 2016, averaged three exemplars per term).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from workbench.latent.errors import LatentError


@dataclass(frozen=True)
class AnalogyResult:
    """The three term means (D,) and the result A − B + C (D,)."""

    a: Tensor
    b: Tensor
    c: Tensor
    result: Tensor


def group_mean(codes: Sequence[Tensor] | Tensor, term: str = "group") -> Tensor:
    """Mean of one or more codes of shape (D,) (a sequence, or a tensor (N, D) or (D,))."""
    if isinstance(codes, Tensor):
        stacked = codes.unsqueeze(0) if codes.dim() == 1 else codes
    else:
        if len(codes) == 0:
            raise LatentError(f"analogy term {term} has no codes; pick at least one")
        shapes = {tuple(torch.as_tensor(c).shape) for c in codes}
        if len(shapes) != 1:
            raise LatentError(f"analogy term {term} mixes codes of shapes {sorted(shapes)}")
        stacked = torch.stack([torch.as_tensor(c) for c in codes])
    if stacked.dim() != 2 or stacked.shape[0] == 0:
        raise LatentError(f"analogy term {term} needs codes of shape (D,); got {tuple(stacked.shape)}")
    return stacked.float().mean(dim=0)


def analogy(a: Sequence[Tensor] | Tensor, b: Sequence[Tensor] | Tensor, c: Sequence[Tensor] | Tensor) -> AnalogyResult:
    """A − B + C, each term the mean of its group of codes."""
    ma, mb, mc = group_mean(a, "A"), group_mean(b, "B"), group_mean(c, "C")
    if not ma.shape == mb.shape == mc.shape:
        raise LatentError(f"analogy terms have different latent sizes: A {ma.shape[0]}, B {mb.shape[0]}, "
                          f"C {mc.shape[0]}")
    return AnalogyResult(a=ma, b=mb, c=mc, result=ma - mb + mc)


def class_means(codes: Tensor, labels: Tensor) -> dict[int, Tensor]:
    """The mean code (D,) of every class present in `labels` (N,), keyed by class index in ascending order."""
    codes, labels = torch.as_tensor(codes), torch.as_tensor(labels)
    if codes.dim() != 2 or labels.dim() != 1 or labels.shape[0] != codes.shape[0]:
        raise LatentError(f"class_means needs codes (N, D) and labels (N,); got {tuple(codes.shape)} and "
                          f"{tuple(labels.shape)}")
    labels = labels.long()
    return {int(k): codes[labels == k].float().mean(dim=0) for k in torch.unique(labels).tolist()}


def class_arithmetic(code: Tensor, means: dict[int, Tensor], source: int, target: int) -> Tensor:
    """code − mean[source] + mean[target]: the code moved from one class towards another, the rest kept."""
    missing = [k for k in (source, target) if k not in means]
    if missing:
        raise LatentError(f"no codes of class {missing[0]} to average; classes present: "
                          f"{', '.join(str(k) for k in sorted(means)) or 'none'}")
    return torch.as_tensor(code).float() - means[source] + means[target]


def analogy_grid_codes(result: AnalogyResult) -> Tensor:
    """The codes an analogy grid shows, one per row: (4, D) = A, B, C, A − B + C."""
    return torch.stack([result.a, result.b, result.c, result.result])
