"""SRResNet (Ledig et al. 2017): the residual super-resolution network trained on pixel MSE alone.

Batches are (LR N×C×h×w, HR N×C×H×W) in [-1, 1] with H = scale·h. One step: SR = G(LR), loss = mean (SR − HR)²,
one Adam update. MSE training maximises PSNR and gives the sharpest results a per-pixel average can give; SRGAN
(srgan.py) starts from such a network and trades some PSNR for texture.

`SuperResolutionMethod` holds what both methods share: the generator, `upscale`, the live visuals and the
running PSNR.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from workbench.config import ConfigError
from workbench.methods.base import Batch, ImageToImageMethod, in_eval, optimizer_step
from workbench.methods.registry import register_method
from workbench.nets.srresnet import SCALES, SRResNet

VISUAL_EXAMPLES = 4
MIN_MSE = 1e-10  # the running PSNR stops at 100 dB: an identical batch must not read as a non-finite loss


def bicubic_upscale(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The classic baseline: bicubic interpolation (a = −0.75, PyTorch's), clamped to [-1, 1]."""
    up = F.interpolate(lr, scale_factor=scale, mode="bicubic", align_corners=False, antialias=False)
    return up.clamp(-1.0, 1.0)


def nearest_upscale(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """Each LR pixel as a scale×scale block: the input as the network sees it, at the output's size."""
    return F.interpolate(lr, scale_factor=scale, mode="nearest")


def batch_psnr(sr: torch.Tensor, hr: torch.Tensor) -> float:
    """PSNR in dB of the whole batch's MSE, images mapped from [-1, 1] to [0, 1] (no border crop: a cheap
    running curve; the Super-resolution pane and bench/sr_quality.py measure by the papers' convention)."""
    a = (sr.detach().float().clamp(-1.0, 1.0) + 1) / 2
    b = (hr.detach().float().clamp(-1.0, 1.0) + 1) / 2
    mse = max(float(((a - b) ** 2).mean()), MIN_MSE)
    return 10.0 * math.log10(1.0 / mse)


class SuperResolutionMethod(ImageToImageMethod):
    """The SRResNet generator `G`, `upscale` and the live visuals; subclasses add the training step."""

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        if data_info.scale not in SCALES:
            raise ConfigError(f"data.scale must be one of {', '.join(map(str, SCALES))} for {self.method_name}, "
                              f"got {data_info.scale}")
        s = self.settings
        self.scale = int(data_info.scale)
        self.G = SRResNet(data_info.channels, self.scale, s.residual_blocks, s.channels,
                          bicubic_skip=s.bicubic_skip).to(device)

    @torch.no_grad()
    def upscale(self, lr: torch.Tensor) -> torch.Tensor:
        """LR N×C×h×w in [-1, 1] → SR N×C×(scale·h)×(scale·w) on CPU, in eval mode (BN's running statistics)."""
        with in_eval(self.G):
            return self.G(lr.to(self.device, torch.float32)).float().cpu()

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Per example: LR enlarged by nearest neighbour, bicubic, SR output, HR (one row each in the view)."""
        lr = batch[0][:VISUAL_EXAMPLES].float().cpu()
        hr = batch[1][:VISUAL_EXAMPLES].float().cpu()
        columns = [nearest_upscale(lr, self.scale), bicubic_upscale(lr, self.scale), self.upscale(lr), hr]
        return {"super_resolution": torch.stack(columns, dim=1).flatten(0, 1)}  # (4·N)×C×H×W, row-major


@register_method("srresnet")
class SRResNetMethod(SuperResolutionMethod):
    loss_names = ("loss",)
    stateful = ("G", "opt", "scaler")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        self.opt = torch.optim.Adam(self.G.parameters(), lr=self.settings.lr, betas=(0.9, 0.999))
        self.scaler = self.grad_scaler()

    def train_step(self, batch: Batch) -> dict[str, float]:
        lr, hr = self.on_device(batch)
        self.opt.zero_grad(set_to_none=True)
        with self.autocast():
            sr = self.G(lr)
        loss = F.mse_loss(sr.float(), hr)
        grad = optimizer_step(loss, self.opt, self.scaler, self.G)
        return {"loss": loss.item(), "psnr": batch_psnr(sr, hr), "grad_norm": grad}
