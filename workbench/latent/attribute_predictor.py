"""An attribute predictor trained in the app on labelled real data, to label a GAN's generated images.

InterFaceGAN needs labelled latent codes, but a GAN's samples come with no labels. The missing piece is a
classifier for the attribute: trained here on the real data the GAN was trained on (digit classes, a shapes2d
factor such as "shape" or "scale", a CelebA attribute such as "Smiling"), it labels generated images, and
the labelled codes then give a boundary (`workbench.latent.direction_predictor`).

The network and training loop are the dataset classifier of the metrics (`SmallCNN` via
`workbench.metrics.feature_extractors.train_classifier`, the same one FID's "<dataset>-cnn" features come
from): a factor column is presented to it as the labels of a dataset view, so nothing is duplicated. 20% of
the data (at most 2,000 images) is held out; the accuracy on it, next to the majority-class rate, tells the
user whether the predictor's labels can be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from workbench.compat import one_torch_thread
from workbench.data.dataset import DataInfo
from workbench.latent.errors import LatentError

CLASS_ATTRIBUTE = "class"


@dataclass(frozen=True)
class AttributePredictor:
    """A trained classifier of one attribute of images in [-1, 1] at the dataset's resolution."""

    attribute: str                 # "class" or a factor / attribute name
    value_names: tuple[str, ...]   # one per predicted value (class names, "scale 0.5", "not Smiling"...)
    dataset_name: str
    accuracy: float                # on held-out real images
    chance: float | None           # majority-value rate on the same held-out images, when cheaply known
    test_images: int
    steps: int
    seed: int
    extractor: Any                 # workbench.metrics.feature_extractors.ClassifierExtractor

    @property
    def num_values(self) -> int:
        return len(self.value_names)

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """N×values softmax probabilities (no gradients, batched)."""
        return self.extractor.probabilities(images)

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """N predicted value indices."""
        return self.extractor.predict(images)

    def describe(self) -> str:
        """One line for provenance and the GUI: what it predicts and how well."""
        chance = f" (majority value {self.chance:.3f})" if self.chance is not None else ""
        return (f"{self.attribute} predictor trained on {self.dataset_name} for {self.steps} steps: held-out "
                f"accuracy {self.accuracy:.3f} on {self.test_images} images{chance}")


def attribute_names(dataset: Any) -> tuple[str, ...]:
    """The attributes a predictor can be trained for on `dataset`: "class" when labelled, then its factors."""
    info = dataset.info
    names = (CLASS_ATTRIBUTE,) if info.num_classes >= 2 else ()
    return names + tuple(info.factor_names)


def factor_value_names(info: DataInfo, column: int) -> tuple[str, ...]:
    """Readable names for the values of factor `column` (shapes2d's shapes and scales, CelebA's yes/no)."""
    name, size = info.factor_names[column], info.factor_sizes[column]
    if info.name.startswith("shapes2d"):
        from workbench.data import shapes2d

        if name == "shape":
            return shapes2d.SHAPE_NAMES
        if name == "scale":
            return tuple(f"scale {float(s):.1f}" for s in shapes2d.SCALES)
    if size == 2:
        return (f"not {name}", name)
    return tuple(f"{name} {i}" for i in range(size))


class FactorView:
    """A dataset whose labels are one factor column of another: what the classifier trainer needs."""

    def __init__(self, dataset: Any, attribute: str) -> None:
        info = dataset.info
        if attribute not in info.factor_names:
            raise LatentError(f"{info.name} has no factor {attribute!r}; choose one of "
                              f"{', '.join(attribute_names(dataset)) or '(none: the dataset is unlabelled)'}")
        self.base = dataset
        self.column = info.factor_names.index(attribute)
        self.info = DataInfo(name=f"{info.name}:{attribute}", size=len(dataset), channels=info.channels,
                             image_size=info.image_size, class_names=factor_value_names(info, self.column))

    def __len__(self) -> int:
        return len(self.base)

    def labels(self, indices: torch.Tensor) -> torch.Tensor:
        return self.base.factors(indices)[:, self.column].long()

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        images, _ = self.base.get_batch(indices)
        return images, self.labels(indices)


def train_attribute_predictor(dataset: Any, attribute: str = CLASS_ATTRIBUTE, steps: int = 300, seed: int = 0,
                              *, batch_size: int = 64) -> AttributePredictor:
    """Train a small CNN to predict `attribute` ("class" or a factor name) of `dataset`'s images.

    Runs on one torch thread (it runs while the GUI stays interactive) and leaves the global RNG untouched.
    """
    from workbench.metrics.feature_extractors import _split_indices, train_classifier

    info = dataset.info
    if getattr(info, "kind", "images") != "images":
        raise LatentError(f"{info.name} holds {info.kind}, not images: no attribute predictor for it")
    if steps < 1:
        raise LatentError("the predictor needs at least one training step")
    if attribute == CLASS_ATTRIBUTE:
        if info.num_classes < 2:
            raise LatentError(f"{info.name} has no classes; choose a factor: "
                              f"{', '.join(info.factor_names) or '(none: the dataset is unlabelled)'}")
        view: Any = dataset
        value_names = tuple(info.class_names)
    else:
        view = FactorView(dataset, attribute)
        value_names = view.info.class_names
    with one_torch_thread():
        extractor = train_classifier(view, steps=steps, batch_size=batch_size, seed=seed)
    chance = None
    labels = getattr(view, "labels", None)
    _, test_idx = _split_indices(len(view), seed)  # the split train_classifier held out
    if callable(labels):
        values = labels(test_idx)
    elif isinstance(labels, torch.Tensor):
        values = labels.index_select(0, test_idx)
    else:
        values = None
    if values is not None and values.numel():
        chance = float(torch.bincount(values.long()).max()) / values.numel()
    record = extractor.record
    return AttributePredictor(attribute=attribute, value_names=value_names, dataset_name=info.name,
                              accuracy=float(record.test_accuracy), chance=chance,
                              test_images=int(record.test_images), steps=steps, seed=seed, extractor=extractor)
