"""Build the dataset a run config names."""

from __future__ import annotations

import logging

from workbench.config import ConfigError, DataConfig
from workbench.data.catalog import dataset_spec
from workbench.data.dataset import IMAGE_TO_IMAGE_KINDS, DataInfo, DecodedImageDataset
from workbench.data.translation_builtin import TRANSLATION_BUILTINS

log = logging.getLogger(__name__)

TORCHVISION_DATASETS = ("mnist", "fashion-mnist", "cifar10", "celeba")


def _load_folder(config: DataConfig) -> DecodedImageDataset:
    from workbench.data.folder import FolderImages, scan_image_folder

    scan = scan_image_folder(config.root)
    if scan.problems:
        log.warning("skipping unreadable files:\n%s", scan.report())
    return FolderImages(scan, config.image_size, config.channels)


SPLITS = ("train", "test")


def build_dataset(config: DataConfig, split: str = "train"):  # noqa: ANN201 - any dataset with info, len, get_batch
    """The dataset for `config`: images in [-1, 1] N×C×H×W (or 2-D points for gaussians2d-*), integer labels,
    or for the image-to-image kinds (input, target) image batches (see workbench.data.image_pairs).

    Every dataset returned has `info` (DataInfo), `__len__` and `get_batch(indices)`; see workbench.data.dataset.
    `split` "test" gives the held-out images of the image-to-image datasets and the held-out shapes of the voxel
    datasets (kind "voxels": occupancy grids in [0, 1] N×1×D×H×W); the other datasets have only "train".
    """
    spec = dataset_spec(config.name)
    name = config.name
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if split != "train" and spec.kind not in (*IMAGE_TO_IMAGE_KINDS, "voxels"):
        raise ConfigError(f"split: dataset {name!r} has no test split (only the image-to-image and voxel datasets "
                          "have one)")
    # (torchvision datasets check their root themselves, naming the files they expect)
    if spec.needs_root and not config.root and name not in TORCHVISION_DATASETS:
        raise ConfigError(f"data.root: dataset {config.name!r} needs a folder (data.root)")
    if name in TRANSLATION_BUILTINS:
        from workbench.data.translation_builtin import load_translation_builtin

        return load_translation_builtin(config, split)
    if name == "labels2scenes":
        from workbench.data.label_scenes import load_labels2scenes

        return load_labels2scenes(config, split)
    if name == "spade-folder":
        from workbench.data.label_folders import load_spade_folder

        return load_spade_folder(config, split)
    if name == "cyclegan-folder":
        from workbench.data.translation_folders import load_cyclegan_folder

        return load_cyclegan_folder(config, split)
    if name == "pix2pix-folder":
        from workbench.data.translation_folders import load_pix2pix_folder

        return load_pix2pix_folder(config, split)
    if name == "sr-folder":
        from workbench.data.superres import load_sr_folder

        return load_sr_folder(config, split)
    if name == "voxels3d":
        from workbench.data.voxels3d import load_voxels3d

        return load_voxels3d(config.image_size, split)
    if name == "voxel-folder":
        from workbench.data.voxel_folder import load_voxel_folder

        return load_voxel_folder(config, split)
    if name == "digits":
        from workbench.data.digits import load_digits_dataset

        return load_digits_dataset(config)
    if name == "folder":
        return _load_folder(config)
    if name in ("shapes2d", "shapes2d-correlated"):
        from workbench.data import shapes2d

        table = shapes2d.correlated_factor_table() if name == "shapes2d-correlated" else None
        return shapes2d.Shapes2DDataset(config.image_size, config.channels, factor_table=table, name=name)
    if name in ("gaussians2d-ring", "gaussians2d-grid"):
        from workbench.data.gaussians2d import load_gaussians2d

        return load_gaussians2d(name.removeprefix("gaussians2d-"))
    if name in ("mnist", "fashion-mnist"):
        from workbench.data.torchvision_roots import load_mnist_like

        return load_mnist_like(config, name)
    if name == "cifar10":
        from workbench.data.torchvision_roots import load_cifar10

        return load_cifar10(config)
    if name == "celeba":
        from workbench.data.torchvision_roots import load_celeba

        return load_celeba(config)
    raise ConfigError(f"data.name: no loader for {config.name!r}")


__all__ = ["build_dataset", "DataInfo"]
