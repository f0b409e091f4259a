"""Loading a user's network: a Python file's nn.Module class (run with importlib), a TorchScript file
(torch.jit.load) or a torch.export .pt2 file (torch.export.load), and its weights from safetensors or a `.pt`
read with `torch.load(weights_only=True)`, so nothing in a weights file is ever run.

Every failure is a ConfigError of one line naming the field, the file and the reason (a missing class, a
module that raises while it is imported, a weights file with pickled code, a tensor missing or of the wrong
shape), never a traceback.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import pickle
import sys
import traceback
from pathlib import Path
from typing import Any

import torch
from torch import nn

from workbench.config import ConfigError

SAFETENSORS = (".safetensors",)
PYTHON = (".py",)
EXPORTED = (".pt2",)


def one_line(err: BaseException) -> str:
    """An exception as `Type: first line of its message`."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def kwargs_of(field: str, text: str) -> dict[str, Any]:
    """The JSON object of a `*_kwargs` setting."""
    try:
        value = json.loads(text or "{}")
    except ValueError as err:
        raise ConfigError(f"{field}: not a JSON object ({err})") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{field}: must be a table of keyword arguments, got {value!r}")
    return value


def _user_line(err: BaseException, path: Path) -> str:
    """' (line N)' of the deepest frame of the user's file in the exception's traceback, or ''."""
    lines = [frame.lineno for frame in traceback.extract_tb(err.__traceback__) if Path(frame.filename) == path]
    return f" (line {lines[-1]})" if lines else ""


