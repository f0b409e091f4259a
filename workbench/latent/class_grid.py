"""Class interpolation grids: each row one code z, its class embedding blended from class A to class B.

A class-conditional GAN with a learned class embedding (BigGAN's shared embedding) places classes in a
continuous space; walking from one class to another at a fixed z shows what a code keeps across classes (pose,
stroke width, colour) and how the classes morph into each other: the in-between images are where class leakage
("dogball") becomes visible. The first and last columns are exactly the codes' images of class A and of class B.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.compat import one_torch_thread
from workbench.images import image_grid
from workbench.latent.attention import seeded_codes
from workbench.latent.errors import LatentError, method_with
from workbench.methods.capabilities import ClassInterpolation


@dataclass(frozen=True)
class ClassInterpolationGrid:
    """`images` rows × steps × C × S × S: row i from `seeds[i]`, column j at blend t[j] (0 = class_a, 1 = class_b)."""

    images: torch.Tensor
    t: torch.Tensor
    seeds: tuple[int, ...]
    class_a: int
    class_b: int

    def picture(self, padding: int = 2) -> np.ndarray:
        """The grid as one uint8 H×W×3 image, one row per seed."""
        rows, steps = self.images.shape[:2]
        return image_grid(self.images.reshape(rows * steps, *self.images.shape[2:]), nrow=steps, padding=padding)


def interpolation_method(model: Any) -> Any:
    """The method object of `model` (a method, or a `LatentSpace` around one) if it can blend classes."""
    return method_with(model, ClassInterpolation, "cannot interpolate between classes (it needs a class-conditional "
                       "model with a class embedding, e.g. sagan on a labelled dataset)")


def class_interpolation_grid(model: Any, seeds: Sequence[int], class_a: int, class_b: int, steps: int, *,
                             threshold: float = 0.0) -> ClassInterpolationGrid:
    """One row per seed (that seed's first prior code, truncated to `threshold` when > 0), `steps` columns from
    class_a to class_b."""
    method = interpolation_method(model)
    if not seeds:
        raise LatentError("a class interpolation grid needs at least one seed")
    if steps < 2:
        raise LatentError(f"a class interpolation needs at least 2 steps (both classes), got {steps}")
    k = len(method.classes)
    for name, value in (("class A", class_a), ("class B", class_b)):
        if not 0 <= int(value) < k:
            raise LatentError(f"{name} must be a class index in [0, {k - 1}] ({', '.join(method.classes)})")
    z = torch.cat([seeded_codes(method, 1, int(seed), threshold) for seed in seeds])
    with one_torch_thread():
        images = method.class_interpolation(z, int(class_a), int(class_b), int(steps))
    return ClassInterpolationGrid(images, torch.linspace(0.0, 1.0, steps), tuple(int(s) for s in seeds),
                                  int(class_a), int(class_b))
