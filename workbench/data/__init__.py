"""Datasets: built-in ones generated or shipped in installed packages, and the user's folders.

Importing this package does not import torch; `build_dataset` does.
"""

from workbench.data.catalog import DatasetSpec, available_datasets, dataset_spec

__all__ = ["DatasetSpec", "available_datasets", "dataset_spec", "build_dataset"]


def build_dataset(config, split: str = "train"):  # noqa: ANN001, ANN201 - re-exported lazily (no torch at start-up)
    from workbench.data.build import build_dataset as _build

    return _build(config, split)
