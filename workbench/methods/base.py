"""The Method protocol every trainable system implements and the small helpers methods share (devices, mixed
precision, noise, the optimizer step, eval mode). What a method can do besides training is described by the
protocols of `workbench.methods.capabilities`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

from workbench.config import ConfigError

Batch = tuple[torch.Tensor, torch.Tensor]  # images N×C×H×W in [-1, 1], integer labels N
# The checkpointed state of a generator G and a discriminator D (see `MethodBase.adversarial_optimizers`).
ADVERSARIAL_STATE = ("G", "D", "opt_g", "opt_d", "scaler_g", "scaler_d")


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


def require_images(data_info: Any, method: str, min_size: int = 8) -> None:
    """A clear ConfigError when the dataset is not square power-of-two images of at least `min_size`."""
    size = int(getattr(data_info, "image_size", 0) or 0)
    if size < min_size or size & (size - 1) or int(getattr(data_info, "channels", 0) or 0) < 1:
        raise ConfigError(
            f"data: method {method!r} trains on square images whose size is a power of two ≥ {min_size}; "
            f"dataset {getattr(data_info, 'name', '?')!r} gives size {size}"
        )


def grid_width(n: int) -> int:
    """Images per row of an n-image sample grid (⌈√n⌉, as `image_grid` draws it)."""
    return max(1, math.ceil(math.sqrt(n)))


def grid_row_labels(n: int, num_classes: int) -> torch.Tensor:
    """Class per image of an n-image sample grid so that each grid row is one class (cycling through the
    classes when there are more rows than classes)."""
    return (torch.arange(n) // grid_width(n)) % num_classes


def gradient_norm_tensor(module: nn.Module) -> torch.Tensor:
    """L2 norm of all parameter gradients of `module` as a 0-dim float32 tensor on their device, not read: reading
    it waits for the device, so a step reads all its scalars at once (`read_scalars`). Per-tensor norms in one
    fused call (`torch._foreach_norm`) rather than one call per parameter. 0 when no gradient is set."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros((), device=next(module.parameters(), torch.zeros(())).device)
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)).float())


def gradient_norm(module: nn.Module) -> float:
    """L2 norm of all parameter gradients of `module` (0 when none are set)."""
    return float(gradient_norm_tensor(module))


def optimizer_step_tensor(
    loss: torch.Tensor, opt: torch.optim.Optimizer, scaler: torch.amp.GradScaler, module: nn.Module
) -> torch.Tensor:
    """Backward (scaled), unscale, measure `module`'s gradient norm, step; the gradient norm before the step as a
    0-dim tensor, not read (`gradient_norm_tensor`)."""
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    norm = gradient_norm_tensor(module)
    scaler.step(opt)
    scaler.update()
    return norm


def optimizer_step(
    loss: torch.Tensor, opt: torch.optim.Optimizer, scaler: torch.amp.GradScaler, module: nn.Module
) -> float:
    """`optimizer_step_tensor` with the norm read as a float."""
    return float(optimizer_step_tensor(loss, opt, scaler, module))


def read_scalars(values: dict[str, torch.Tensor | float]) -> dict[str, float]:
    """Every value as a Python float, in the same order; the 0-dim tensors among them are stacked and read in one
    transfer, so a GPU step waits for its device once instead of once per scalar."""
    tensors = {name: value for name, value in values.items() if isinstance(value, torch.Tensor)}
    read: dict[str, float] = {}
    if tensors:
        stacked = torch.stack([value.detach().reshape(()).float() for value in tensors.values()])
        read = dict(zip(tensors, stacked.tolist(), strict=True))
    return {name: read[name] if name in read else float(value) for name, value in values.items()}


@contextlib.contextmanager
def in_eval(*modules: nn.Module) -> Iterator[None]:
    """Modules in eval mode (batch-norm running statistics, no dropout) inside the block, their modes restored
    after."""
    was = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        yield
    finally:
        for m, w in zip(modules, was, strict=True):
            m.train(w)


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    """Freeze a discriminator while its generator's loss is minimised: D's gradients from that loss would only be
    computed to be thrown away."""
    for p in module.parameters():
        p.requires_grad_(flag)


