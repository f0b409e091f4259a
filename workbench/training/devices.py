"""Choosing the torch device a run asked for, with a clear error when it is not here."""

from __future__ import annotations

import torch

from workbench.config import ConfigError


def available_devices() -> list[str]:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def resolve_device(name: str) -> torch.device:
    if name not in available_devices():
        raise ConfigError(
            f"train.device: {name!r} is not available on this machine; available: {', '.join(available_devices())}"
        )
    return torch.device(name)
