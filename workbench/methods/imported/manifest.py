"""The import TOML (`model.toml`): the facts a user declares about a generator trained elsewhere, read and
checked without torch, so the window's Import dialog can check a form before anything loads.

    [model]
    file = "mygen.py"            # a .py file defining an nn.Module, a TorchScript file, or a torch.export .pt2
    class = "MyGen"              # the class in file (.py only)
    kwargs = { latent_dim = 16 } # keyword arguments of the class (optional)
    weights = "mygen.safetensors"  # .safetensors, or .pt/.pth read with torch.load(weights_only=True)
    latent_dim = 16
    prior = "normal"             # or "uniform" (U[-1, 1])
    latent_shape = "vector"      # or "map": z enters as N×D×1×1
    image_size = 32
    channels = 1
    range = [-1, 1]              # the outputs' black and white, e.g. [0, 1]
    classes = 0                  # K ≥ 2: a conditional generator called as G(z, labels)

    [encoder]                    # optional
    file = "mygen.py"; class = "MyEncoder"; kwargs = {}; weights = "myenc.safetensors"; returns = "mean"

    [data]                       # optional: the dataset it was trained on (Evaluate, Pin from dataset)
    name = "digits"; root = ""

Paths are relative to the TOML's folder. Every error is a ConfigError naming the TOML, the table and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import ConfigError, read_toml_file

MODEL_KEYS = ("file", "class", "kwargs", "weights", "latent_dim", "prior", "latent_shape", "image_size", "channels",
              "range", "classes")
ENCODER_KEYS = ("file", "class", "kwargs", "weights", "returns")
DATA_KEYS = ("name", "root")
REQUIRED = ("file", "latent_dim", "image_size", "channels")


@dataclass(frozen=True)
class NetworkFiles:
    """A network's file (absolute), class, keyword arguments and weights file (absolute, or None)."""

    file: Path
    class_name: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    weights: Path | None = None


@dataclass(frozen=True)
class Manifest:
    """What the import TOML (or the Import dialog's form) declares."""

    model: NetworkFiles
    latent_dim: int
    image_size: int
    channels: int
    prior: str = "normal"
    latent_shape: str = "vector"
    value_range: tuple[float, float] = (-1.0, 1.0)
    classes: int = 0
    encoder: NetworkFiles | None = None
    encoder_returns: str = "mean"
    data_name: str = "digits"
    data_root: str = ""
    source: Path | None = None  # the TOML read, when there is one

    @property
    def label(self) -> str:
        """A short name for run ids: the class, else the file's stem."""
        text = self.model.class_name or self.model.file.stem
        return "".join(c if c.isalnum() or c in "-_" else "-" for c in text.lower())[:40] or "model"

    def files(self) -> dict[Path, str]:
        """Each file to copy (absolute) → its name in the run's model folder; a file named twice is copied once,
        two different files with one name get the encoder's prefixed (the TOML is written beside them)."""
        names: dict[Path, str] = {}
        wanted = [("", self.model.file), ("", self.model.weights)]
        if self.encoder is not None:
            wanted += [("encoder-", self.encoder.file), ("encoder-", self.encoder.weights)]
        for prefix, path in wanted:
            if path is None or path in names:
                continue
            name = path.name
            if name in names.values():
                name = prefix + name if prefix + name not in names.values() else f"{len(names)}-{name}"
            names[path] = name
        return names


def _where(source: Any, table: str, key: str) -> str:
    return f"{source}: [{table}] {key}"


def _int(source: Any, table: str, values: dict[str, Any], key: str, lo: int, default: int | None = None) -> int:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ConfigError(f"{_where(source, table, key)} must be a whole number ≥ {lo}, got {value!r}")
    return value


