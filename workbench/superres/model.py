"""A trained super-resolution model (SRResNet or SRGAN) as the comparison tools, the CLI and the pane see it.

`SuperResolutionModel` wraps a method object that has `upscale(lr)` (networks on the CPU) and adds what a user
needs to tell models apart: method, scale, channels, run id and checkpoint step. Images are float N×C×H×W in
[-1, 1] (`upscale`) or uint8 H×W×C (`upscale_uint8`), always on the CPU, on one torch intra-op thread.

Large images are upscaled in tiles: the networks are fully convolutional, so an image whose output stays under
`TILE_OUTPUT_PIXELS` goes through in one pass; a larger one is cut into tiles that each carry `context` extra
low-resolution pixels on every side (at least the network's receptive-field radius), and only each tile's own
part of the output is kept. The result equals the one-pass output (up to float rounding) while the memory of
the activations stays bounded by the tile size, not the image size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.compat import one_torch_thread
from workbench.config import ConfigError
from workbench.methods.capabilities import Upscaler
from workbench.methods.registry import method_spec
from workbench.runs.run import Run
from workbench.superres.errors import SuperResolutionError

# Above this many output pixels per pass an image is upscaled in tiles: 512×512 output pixels keep a 32-channel
# network's activations near 100 MB.
TILE_OUTPUT_PIXELS = 512 * 512


def display_name(method_name: str) -> str:
    """How the papers write the method's name (its spec's display name): SRResNet, SRGAN."""
    try:
        return method_spec(method_name).display_name
    except ConfigError:
        return method_name


def is_super_resolution_method(method_name: str) -> bool:
    """True for methods that upscale images (their spec offers `Upscaler`: srresnet, srgan)."""
    try:
        return method_spec(method_name).offers(Upscaler)
    except (ConfigError, KeyError, ValueError):
        return False


def receptive_radius(residual_blocks: int) -> int:
    """Low-resolution pixels a network output depends on around its own position, rounded up generously.

    SRResNet: a 9×9 input convolution (4), two 3×3 convolutions per residual block (2 each), one 3×3 after the
    blocks (1), one 3×3 per sub-pixel upsampling stage and a 9×9 output convolution at high resolution (≤ 1 + 4
    low-resolution pixels); 8 more as a margin for variants of the architecture.
    """
    return 4 + 2 * residual_blocks + 1 + 5 + 8


def _networks(method: Any) -> list[nn.Module]:
    return [value for value in vars(method).values() if isinstance(value, nn.Module)]


class SuperResolutionModel:
    """A trained SR model on the CPU: `upscale` N×C×h×w → N×C×(h·scale)×(w·scale), both in [-1, 1]."""

    def __init__(self, method: Any, *, method_name: str = "", run: Run | None = None, step: int | None = None,
                 residual_blocks: int | None = None) -> None:
        """Prefer `from_run`; `method` is a live srresnet/srgan method object (tests, notebooks)."""
        name = method_name or getattr(type(method), "method_name", "") or ""
        if not isinstance(method, Upscaler):
            raise SuperResolutionError(f"method {name!r} cannot upscale images (it is not a super-resolution "
                                       "method such as srresnet or srgan)")
        info = method.data_info
        self.method = method
        self.method_name: str = name
        self.scale: int = int(method.scale)
        self.channels: int = int(info.channels)
        self.run = run
        self.run_id: str = run.id if run is not None else ""
        self.step: int | None = step
        self.trained_size: int = int(info.image_size)  # the HR crop size it was trained on
        blocks = residual_blocks if residual_blocks is not None else getattr(method, "residual_blocks", 16)
        self.context: int = receptive_radius(int(blocks))
        for net in _networks(method):
            net.requires_grad_(False)

    # --- construction --------------------------------------------------------------------------------------------
    @classmethod
    def from_run(cls, run: Run) -> SuperResolutionModel:
        """The run's latest checkpoint on the CPU; SuperResolutionError when the run is not an SR run, has no
        checkpoint, or its checkpoint does not load."""
        from workbench.training.session import RunLoadError, TrainingSession

        try:
            config = run.config
            name = config.method_name
        except (OSError, ConfigError, KeyError, ValueError) as err:
            raise SuperResolutionError(f"cannot read the configuration of run {run.path.name}: {err}") from err
        if not is_super_resolution_method(name):
            raise SuperResolutionError(f"run {run.id} trains {name!r}, which does not upscale images; choose an "
                                       f"srresnet or srgan run")
        try:
            session = TrainingSession.from_run(run)
        except RunLoadError as err:
            raise SuperResolutionError(str(err)) from None
        blocks = getattr(config.method, "residual_blocks", None)
        return cls(session.method, method_name=name, run=run, step=session.step, residual_blocks=blocks)

    # --- description -------------------------------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        return display_name(self.method_name)

    @property
    def label(self) -> str:
        """The view's name: "SRResNet (run id)", or the method alone for a model without a run."""
        return f"{self.display_name} ({self.run_id})" if self.run_id else self.display_name

    def describe(self) -> str:
        """One line: method, run, step, scale, channels, trained crop size."""
        where = f"{self.run_id} · step {self.step} · " if self.run_id else ""
        return (f"{self.display_name} · {where}×{self.scale} · {self.channels} ch · trained on "
                f"{self.trained_size} px HR crops")

    def __repr__(self) -> str:
        return f"SuperResolutionModel({self.label}, ×{self.scale}, {self.channels} ch)"

    # --- upscaling ---------------------------------------------------------------------------------------------------
    def upscale(self, lr: torch.Tensor, *, tile_pixels: int = TILE_OUTPUT_PIXELS) -> torch.Tensor:
        """N×C×h×w in [-1, 1] → N×C×(h·scale)×(w·scale); in tiles when the output exceeds `tile_pixels`."""
        if not isinstance(lr, torch.Tensor) or lr.ndim != 4 or lr.shape[1] != self.channels:
            shape = tuple(lr.shape) if isinstance(lr, torch.Tensor) else type(lr).__name__
            raise SuperResolutionError(f"low-resolution images must have shape N×{self.channels}×h×w for this "
                                       f"{self.display_name} model, got {shape}")
        lr = lr.float().cpu()
        n, _, h, w = lr.shape
        s = self.scale
        with one_torch_thread(), torch.no_grad():
            if h * w * s * s <= tile_pixels:
                return self.method.upscale(lr)
            side = max(8, int(math.sqrt(tile_pixels)) // s)  # the tile's own LR side, without context
            out = torch.empty(n, self.channels, h * s, w * s)
            c = self.context
            for y0 in range(0, h, side):
                for x0 in range(0, w, side):
                    y1, x1 = min(h, y0 + side), min(w, x0 + side)
                    ty0, tx0, ty1, tx1 = max(0, y0 - c), max(0, x0 - c), min(h, y1 + c), min(w, x1 + c)
                    tile = self.method.upscale(lr[:, :, ty0:ty1, tx0:tx1])
                    oy, ox = (y0 - ty0) * s, (x0 - tx0) * s
                    out[:, :, y0 * s:y1 * s, x0 * s:x1 * s] = tile[:, :, oy:oy + (y1 - y0) * s, ox:ox + (x1 - x0) * s]
            return out

    def upscale_uint8(self, lr: np.ndarray, *, tile_pixels: int = TILE_OUTPUT_PIXELS) -> np.ndarray:
        """uint8 h×w×C (C = the model's channels) → uint8 (h·scale)×(w·scale)×C."""
        lr = np.asarray(lr)
        if lr.dtype != np.uint8 or lr.ndim != 3 or lr.shape[2] != self.channels:
            raise SuperResolutionError(f"expected a uint8 h×w×{self.channels} image, got {lr.dtype} "
                                       f"{'×'.join(map(str, lr.shape))}")
        lr = np.ascontiguousarray(lr)
        if not lr.flags.writeable:  # read-only arrays (from PIL) cannot be shared with torch
            lr = lr.copy()
        x = torch.from_numpy(lr).permute(2, 0, 1)[None].float().div(127.5).sub(1.0)
        y = self.upscale(x, tile_pixels=tile_pixels)
        return y[0].clamp(-1, 1).add(1).mul(127.5).round().byte().permute(1, 2, 0).contiguous().numpy()
