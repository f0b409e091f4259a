"""Build the dataset a run config names."""

from __future__ import annotations

import logging

import numpy as np
import torch

from workbench.config import ConfigError, DataConfig
from workbench.data.catalog import dataset_spec
from workbench.data.dataset import DataInfo, TensorImageDataset, to_model_range

log = logging.getLogger(__name__)


def _load_folder(config: DataConfig) -> TensorImageDataset:
    from workbench.data.folder import load_image, scan_image_folder

    scan = scan_image_folder(config.root)
    if scan.problems:
        log.warning("skipping unreadable files:\n%s", scan.report())
    images = np.stack([load_image(p, config.image_size, config.channels) for p in scan.files])
    info = DataInfo(
        name=f"folder:{scan.root.name}",
        size=len(scan.files),
        channels=config.channels,
        image_size=config.image_size,
        class_names=scan.class_names,
    )
    return TensorImageDataset(to_model_range(torch.from_numpy(images)), torch.tensor(scan.labels), info)


def build_dataset(config: DataConfig) -> TensorImageDataset:
    """The dataset for `config`, in memory, images in [-1, 1]."""
    spec = dataset_spec(config.name)
    if spec.needs_root and not config.root:
        raise ConfigError(f"data.root: dataset {config.name!r} needs a folder (data.root)")
    if config.name == "digits":
        from workbench.data.digits import load_digits_dataset

        return load_digits_dataset(config)
    if config.name == "folder":
        return _load_folder(config)
    raise ConfigError(f"data.name: no loader for {config.name!r}")


__all__ = ["build_dataset", "DataInfo"]
