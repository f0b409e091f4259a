"""Codes of real images with one label per code: the input of the supervised direction finders.

For a model with an encoder, a seeded sample of the run's dataset is encoded and each code is labelled with
the image's class or one of its factors (a shapes2d factor, a CelebA attribute). Models without an encoder
cannot label their own codes this way: they need an attribute predictor (`direction_predictor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.latent.attribute_predictor import CLASS_ATTRIBUTE, attribute_names, factor_value_names
from workbench.latent.errors import LatentError

ENCODE_BATCH = 256


@dataclass(frozen=True)
class LabelledCodes:
    """Encoded real images and one attribute's value for each."""

    codes: torch.Tensor            # (N, D)
    labels: np.ndarray             # (N,) value index of `attribute`
    attribute: str
    value_names: tuple[str, ...]
    source: str                    # "2000 shapes2d images (seed 0) encoded by vae": for provenance


def encode_sample(space: Any, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(sorted dataset indices, codes, class labels) of a seeded sample of min(n, len) real images, encoded in
    batches; a conditional model encodes each image with its own class."""
    dataset = space.dataset()
    info = dataset.info
    n = min(n, len(dataset))
    indices = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n].sort().values
    codes, classes = [], []
    for chunk in indices.split(ENCODE_BATCH):
        images, labels = dataset.get_batch(chunk)
        given = labels if space.classes and info.num_classes == len(space.classes) else None
        codes.append(space.encode(images, given))
        classes.append(labels)
    return indices, torch.cat(codes), torch.cat(classes)


def labelled_codes(space: Any, attribute: str = CLASS_ATTRIBUTE, n: int = 2000, seed: int = 0) -> LabelledCodes:
    """Encode `n` seeded dataset images of `space` and label each code with `attribute` ("class" or a factor)."""
    if not space.has_encoder:
        raise LatentError(f"{space.method_name} has no encoder, so real images have no codes to label; train an "
                          "attribute predictor and label generated samples instead")
    dataset = space.dataset()
    info = dataset.info
    if attribute not in attribute_names(dataset):
        raise LatentError(f"{info.name} has no attribute {attribute!r}; choose one of "
                          f"{', '.join(attribute_names(dataset)) or '(none: the dataset is unlabelled)'}")
    if min(n, len(dataset)) < 4:
        raise LatentError("need at least 4 labelled images")
    indices, codes, classes = encode_sample(space, n, seed)
    n = len(indices)
    if attribute == CLASS_ATTRIBUTE:
        labels, value_names = classes, tuple(info.class_names)
    else:
        column = info.factor_names.index(attribute)
        labels, value_names = dataset.factors(indices)[:, column], factor_value_names(info, column)
    return LabelledCodes(codes=codes, labels=labels.long().numpy(), attribute=attribute,
                         value_names=value_names,
                         source=f"{n} {info.name} images (seed {seed}) encoded by {space.method_name}")
