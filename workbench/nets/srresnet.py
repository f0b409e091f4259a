"""SRResNet, the generator of Ledig et al. 2017 ("Photo-realistic single image super-resolution using a GAN").

    LR (N×C×h×w) → conv9×9 + PReLU ─┬─ B × [conv3×3-BN-PReLU-conv3×3-BN + skip] → conv3×3-BN ─(+)─
                                    └──────────────────── long skip ───────────────────────────┘
    → log2(scale) × [conv3×3 (4× channels) → PixelShuffle(2) → PReLU] → conv9×9 → tanh → SR (N×C×sh×sw)

Every layer is a convolution, so any input size works. The output goes through tanh: images in the core live
in [-1, 1], and a bounded output means the SRGAN discriminator never sees values a real image cannot have
(which a linear output clamped only at inference would let it exploit); saturation costs little gradient
because few natural pixels sit at exactly 0 or 255.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

SCALES = (2, 4)
BICUBIC_LIMIT = 1 - 2**-10  # keeps atanh finite: bicubic overshoot beyond ±1 is clipped just inside


def upsampling_blocks(scale: int) -> int:
    """Sub-pixel blocks for an upscaling factor (each doubles the resolution)."""
    if scale not in SCALES:
        raise ValueError(f"SRResNet upscales by {' or '.join(map(str, SCALES))}, got {scale}")
    return int(math.log2(scale))


class ResidualBlock(nn.Module):
    """conv3×3-BN-PReLU-conv3×3-BN, added to the input (the paper's B residual blocks)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.PReLU(channels),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def icnr_(conv: nn.Conv2d, factor: int = 2) -> None:
    """ICNR initialisation (Aitken et al. 2017) of a convolution followed by PixelShuffle(factor): the factor²
    sub-pixel outputs of each channel start with the same kernel, so the untrained block is a nearest-neighbour
    upsampling of a convolution: no checkerboard pattern at the start of training (visible in the live view),
    and the first steps go to the image rather than to undoing the pattern."""
    sub = factor * factor
    base = torch.empty(conv.out_channels // sub, *conv.weight.shape[1:])
    nn.init.kaiming_uniform_(base, a=math.sqrt(5))  # PyTorch's default for Conv2d, on the reduced kernel
    with torch.no_grad():
        conv.weight.copy_(base.repeat_interleave(sub, dim=0))  # PixelShuffle reads channel k·r² + i·r + j
        if conv.bias is not None:
            conv.bias.copy_(conv.bias[::sub].repeat_interleave(sub))


class SubPixelBlock(nn.Module):
    """conv3×3 to 4× the channels, PixelShuffle(2) rearranges them into a 2× larger map, PReLU (Shi et al. 2016)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels * 4, 3, padding=1)
        icnr_(self.conv)
        self.shuffle = nn.PixelShuffle(2)
        self.act = nn.PReLU(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.shuffle(self.conv(x)))


class SRResNet(nn.Module):
    """LR image N×C×h×w in [-1, 1] → SR image N×C×(scale·h)×(scale·w) in [-1, 1].

    `bicubic_skip` (off by default, not in the paper): the network adds its output to the bicubic interpolation
    of the input before the tanh (VDSR's global residual learning, Kim et al. 2016), with a zero-initialised last
    convolution so that the untrained network is bicubic interpolation. Measured on sr-photos ×4 (8 blocks × 32,
    batch 8, lr 10⁻³, one CPU thread), it is 0.3–0.4 dB above bicubic after 75 CPU s, where the paper's network
    is still 0.3–0.6 dB below bicubic after 300–600 CPU s.
    """

    def __init__(self, image_channels: int, scale: int, residual_blocks: int, channels: int,
                 bicubic_skip: bool = False) -> None:
        super().__init__()
        self.scale = scale
        self.bicubic_skip = bicubic_skip
        self.head = nn.Sequential(nn.Conv2d(image_channels, channels, 9, padding=4), nn.PReLU(channels))
        self.blocks = nn.Sequential(*(ResidualBlock(channels) for _ in range(residual_blocks)))
        self.trunk_end = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))
        self.upsample = nn.Sequential(*(SubPixelBlock(channels) for _ in range(upsampling_blocks(scale))))
        self.tail = nn.Conv2d(channels, image_channels, 9, padding=4)
        if bicubic_skip:
            nn.init.zeros_(self.tail.weight)
            nn.init.zeros_(self.tail.bias)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        features = self.head(lr)  # N×c×h×w
        features = features + self.trunk_end(self.blocks(features))  # the long skip
        out = self.tail(self.upsample(features))  # N×C×(scale·h)×(scale·w)
        if self.bicubic_skip:
            base = F.interpolate(lr, scale_factor=self.scale, mode="bicubic", align_corners=False)
            out = out + torch.atanh(base.clamp(-BICUBIC_LIMIT, BICUBIC_LIMIT))  # tanh(0 + atanh(b)) = b
        return torch.tanh(out)