def _choice(source: Any, table: str, values: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = values.get(key, choices[0])
    if value not in choices:
        raise ConfigError(f"{_where(source, table, key)} must be {' or '.join(map(repr, choices))}, got {value!r}")
    return value


def _path(source: Any, table: str, values: dict[str, Any], key: str, base: Path, *, required: bool) -> Path | None:
    value = values.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{_where(source, table, key)} must be a file name (text), got {value!r}")
    if not value:
        if required:
            raise ConfigError(f"{_where(source, table, key)} is missing: name the file")
        return None
    path = (base / Path(value).expanduser()).resolve()
    if not path.is_file():
        raise ConfigError(f"{_where(source, table, key)}: {path} does not exist")
    return path


def _network(source: Any, table: str, values: dict[str, Any], base: Path) -> NetworkFiles:
    file = _path(source, table, values, "file", base, required=True)
    assert file is not None
    class_name = values.get("class", "")
    if not isinstance(class_name, str):
        raise ConfigError(f"{_where(source, table, 'class')} must be a class name (text), got {class_name!r}")
    if file.suffix.lower() == ".py" and not class_name:
        raise ConfigError(f"{_where(source, table, 'class')} is missing: name the nn.Module class in {file.name}")
    kwargs = values.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise ConfigError(f"{_where(source, table, 'kwargs')} must be a table, e.g. kwargs = {{ latent_dim = 64 }}")
    weights = _path(source, table, values, "weights", base, required=file.suffix.lower() == ".py")
    if weights is not None and weights.suffix.lower() in (".py", ".pt2"):
        raise ConfigError(f"{_where(source, table, 'weights')}: {weights.name} is not a weights file "
                          "(.safetensors, or .pt/.pth of a state_dict)")
    return NetworkFiles(file, class_name, dict(kwargs), weights)


def _table(doc: dict[str, Any], source: Any, name: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
    values = doc.get(name)
    if values is None:
        return None
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: {name} must be a table ([{name}])")
    unknown = sorted(set(values) - set(keys))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) in [{name}]: {', '.join(unknown)}; valid: {', '.join(keys)}")
    return values


def manifest_from_dict(doc: dict[str, Any], base: Path, source: Any = "model.toml",
                       source_path: Path | None = None) -> Manifest:
    """The Manifest of a parsed import TOML (paths relative to `base`); ConfigError naming `source`, the table
    and the key."""
    unknown = sorted(set(doc) - {"model", "encoder", "data"})
    if unknown:
        raise ConfigError(f"{source}: unknown table(s) {', '.join(unknown)}; valid: [model], [encoder], [data]")
    model = _table(doc, source, "model", MODEL_KEYS)
    if model is None:
        raise ConfigError(f"{source}: no [model] table (file, class, weights, latent_dim, image_size, channels...)")
    for key in REQUIRED:
        if key not in model:
            raise ConfigError(f"{_where(source, 'model', key)} is missing")
    image_size = _int(source, "model", model, "image_size", 8)
    if image_size > 1024 or image_size & (image_size - 1):
        raise ConfigError(f"{_where(source, 'model', 'image_size')} must be a power of two in [8, 1024] (the "
                          f"generator's square output), got {image_size}")
    channels = _int(source, "model", model, "channels", 1)
    if channels not in (1, 3):
        raise ConfigError(f"{_where(source, 'model', 'channels')} must be 1 (grayscale) or 3 (RGB), got {channels}")
    value_range = model.get("range", [-1.0, 1.0])
    if (not isinstance(value_range, list) or len(value_range) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value_range)
            or value_range[1] <= value_range[0]):
        raise ConfigError(f"{_where(source, 'model', 'range')} must be [black, white] with black < white, e.g. "
                          f"[-1, 1] or [0, 1], got {value_range!r}")
    classes = _int(source, "model", model, "classes", 0, 0)
    if classes == 1:
        raise ConfigError(f"{_where(source, 'model', 'classes')} must be 0 (unconditional) or at least 2, got 1")
    encoder = _table(doc, source, "encoder", ENCODER_KEYS)
    data = _table(doc, source, "data", DATA_KEYS) or {}
    for key in DATA_KEYS:
        if not isinstance(data.get(key, ""), str):
            raise ConfigError(f"{_where(source, 'data', key)} must be text, got {data[key]!r}")
    return Manifest(
        model=_network(source, "model", model, base),
        latent_dim=_int(source, "model", model, "latent_dim", 1),
        image_size=image_size, channels=channels,
        prior=_choice(source, "model", model, "prior", ("normal", "uniform")),
        latent_shape=_choice(source, "model", model, "latent_shape", ("vector", "map")),
        value_range=(float(value_range[0]), float(value_range[1])), classes=classes,
        encoder=None if encoder is None else _network(source, "encoder", encoder, base),
        encoder_returns="mean" if encoder is None else _choice(source, "encoder", encoder, "returns",
                                                               ("mean", "mean_logvar")),
        data_name=data.get("name", "") or "digits",
        data_root=str((base / data["root"]).resolve()) if data.get("root") else "",
        source=source_path,
    )


def read_manifest(path: str | Path) -> Manifest:
    """The import TOML at `path`; ConfigError naming it and the key at fault."""
    path = Path(path).expanduser().resolve()
    doc = read_toml_file(path, shown=path.name, missing=f"{path} does not exist")
    return manifest_from_dict(doc, path.parent, path.name, path)


def settings_values(manifest: Manifest, names: dict[Path, str], folder: str) -> dict[str, Any]:
    """The imported method's settings (ImportedSettings fields) for a run whose copies are named `names`
    inside `<run folder>/model/`."""
    from workbench.methods.imported import MODEL_FOLDER

    def rel(path: Path | None) -> str:
        return "" if path is None else f"{MODEL_FOLDER}/{names[path]}"

    enc = manifest.encoder
    return {
        "run_folder": folder, "model_file": rel(manifest.model.file), "model_class": manifest.model.class_name,
        "model_kwargs": json.dumps(manifest.model.kwargs), "weights": rel(manifest.model.weights),
        "latent_dim": manifest.latent_dim, "prior": manifest.prior, "latent_shape": manifest.latent_shape,
        "value_min": manifest.value_range[0], "value_max": manifest.value_range[1], "classes": manifest.classes,
        "encoder_file": rel(enc.file if enc else None), "encoder_class": enc.class_name if enc else "",
        "encoder_kwargs": json.dumps(enc.kwargs if enc else {}), "encoder_weights": rel(enc.weights if enc else None),
        "encoder_returns": manifest.encoder_returns,
    }


def manifest_to_toml(manifest: Manifest, names: dict[Path, str] | None = None) -> str:
    """The import TOML of a manifest (the dialog's form, saved beside the copies), files by `names` or by path."""
    import tomli_w

    def name(path: Path | None) -> str:
        return "" if path is None else (names[path] if names else str(path))

    def network(net: NetworkFiles) -> dict[str, Any]:
        out: dict[str, Any] = {"file": name(net.file)}
        if net.class_name:
            out["class"] = net.class_name
        if net.kwargs:
            out["kwargs"] = net.kwargs
        if net.weights is not None:
            out["weights"] = name(net.weights)
        return out

    doc: dict[str, Any] = {"model": {**network(manifest.model), "latent_dim": manifest.latent_dim,
                                     "prior": manifest.prior, "latent_shape": manifest.latent_shape,
                                     "image_size": manifest.image_size, "channels": manifest.channels,
                                     "range": list(manifest.value_range), "classes": manifest.classes}}
    if manifest.encoder is not None:
        doc["encoder"] = {**network(manifest.encoder), "returns": manifest.encoder_returns}
    doc["data"] = {"name": manifest.data_name, **({"root": manifest.data_root} if manifest.data_root else {})}
    return tomli_w.dumps(doc)
