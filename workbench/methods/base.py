"""The Method protocol every trainable system implements, the capability protocols panels test for, and the
small helpers methods share (devices, mixed precision, noise, gradient norms).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

Batch = tuple[torch.Tensor, torch.Tensor]  # images N×C×H×W in [-1, 1], integer labels N


@runtime_checkable
class Method(Protocol):
    """One trainable system: networks, losses and optimizers."""

    loss_names: tuple[str, ...]

    def train_step(self, batch: Batch) -> dict[str, float]:
        """One iteration (every optimizer update it needs); returns losses and diagnostics as floats."""

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n outputs from a seeded latent batch, on CPU, in [-1, 1]."""

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Named image batches for the live view (e.g. input | reconstruction)."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@runtime_checkable
class LatentModel(Protocol):
    """A model with a latent space that can be decoded (and, with `encode`, inferred from images)."""

    latent_dim: int

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor: ...

    def decode(self, z: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class Encoder(Protocol):
    def encode(self, x: torch.Tensor) -> torch.Tensor: ...


def gradient_norm(module: nn.Module) -> float:
    """L2 norm of all parameter gradients of `module` (0 when none are set)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))


class MethodBase:
    """Shared plumbing: device, mixed precision, a private noise generator, fixed-seed sampling."""

    loss_names: tuple[str, ...] = ()
    method_name: str = ""
    # Attributes saved whole in checkpoints: networks, optimizers, gradient scalers (anything with
    # state_dict / load_state_dict). Methods with more state extend state_dict / load_state_dict.
    stateful: tuple[str, ...] = ()

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        self.config = config
        self.settings = config.method
        self.data_info = data_info
        self.device = device
        self.amp = bool(config.train.mixed_precision) and device.type == "cuda"
        # Training noise comes from the method's own generator so that drawing samples for the live view
        # never shifts the training noise sequence (and checkpoints can restore it exactly).
        self.noise = torch.Generator(device=device).manual_seed(config.train.seed + 1)

    def autocast(self) -> torch.autocast:
        return torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.amp)

    def grad_scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler(self.device.type, enabled=self.amp)

    def randn(self, *shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=self.noise, device=self.device)

    @staticmethod
    def seeded_normal(n: int, dim: int, seed: int) -> torch.Tensor:
        """The same latent batch for the same seed on every machine (drawn on CPU)."""
        return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))

    def state_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name).state_dict() for name in self.stateful}, **self.base_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in self.stateful:
            if name not in state:
                raise KeyError(f"the checkpoint has no state for {name!r}")
            target = getattr(self, name)
            if isinstance(target, torch.amp.GradScaler) and not state[name]:
                continue  # saved by a disabled scaler (no mixed precision): nothing to restore
            target.load_state_dict(state[name])
        self.load_base_state(state)

    def base_state(self) -> dict[str, Any]:
        return {"noise_rng": self.noise.get_state()}

    def load_base_state(self, state: dict[str, Any]) -> None:
        self.noise.set_state(state["noise_rng"].to(torch.uint8).cpu())
