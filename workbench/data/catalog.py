"""The list of datasets the app offers, without importing torch (the new-run form reads it at start-up)."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    summary: str
    labelled: bool
    needs_root: bool
    default_channels: int


_DATASETS = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "digits",
            "1,797 real handwritten digits 0-9 (scikit-learn), 8×8 upsampled to the image size, labelled",
            labelled=True,
            needs_root=False,
            default_channels=1,
        ),
        DatasetSpec(
            "folder",
            "your own folder of images: flat, or one subfolder per class (torchvision ImageFolder)",
            labelled=True,
            needs_root=True,
            default_channels=3,
        ),
    )
}


def available_datasets() -> list[DatasetSpec]:
    return list(_DATASETS.values())


def dataset_spec(name: str) -> DatasetSpec:
    if name not in _DATASETS:
        raise ConfigError(f"data.name: unknown dataset {name!r}; valid: {', '.join(_DATASETS)}")
    return _DATASETS[name]
