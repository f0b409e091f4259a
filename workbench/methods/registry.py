"""The method registry: every method is a package `workbench/methods/<name>/`, found by walking this folder.

Two halves, so that listing methods and building their forms never imports torch:
- the package's `__init__.py` declares the settings dataclass and `SPEC`, a `MethodSpec` (name, settings,
  summary, capabilities, tiny test run), without importing torch;
- its `method.py` holds the implementation class, which registers itself with `@register_method(name)` when
  `method_class` first imports it.
Adding a method is adding its folder: nothing else lists the methods.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from workbench.config import ConfigError, RunConfig
from workbench.methods.capabilities import CAPABILITY_NAMES, IMAGE_TO_IMAGE


@dataclass(frozen=True)
class TinyRun:
    """The smallest run of a method that still exercises every part of it (tests/unit/test_method_contract.py):
    settings that shrink the networks, and a built-in dataset of a kind the method trains on."""

    data: str = "digits"
    image_size: int = 8
    batch_size: int = 4
    settings: tuple[tuple[str, Any], ...] = ()
    data_options: tuple[tuple[str, Any], ...] = ()


def tiny_run(data: str = "digits", image_size: int = 8, *, batch_size: int = 4,
             data_options: dict[str, Any] | None = None, **settings: Any) -> TinyRun:
    """`TinyRun` from keyword arguments: `tiny_run("sr-photos", 16, data_options={"scale": 2}, channels=8)`."""
    return TinyRun(data, image_size, batch_size, tuple(settings.items()), tuple((data_options or {}).items()))


@dataclass(frozen=True)
class MethodSpec:
    """What the app knows about a method before its module (and torch) is imported."""

    name: str
    settings: type
    display_name: str  # as the papers write it: "DCGAN", "SRResNet", "Pix2Pix", "3D-GAN"
    family: str
    summary: str
    # The protocols of workbench.methods.capabilities the implementation satisfies (the contract test checks).
    capabilities: tuple[type, ...] = ()
    # The data kinds the method trains on (DataInfo.kind): a run on another kind is refused with a clear error.
    data_kinds: tuple[str, ...] = ("images",)
    # Named live visuals laid out as columns: ((visual name, (column title, ...)), ...). The loop tiles such a
    # visual with one example per row and the Training panel writes the titles above it.
    visual_columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tiny: TinyRun = field(default_factory=TinyRun)
    # False for a method nothing trains (an imported generator): its runs are read-only, loaded for exploring.
    trainable: bool = True

    def __post_init__(self) -> None:
        self.settings.method_name = self.name  # a RunConfig names its method through its settings' class

    def offers(self, capability: type) -> bool:
        """Whether the method implements `capability`, a protocol of workbench.methods.capabilities."""
        return capability in self.capabilities

    @property
    def capability_names(self) -> tuple[str, ...]:
        """The capabilities as short words ("latent", "encode", "translate", ...), for listings."""
        return tuple(CAPABILITY_NAMES[c] for c in self.capabilities if c in CAPABILITY_NAMES)

    def columns_of(self, visual: str) -> tuple[str, ...]:
        return dict(self.visual_columns).get(visual, ())

    @property
    def generates(self) -> bool:
        """Whether the method draws new outputs from noise (`sample`); image-to-image methods do not."""
        return not any(self.offers(c) for c in IMAGE_TO_IMAGE)


_SPECS: dict[str, MethodSpec] = {}
_CLASSES: dict[str, type] = {}


def _method_packages() -> list[str]:
    """The subpackages of workbench.methods: one per method."""
    here = Path(__file__).parent
    return [f"{__package__}.{m.name}" for m in pkgutil.iter_modules([str(here)]) if m.ispkg]


def register_method(name: str):
    """Class decorator: the implementation of the method declared under `name`."""

    def wrap(cls: type) -> type:
        if name not in _specs():
            raise ConfigError(f"method {name!r} has no MethodSpec (SPEC in its package's __init__.py)")
        _CLASSES[name] = cls
        cls.method_name = name
        return cls

    return wrap


def _specs() -> dict[str, MethodSpec]:
    """Every method's spec; the first call imports each method package's (torch-free) `__init__`."""
    if not _SPECS:
        found: dict[str, MethodSpec] = {}
        for package in _method_packages():
            spec = getattr(importlib.import_module(package), "SPEC", None)
            if not isinstance(spec, MethodSpec) or spec.name != package.rsplit(".", 1)[1]:
                raise ConfigError(f"{package} must declare SPEC, a MethodSpec named after its folder")
            found[spec.name] = spec
        _SPECS.update(found)
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
        importlib.import_module(f"{__package__}.{spec.name}.method")
    return _CLASSES[name]


def build_method(config: Any, data_info: Any, device: Any) -> Any:
    """Instantiate the method of `config` (a RunConfig) for a dataset described by `data_info`."""
    kind = getattr(data_info, "kind", "images")
    kinds = (kind, "label_maps") if getattr(data_info, "has_label_maps", False) else (kind,)
    check_data_kind(config.method_name, getattr(data_info, "name", "?"), kinds, building=True)
    return method_class(config.method_name)(config, data_info, device)


def check_trainable(method_name: str, run_id: str = "") -> None:
    """ConfigError in one line when the method trains nothing (an imported model's runs are read-only)."""
    spec = method_spec(method_name)
    if not spec.trainable:
        which = f"run {run_id} is" if run_id else f"method {spec.name!r} makes"
        raise ConfigError(f"{which} an imported model (read-only): it cannot be trained; explore it in the Latent "
                          "and Evaluate tabs, `workbench sample`, `workbench latent` or `workbench eval`")


def fits_data(spec: MethodSpec, kinds: str | tuple[str, ...]) -> bool:
    """The method trains on data offering `kinds` (a dataset's `kinds`: label-map pairs are also pairs)."""
    return any(kind in spec.data_kinds for kind in ((kinds,) if isinstance(kinds, str) else kinds))


def check_data_kind(method_name: str, dataset_name: str, kinds: str | tuple[str, ...], *,
                    building: bool = False) -> None:
    """ConfigError naming data.name when the method cannot train on data of these kinds (e.g. pix2pix on digits);
    before training (not `building` one to load a run) also when the method trains nothing at all."""
    spec = method_spec(method_name)
    if not building:
        check_trainable(method_name)
    if not fits_data(spec, kinds):
        kind = kinds if isinstance(kinds, str) else kinds[0]
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
    "label_maps": "semantic label maps → images (labels2scenes or spade-folder, data.direction AtoB)",
}
