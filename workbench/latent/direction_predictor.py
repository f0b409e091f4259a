"""InterFaceGAN for models whose samples have no labels: label generated images with a trained predictor.

Sample codes from the prior, decode them, let an `AttributePredictor` (trained on the labelled real data)
say which value of the attribute each generated image shows, keep the codes predicted in the positive or the
negative group, and fit a linear boundary between them. Its normal is the attribute's direction in z.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from workbench.compat import one_torch_thread
from workbench.latent.attribute_predictor import AttributePredictor
from workbench.latent.direction_supervised import as_value_set, binary_subset, boundary_direction
from workbench.latent.directions import Direction
from workbench.latent.errors import LatentError

DECODE_BATCH = 256


def predicted_labels(space: Any, predictor: AttributePredictor, z: torch.Tensor,
                     labels: torch.Tensor | None = None) -> torch.Tensor:
    """The predictor's value for the image decoded from each code (N,), decoded in batches on one thread."""
    out = []
    with one_torch_thread(), torch.no_grad():
        for start in range(0, z.shape[0], DECODE_BATCH):
            chunk_labels = None if labels is None else labels[start:start + DECODE_BATCH]
            images = space.decode(z[start:start + DECODE_BATCH], chunk_labels)
            out.append(predictor.predict(images))
    return torch.cat(out) if out else torch.empty(0, dtype=torch.long)


def predictor_direction(space: Any, predictor: AttributePredictor, positive: int | Sequence[int],
                        negative: int | Sequence[int], n_samples: int = 2000, kind: str = "svm",
                        name: str | None = None, seed: int = 0) -> Direction:
    """The boundary normal between prior samples predicted `positive` and those predicted `negative`.

    `positive` / `negative` are predictor value indices (one or several each, e.g. the two largest scales).
    Raises LatentError when the generated samples show too few of either group for a boundary.
    """
    pos_values, neg_values = as_value_set(positive), as_value_set(negative)
    for v in (*pos_values, *neg_values):
        if not 0 <= v < predictor.num_values:
            raise LatentError(f"value {v} is not one of the predictor's 0..{predictor.num_values - 1}")
    if n_samples < 4:
        raise LatentError("need at least 4 samples to fit a boundary")
    z = space.prior(n_samples, seed=seed)
    predicted = predicted_labels(space, predictor, z)
    counts = np.bincount(predicted.numpy(), minlength=predictor.num_values)
    codes, y = binary_subset(z, predicted, pos_values, neg_values)
    pos_text = " or ".join(predictor.value_names[v] for v in pos_values)
    neg_text = " or ".join(predictor.value_names[v] for v in neg_values)
    if y.sum() < 2 or (1 - y).sum() < 2:
        shown = ", ".join(f"{predictor.value_names[i]}: {int(c)}" for i, c in enumerate(counts) if c)
        raise LatentError(f"of {n_samples} generated samples the predictor labels {int(y.sum())} as {pos_text} and "
                          f"{int((1 - y).sum())} as {neg_text} (all: {shown}); a boundary needs at least 2 of each. "
                          "Train the model longer, sample more, or choose other values.")
    source = (f"{n_samples} prior samples (seed {seed}) of {space.method_name} labelled by the "
              f"{predictor.describe()}; positive = {pos_text}, negative = {neg_text}")
    return boundary_direction(codes, y, kind=kind, name=name or f"{predictor.attribute}: {pos_text}",
                              seed=seed, source=source, method=f"predictor-{kind}")