def python_module(field: str, path: Path) -> Any:
    """Run the Python file `path` as a module of its own (its code runs here: the user chose it)."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"workbench_imported_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{field}: {path.name} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing in the user's module look themselves up there
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        del sys.modules[name]
        raise ConfigError(f"{field}: {path.name} line {err.lineno}: SyntaxError: {err.msg}") from None
    except BaseException as err:  # noqa: BLE001 - the user's code may raise anything, SystemExit included
        del sys.modules[name]
        if isinstance(err, KeyboardInterrupt):
            raise
        raise ConfigError(f"{field}: running {path.name} failed{_user_line(err, path)}: {one_line(err)}") from None
    return module


def module_from_class(file_field: str, path: Path, class_field: str, class_name: str,
                      kwargs_field: str, kwargs: dict[str, Any]) -> nn.Module:
    """An instance of the nn.Module class `class_name` defined in the Python file `path`."""
    if not class_name:
        raise ConfigError(f"{class_field}: name the nn.Module class defined in {path.name}")
    module = python_module(file_field, path)
    cls = getattr(module, class_name, None)
    if cls is None:
        found = sorted(n for n, v in vars(module).items()
                       if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == module.__name__)
        hint = f"; it defines {', '.join(found)}" if found else "; it defines no nn.Module class"
        raise ConfigError(f"{class_field}: {path.name} has no class {class_name!r}{hint}")
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ConfigError(f"{class_field}: {class_name} in {path.name} is not an nn.Module class")
    try:
        return cls(**kwargs)
    except Exception as err:  # noqa: BLE001 - the user's constructor
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        raise ConfigError(f"{kwargs_field}: {class_name}({args}) failed{_user_line(err, path)}: "
                          f"{one_line(err)}") from None


class Wrapped(nn.Module):
    """A loaded program as a plain module (`inner` holds it; its weights are inner's): the explorers call
    `requires_grad_` and `eval` on every network, which a TorchScript module refuses."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.inner(*inputs)


def scripted_module(field: str, path: Path) -> nn.Module:
    """A TorchScript file (torch.jit.save) on the CPU."""
    try:
        return Wrapped(torch.jit.load(str(path), map_location="cpu"))
    except Exception as err:  # noqa: BLE001 - torch reports a bad archive with many types
        raise ConfigError(f"{field}: {path.name} is not a TorchScript file ({one_line(err)}); a Python file "
                          "needs the .py suffix, a torch.export program .pt2") from None


class ExportedModule(Wrapped):
    """A torch.export program as a module; a program exported for a fixed batch size is called in chunks of that
    size (the last one padded), so any number of codes can be decoded."""

    def __init__(self, program: Any) -> None:
        super().__init__(program.module())
        self.batch = _static_batch(program)

    def train(self, mode: bool = True) -> ExportedModule:
        """An exported program is fixed in the mode it was exported in (eval, as a rule); nothing to switch."""
        self.training = mode
        return self

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        if self.batch is None or inputs[0].shape[0] == self.batch:
            return self.inner(*inputs)
        n, b, outs = inputs[0].shape[0], self.batch, []
        for start in range(0, n, b):
            part = [t[start:start + b] for t in inputs]
            short = b - part[0].shape[0]
            if short:
                part = [torch.cat([t, t[-1:].expand(short, *t.shape[1:])]) for t in part]
            outs.append(self.inner(*part)[: b - short])
        return torch.cat(outs) if outs else self.inner(*[t[:0] for t in inputs])


def _static_batch(program: Any) -> int | None:
    """The batch size a program was exported for, or None when its batch dimension is dynamic."""
    try:
        first = program.graph_signature.user_inputs[0]
        node = next(n for n in program.graph.nodes if n.op == "placeholder" and n.name == first)
        size = node.meta["val"].shape[0]
    except (AttributeError, IndexError, KeyError, StopIteration):
        return None
    return int(size) if isinstance(size, int) else None


def exported_module(field: str, path: Path) -> nn.Module:
    """A torch.export program (torch.export.save, .pt2) as a module."""
    try:
        program = torch.export.load(str(path))
    except Exception as err:  # noqa: BLE001
        raise ConfigError(f"{field}: {path.name} is not a torch.export program ({one_line(err)})") from None
    return ExportedModule(program)


def network(file_field: str, path: Path, class_field: str, class_name: str, kwargs_field: str,
            kwargs_text: str) -> nn.Module:
    """The module a model file defines, by its suffix: .py (with its class), .pt2, else TorchScript."""
    if not path.is_file():
        raise ConfigError(f"{file_field}: {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in PYTHON:
        return module_from_class(file_field, path, class_field, class_name, kwargs_field,
                                 kwargs_of(kwargs_field, kwargs_text))
    if suffix in EXPORTED:
        return exported_module(file_field, path)
    return scripted_module(file_field, path)


def read_weights(field: str, path: Path) -> dict[str, torch.Tensor]:
    """A state_dict from safetensors, or from a torch.save file read with weights_only=True (tensors only: a
    file holding pickled code is refused and nothing of it runs)."""
    if not path.is_file():
        raise ConfigError(f"{field}: {path} does not exist")
    if path.suffix.lower() in SAFETENSORS:
        from safetensors.torch import load_file

        try:
            return load_file(str(path), device="cpu")
        except Exception as err:  # noqa: BLE001 - SafetensorError, OSError, ...
            raise ConfigError(f"{field}: {path.name} is not a safetensors file ({one_line(err)})") from None
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ConfigError(f"{field}: {path.name} holds pickled Python objects besides tensors, which "
                          "torch.load(weights_only=True) refuses (nothing of it was run); save "
                          "model.state_dict() or a safetensors file instead") from None
    except Exception as err:  # noqa: BLE001 - a zip that is no torch file, a truncated file...
        raise ConfigError(f"{field}: {path.name} cannot be read as weights ({one_line(err)})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]  # the usual {"state_dict": ..., "epoch": ...} checkpoint
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"{field}: {path.name} is not a state_dict (a mapping of names to tensors)")
    return {str(k): v for k, v in state.items()}


def load_weights(field: str, path: Path, net: nn.Module, what: str) -> None:
    """Put the weights of `path` into `net`, naming the first tensor missing, unexpected or of another shape."""
    state = read_weights(field, path)
    net = net.inner if isinstance(net, Wrapped) else net
    expected = net.state_dict()
    for name, tensor in expected.items():
        if name not in state:
            near = ", ".join(sorted(state)[:4]) or "none"
            raise ConfigError(f"{field}: {path.name} has no tensor {name!r}, which {what} needs (it has {near}"
                              f"{', ...' if len(state) > 4 else ''})")
        if tuple(state[name].shape) != tuple(tensor.shape):
            raise ConfigError(f"{field}: tensor {name!r} has shape {list(state[name].shape)} in {path.name}, "
                              f"{what} makes {list(tensor.shape)}")
    extra = sorted(set(state) - set(expected))
    if extra:
        raise ConfigError(f"{field}: {path.name} has tensor {extra[0]!r}, which {what} does not have"
                          f"{f' (and {len(extra) - 1} more)' if len(extra) > 1 else ''}")
    try:
        net.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError) as err:
        raise ConfigError(f"{field}: {path.name} does not fit {what}: {one_line(err)}") from None
