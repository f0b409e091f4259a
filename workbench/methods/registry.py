"""The explicit method registry.

Two halves, so that listing methods and building their forms never imports torch:
- `MethodSpec` (name, settings dataclass, module, summary, capabilities) is declared in `settings.py`;
- the implementation class registers itself with `@register_method(name)` when its module is imported,
  which `method_class` does on first use.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import tomllib

from workbench.config import ConfigError, RunConfig


@dataclass(frozen=True)
class MethodSpec:
    """What the app knows about a method before its module (and torch) is imported."""

    name: str
    settings: type
    module: str
    summary: str
    family: str
    capabilities: tuple[str, ...] = ()
    # The data kinds the method trains on (DataInfo.kind): a run on another kind is refused with a clear error.
    data_kinds: tuple[str, ...] = ("images",)
    # Named live visuals laid out as columns: ((visual name, (column title, ...)), ...). The loop tiles such a
    # visual with one example per row and the Training panel writes the titles above it.
    visual_columns: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def columns_of(self, visual: str) -> tuple[str, ...]:
        return dict(self.visual_columns).get(visual, ())

    @property
    def generates(self) -> bool:
        """Whether the method draws new images from noise (`sample`); image-to-image methods do not."""
        return not {"translate", "super_resolution"} & set(self.capabilities)


# Modules that declare MethodSpecs (torch-free). One per method family keeps each file small.
SETTINGS_MODULES = (
    "workbench.methods.settings",
    "workbench.methods.settings_autoencoders",
    "workbench.methods.settings_gans",
    "workbench.methods.settings_toy",
    "workbench.methods.settings_translation",
    "workbench.methods.settings_voxels",
)

_SPECS: dict[str, MethodSpec] = {}
_CLASSES: dict[str, type] = {}
_ALL_LOADED = False


def declare_method(spec: MethodSpec) -> None:
    """Record a method's spec and tie its settings dataclass to its name."""
    _SPECS[spec.name] = spec
    spec.settings.method_name = spec.name


def register_method(name: str):
    """Class decorator: the implementation of the method declared under `name`."""

    def wrap(cls: type) -> type:
        if name not in _specs():
            raise ConfigError(f"method {name!r} has no MethodSpec in workbench.methods.settings")
        _CLASSES[name] = cls
        cls.method_name = name
        return cls

    return wrap


def _specs() -> dict[str, MethodSpec]:
    """Every declared spec; the first call imports all settings modules (a module imported directly before
    that, e.g. by a script, has already declared its own specs, so emptiness is no sign of completeness)."""
    global _ALL_LOADED
    if not _ALL_LOADED:
        for module in SETTINGS_MODULES:
            importlib.import_module(module)
        _ALL_LOADED = True
    return _SPECS


def available_methods() -> list[MethodSpec]:
    return sorted(_specs().values(), key=lambda s: (s.family, s.name))


def method_spec(name: str) -> MethodSpec:
    specs = _specs()
    if name not in specs:
        raise ConfigError(f"unknown method {name!r}; valid: {', '.join(sorted(specs))}")
    return specs[name]


def method_settings_class(name: str) -> type:
    return method_spec(name).settings


def load_run_config(doc: dict[str, Any]) -> RunConfig:
    """A RunConfig from its `[method]`, `[data]`, `[train]` mapping (a run.toml or a --config file)."""
    return RunConfig.from_dict(doc, method_settings_class)


def load_run_config_toml(text: str) -> RunConfig:
    try:
        return load_run_config(tomllib.loads(text))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}") from err


def method_class(name: str) -> type:
    spec = method_spec(name)
    if name not in _CLASSES:
        importlib.import_module(spec.module)
    return _CLASSES[name]


def build_method(config: Any, data_info: Any, device: Any) -> Any:
    """Instantiate the method of `config` (a RunConfig) for a dataset described by `data_info`."""
    check_data_kind(config.method_name, getattr(data_info, "name", "?"), getattr(data_info, "kind", "images"))
    return method_class(config.method_name)(config, data_info, device)


def check_data_kind(method_name: str, dataset_name: str, kind: str) -> None:
    """ConfigError naming data.name when the method cannot train on data of this kind (e.g. pix2pix on digits)."""
    spec = method_spec(method_name)
    if kind not in spec.data_kinds:
        raise ConfigError(
            f"data.name: method {spec.name!r} trains on {' or '.join(_KIND_WORDS[k] for k in spec.data_kinds)}, "
            f"but dataset {dataset_name!r} holds {_KIND_WORDS.get(kind, kind)}"
        )


_KIND_WORDS = {
    "images": "images",
    "points": "2-D points",
    "paired": "paired images (A, B)",
    "unpaired": "unpaired images of two domains",
    "super_resolution": "low/high-resolution image pairs",
    "voxels": "voxel occupancy grids",
}
