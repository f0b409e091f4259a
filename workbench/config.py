"""Run configuration: frozen dataclasses, validation with clear messages, TOML save and load.

Every setting a user can change is a field declared with `setting(...)`, which records its allowed range or
choices and a one-line help text. Validation, the CLI flags and the GUI form are all generated from these
declarations, so a new field needs no other code.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import tomli_w
import tomllib


class ConfigError(ValueError):
    """An invalid configuration value; the message names the field and what is allowed."""


def read_toml_file(path: Path, shown: object = None, missing: str | None = None) -> dict[str, Any]:
    """A TOML file's tables; ConfigError naming the file (as `shown`, default its path) when it cannot be read, is
    not UTF-8 or is not TOML, and with the message `missing`, where given, when it does not exist."""
    shown = path if shown is None else shown
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{shown} is not UTF-8 text (byte {err.start}: {err.reason})") from None
    except OSError as err:
        if missing is not None and isinstance(err, FileNotFoundError):
            raise ConfigError(missing) from err
        raise ConfigError(f"cannot read {shown}: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{shown} is not valid TOML: {err}") from err


def setting(
    default: Any,
    *,
    help: str,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[Any, ...] | None = None,
    label: str | None = None,
    advanced: bool = False,
    aliases: dict[str, str] | None = None,
) -> Any:
    """Declare a validated configuration field (range or choices, help text, optional display label).

    `aliases` maps values earlier versions wrote (a renamed choice) to today's, so their run.toml still loads."""
    meta = {"help": help, "min": min, "max": max, "choices": choices, "label": label, "advanced": advanced,
            "aliases": aliases or {}}
    return field(default=default, metadata=meta)


def field_types(cls: type) -> dict[str, type]:
    """Resolved type of every field of a config dataclass (annotations are strings here)."""
    return get_type_hints(cls)


def allowed_text(f: dataclasses.Field) -> str:
    """Human description of what a field accepts, used in error messages and tooltips."""
    meta = f.metadata
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f"a value in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f"a value ≥ {lo:g}"
    if hi is not None:
        return f"a value ≤ {hi:g}"
    return "any value"


def _check_value(section: str, f: dataclasses.Field, typ: type, value: Any) -> Any:
    name = f"{section}.{f.name}" if section else f.name
    if typ is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        return value
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(f"{name} must be a whole number ({allowed_text(f)}), got {value!r}")
    elif typ is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name} must be a number ({allowed_text(f)}), got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number ({allowed_text(f)}), got {value!r}")
    elif typ is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be text, got {value!r}")
        value = f.metadata.get("aliases", {}).get(value, value)
    meta = f.metadata
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"{name} must be {allowed_text(f)}, got {value!r}")
    lo, hi = meta.get("min"), meta.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name} must be {allowed_text(f)}, got {value!r}")
    return value