def autocast_dtype(name: str, device: torch.device) -> torch.dtype:
    """train.amp_dtype on `device`: "auto" is bfloat16 on the CPU and on CUDA devices that support it."""
    if name == "float16":
        return torch.float16
    if name == "bfloat16" or device.type != "cuda":
        return torch.bfloat16
    return torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16


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
        self.amp = bool(config.train.mixed_precision) and device.type in ("cuda", "cpu")
        self.amp_dtype = autocast_dtype(config.train.amp_dtype, device) if self.amp else torch.float32
        self.channels_last = bool(getattr(config.train, "channels_last", False))
        # Training noise comes from the method's own generator so that drawing samples for the live view
        # never shifts the training noise sequence (and checkpoints can restore it exactly).
        self.noise = torch.Generator(device=device).manual_seed(config.train.seed + 1)
        self.shard = (0, 1)  # (rank, world size) of a data-parallel run: see randn

    def autocast(self) -> torch.autocast:
        """The training step's forward passes in `amp_dtype` (train.mixed_precision), else a no-op."""
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype, enabled=self.amp)

    @property
    def scales_loss(self) -> bool:
        """float16 needs its losses scaled against gradient underflow; bfloat16 has float32's range."""
        return self.amp and self.amp_dtype == torch.float16

    def grad_scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler(self.device.type, enabled=self.scales_loss)

    def networks(self) -> list[nn.Module]:
        """The method's networks (every nn.Module attribute)."""
        return [value for value in vars(self).values() if isinstance(value, nn.Module)]

    @contextlib.contextmanager
    def evaluating(self) -> Iterator[None]:
        """Every network in eval mode and no gradients inside the block, the modes restored after."""
        with in_eval(*self.networks()), torch.no_grad():
            yield

    def on_device(self, batch: Batch) -> tuple[torch.Tensor, ...]:
        """The batch's tensors on the method's device (image batches channels-last with train.channels_last)."""
        moved = tuple(t.to(self.device, non_blocking=True) for t in batch)
        if not self.channels_last:
            return moved
        return tuple(t.contiguous(memory_format=torch.channels_last) if t.ndim == 4 else t for t in moved)

    def adversarial_optimizers(self, g_params: Any, d_params: Any, lr_g: float, lr_d: float,
                               betas: tuple[float, float], rmsprop: bool = False) -> None:
        """`opt_g` and `opt_d` (Adam, or RMSprop) with their gradient scalers `scaler_g` and `scaler_d`."""
        if rmsprop:
            self.opt_g, self.opt_d = torch.optim.RMSprop(g_params, lr=lr_g), torch.optim.RMSprop(d_params, lr=lr_d)
        else:
            self.opt_g = torch.optim.Adam(g_params, lr=lr_g, betas=betas)
            self.opt_d = torch.optim.Adam(d_params, lr=lr_d, betas=betas)
        self.scaler_g, self.scaler_d = self.grad_scaler(), self.grad_scaler()

    def randn(self, *shape: int) -> torch.Tensor:
        """Training noise of `shape` from the method's generator. In a data-parallel run (`shard` = (rank, world
        size)) every process draws the whole global batch's noise and keeps its own slice of the first
        dimension, so that the processes together use exactly the noise one process would."""
        rank, world = self.shard
        if world == 1:
            return torch.randn(*shape, generator=self.noise, device=self.device)
        n = shape[0]
        full = torch.randn(n * world, *shape[1:], generator=self.noise, device=self.device)
        return full[rank * n:(rank + 1) * n]

    @staticmethod
    def seeded_normal(n: int, dim: int, seed: int) -> torch.Tensor:
        """The same latent batch for the same seed on every machine (drawn on CPU)."""
        return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n codes z ~ N(0, I) of the method's `latent_dim` (methods with another prior override this)."""
        return self.seeded_normal(n, self.latent_dim, seed)

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n outputs decoded from the seeded prior batch (`decode` is the method's)."""
        return self.decode(self.prior_sample(n, seed=seed))

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


class ImageToImageMethod(MethodBase):
    """A method that maps given images to images (translation, super-resolution): nothing to sample."""

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        raise NotImplementedError(f"{self.method_name} has no latent prior: it maps given images to images")

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        raise NotImplementedError(f"{self.method_name} maps given images to images; it draws nothing from noise")
