"""Where a self-attention generator looks (SAGAN): heat maps of one query pixel's attention, at image size.

A convolution relates a pixel to its neighbours only; SAGAN's attention layer lets every position draw on all
others, so one stroke's end can agree with its start. Overlaying the attention of a chosen pixel on the images
shows which far-away regions the layer consulted for it (Zhang et al. 2019, Fig. 1). The maps come from the
method (the `AttentionMaps` capability) at the layer's resolution, where each sums to 1 over its positions;
here they are enlarged to the image size (nearest neighbour, so every attention position stays one visible
block) and scaled to [0, 1] by their maximum, the form an overlay needs.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from workbench.compat import one_torch_thread
from workbench.latent.errors import LatentError, method_with
from workbench.methods.capabilities import AttentionMaps, Conditional, Truncation


def attention_method(model: Any) -> Any:
    """The method object of `model` (a method, or a `LatentSpace` around one) if it has attention maps."""
    return method_with(model, AttentionMaps, "has no self-attention layer whose maps could be shown (train sagan "
                       "with method.attention_at > 0)")


def seeded_codes(method: Any, n: int, seed: int, threshold: float = 0.0) -> torch.Tensor:
    """n prior codes from `seed`, truncated to |z_i| ≤ threshold when it is > 0 and the method can."""
    if n < 1:
        raise LatentError(f"number of images must be ≥ 1, got {n}")
    if threshold > 0:
        if not isinstance(method, Truncation):
            raise LatentError("this model cannot draw truncated codes")
        return method.truncated_prior_sample(n, seed=seed, threshold=threshold)
    return method.prior_sample(n, seed=seed)


def class_labels(method: Any, labels: torch.Tensor | int | None, n: int) -> torch.Tensor | None:
    """One class per image for a conditional method (an int: that class for all; None: the method's default)."""
    if labels is None:
        return None
    if not isinstance(method, Conditional):
        raise LatentError("this model is unconditional: it takes no class")
    labels = torch.full((n,), labels, dtype=torch.long) if isinstance(labels, int) else torch.as_tensor(labels)
    labels = labels.long().reshape(-1)
    k = len(method.classes)
    if labels.shape[0] != n or int(labels.min()) < 0 or int(labels.max()) >= k:
        raise LatentError(f"labels must be {n} class indices in [0, {k - 1}]")
    return labels


def attention_overlay(model: Any, seed: int, query: tuple[int, int], n: int, *,
                      labels: torch.Tensor | int | None = None,
                      threshold: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(images N×C×S×S in [-1, 1], heat maps N×S×S in [0, 1]) for n images drawn from `seed`: how strongly the
    attention layer weighs each region when it computes the query pixel (row, col). `labels` picks classes of a
    conditional model; `threshold` > 0 draws truncated codes."""
    method = attention_method(model)
    z = seeded_codes(method, n, seed, threshold)
    chosen = class_labels(method, labels, n)
    try:
        with one_torch_thread():
            images, maps = method.attention_map(z, (int(query[0]), int(query[1])), chosen)
    except ValueError as err:
        raise LatentError(str(err)) from err
    return images, heat_maps(maps, images.shape[-1])


def heat_maps(maps: torch.Tensor, size: int) -> torch.Tensor:
    """Attention maps N×r×r → N×size×size in [0, 1]: nearest-neighbour enlarged, each divided by its maximum."""
    big = F.interpolate(maps.float()[:, None], size=(size, size), mode="nearest")[:, 0]
    peak = big.flatten(1).amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny)
    return (big / peak[:, None, None]).clamp(0, 1)