class Validated:
    """Mixin: checks every `setting` field's type and range when the dataclass is created."""

    section: str = ""

    def __post_init__(self) -> None:
        types = field_types(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if "help" not in f.metadata:
                continue
            checked = _check_value(self.section, f, types[f.name], getattr(self, f.name))
            object.__setattr__(self, f.name, checked)


def from_mapping(cls: type, values: dict[str, Any], section: str) -> Any:
    """Build a config dataclass from a plain mapping, rejecting unknown keys by name."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in [{section}]: {', '.join(unknown)}; valid: {', '.join(sorted(known))}"
        )
    return cls(**values)


@dataclass(frozen=True)
class DataConfig(Validated):
    """Which dataset to train on and how images are prepared."""

    section = "data"
    name: str = setting("digits", help="built-in dataset name, or 'folder' for a folder of images")
    root: str = setting("", help="folder to read images from (for 'folder' and local dataset roots)")
    image_size: int = setting(32, min=8, max=1024, help="images are resized to this square size; for voxel data, the "
                                                      "grid's side (16, 32 or 64)")
    channels: int = setting(1, choices=(1, 3), help="1 = grayscale, 3 = RGB")
    batch_size: int = setting(
        64, min=1, max=4096,
        help="images per training step: the global batch; with several processes (torchrun) each takes an equal "
             "share, so the data order and the results match one process")
    workers: int = setting(
        -1, min=-1, max=64, advanced=True, label="loader workers (-1 = auto)",
        help="processes that decode image files (folder, CelebA) ahead of the training step (a torch DataLoader "
             "with pinned memory and prefetch): -1 = automatic (the cores left over, at most 8), 0 = decode in the "
             "training process. In-memory datasets need none")
    direction: str = setting(
        "AtoB", choices=("AtoB", "BtoA"),
        help="translation data (paired or unpaired): AtoB = the A side is the input and B the target; BtoA swaps "
             "them (pix2pix's --direction)")
    scale: int = setting(4, choices=(2, 4), help="super-resolution data: the high-resolution side divided by the "
                                                 "low-resolution side (image_size is the high-resolution size)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.image_size & (self.image_size - 1):
            raise ConfigError(f"data.image_size must be a power of two in [8, 1024], got {self.image_size}")


@dataclass(frozen=True)
class TrainConfig(Validated):
    """How long to train, on what device, and how often to record samples and checkpoints."""

    section = "train"
    steps: int = setting(2000, min=1, max=100_000_000, help="total training iterations")
    seed: int = setting(0, min=0, max=2**31 - 1, help="seed for weights, data order and noise")
    device: str = setting("cpu", choices=("cpu", "cuda", "mps"), help="where the networks run")
    mixed_precision: bool = setting(
        False,
        help="autocast the training step to a 16-bit float type (train.amp_dtype): bfloat16 needs no loss scaling; "
             "float16 trains with a gradient scaler. Faster on GPUs with tensor cores; on most CPUs slower")
    amp_dtype: str = setting(
        "auto", choices=("auto", "bfloat16", "float16"), advanced=True, label="16-bit type",
        help="16-bit type of train.mixed_precision: auto = bfloat16 where the device supports it (CPU, CUDA from "
             "compute capability 8.0), float16 otherwise")
    channels_last: bool = setting(
        False, advanced=True, label="channels last (NHWC)",
        help="networks and image batches in channels-last memory (NHWC): faster convolutions on tensor-core GPUs, "
             "best with mixed precision")
    compile: bool = setting(
        False, advanced=True, label="torch.compile",
        help="torch.compile the networks: the first steps are slow while it compiles (needs a C++ compiler on the "
             "CPU); later steps can be faster")
    cudnn_benchmark: bool = setting(
        True, advanced=True, label="cuDNN benchmark",
        help="CUDA: let cuDNN time its convolution algorithms once and keep the fastest (torch.backends.cudnn."
             "benchmark); no effect elsewhere")
    sync_batchnorm: bool = setting(
        False, advanced=True,
        help="with several processes (torchrun): batch norm statistics over the whole global batch instead of each "
             "process's share (torch.nn.SyncBatchNorm; CUDA only, as in PyTorch); no effect in one process")
    sample_every: int = setting(100, min=1, max=1_000_000, help="steps between sample grids")
    checkpoint_every: int = setting(500, min=1, max=10_000_000, help="steps between checkpoints")
    keep_checkpoints: int = setting(3, min=1, max=1000, help="how many recent checkpoints to keep")
    sample_count: int = setting(64, min=1, max=256, help="images in the fixed-latent sample grid")
    disentanglement_every: int = setting(
        0, min=0, max=10_000_000, advanced=True,
        help="steps between disentanglement scores (MIG, DCI, SAP of 2000 fixed training images) as curves; "
             "0 = off; for shapes2d runs of models with an encoder, ignored otherwise")
    eval_every: int = setting(
        0, min=0, max=10_000_000,
        help="steps between the Evaluate tab's metrics (FID, KID, IS, precision/recall, classes covered; "
             "reconstruction PSNR; conditional accuracy; modes covered) of a copy of the networks, computed in a "
             "background thread at train.eval_samples samples and drawn as eval/ curves; 0 = off. Costs CPU: "
             "about 1 s of one core per evaluation for a 32×32 DCGAN at 500 samples, so 500 steps apart training "
             "is ~2% slower on 2 cores, 100 apart ~9%")
    eval_samples: int = setting(
        500, min=50, max=50_000, advanced=True,
        help="samples per evaluation during training (train.eval_every); the curves' labels state it, e.g. "
             "\"FID [digits-cnn, 500]\" (FID is biased upwards at small counts: compare curves of the same count)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.mixed_precision and self.device == "mps":
            raise ConfigError("train.mixed_precision needs train.device = 'cuda' or 'cpu'")
        if self.mixed_precision and self.device == "cpu" and self.amp_dtype == "float16":
            raise ConfigError("train.amp_dtype: float16 autocast needs train.device = 'cuda'; on the CPU use "
                              "'bfloat16' (or 'auto')")
        if self.sync_batchnorm and self.device != "cuda":
            raise ConfigError("train.sync_batchnorm needs train.device = 'cuda' (PyTorch synchronises batch norm "
                              "across processes on GPUs only)")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run: the method (with its own settings), the data and the schedule."""

    method: Any  # a method's settings dataclass (see workbench.methods)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    @property
    def method_name(self) -> str:
        return type(self.method).method_name

    def to_dict(self) -> dict[str, Any]:
        method = {"name": self.method_name, **dataclasses.asdict(self.method)}
        return {"method": method, "data": dataclasses.asdict(self.data), "train": dataclasses.asdict(self.train)}

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any], settings_class: Callable[[str], type]) -> RunConfig:
        """Parse the `[method]`, `[data]`, `[train]` mapping; `settings_class(name)` is the method's settings
        dataclass (`workbench.methods.registry.load_run_config` passes the registry's)."""
        if not isinstance(d, dict):
            raise ConfigError(f"a run configuration is a table of [method], [data] and [train], not {d!r}")
        unknown = sorted(set(d) - {"method", "data", "train"})
        if unknown:
            raise ConfigError(f"unknown section(s): {', '.join(unknown)}; valid: method, data, train")
        for section in ("method", "data", "train"):
            if not isinstance(d.get(section, {}), dict):
                raise ConfigError(f"{section} = {d[section]!r} must be a table ([{section}])")
        method_values = dict(d.get("method", {}))
        name = method_values.pop("name", None)
        if not name:
            raise ConfigError("[method] needs a name, e.g. name = \"dcgan\"")
        return cls(
            method=from_mapping(settings_class(name), method_values, "method"),
            data=from_mapping(DataConfig, dict(d.get("data", {})), "data"),
            train=from_mapping(TrainConfig, dict(d.get("train", {})), "train"),
        )

    def replace(self, section: str, **changes: Any) -> RunConfig:
        """A copy with some fields of one section changed (validated again)."""
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})
