"""SPADE generator (Park et al. 2019, "Semantic Image Synthesis with Spatially-Adaptive Normalization").

A plain normalisation layer washes out a label map fed through a network: on a region of one class the map is
constant, so after normalisation it is zero everywhere. SPADE keeps the layout by never feeding the map through
the network; instead every normalisation layer reads it again, resized to its own feature size, and modulates
the normalised features per pixel:
  out = norm(x) · (1 + γ(s)) + β(s),   γ, β = conv3×3(ReLU(conv3×3(s)))  (one shared hidden layer, two heads)
where norm has no parameters of its own (batch or instance norm, affine=False) and s is the one-hot label map.

The generator follows the reference (NVlabs/SPADE, its non-VAE path): the label map shrunk (nearest) to the start
size, a 3×3 convolution, a SPADE ResBlock there, then k nearest-neighbour upsamplings each followed by a SPADE
ResBlock (two after the first, as the reference's G_middle blocks), LeakyReLU(0.2), a 3×3 convolution and tanh.
The start is 8×8 for a square image (k = log₂(size) − 3: the reference's 5 upsamplings at 256 px) and channels
halve from width·16 so that the last block has `width` (width·2^min(4, k − i) after upsampling i).
Convolutions inside the ResBlocks carry spectral norm (the reference's `spectral` option of norm_G).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from workbench.nets.norm_layers import check_image_size

SPADE_NORMS = ("batch", "instance")
START_SIZE = 8  # the side the generator starts from for a square image (the reference's at 256 px)
INIT_GAIN = 0.02  # the reference's init_variance for xavier_normal


def xavier_init_(module: nn.Module) -> None:
    """Xavier-normal weights with gain 0.02 and zero biases, the reference's `init_type='xavier'`; apply with
    `net.apply(xavier_init_)` before spectral norm is added (its power iteration then starts from these)."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_normal_(module.weight, gain=INIT_GAIN)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def param_free_norm(kind: str, channels: int) -> nn.Module:
    """Normalisation without learned scale and shift: SPADE supplies both from the label map."""
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=False)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    raise ValueError(f"unknown SPADE normalisation {kind!r}; valid: {', '.join(SPADE_NORMS)}")


def num_upsamplings(image_size: int) -> int:
    """Upsamplings from the start size to `image_size` (≥ 1, so a 16-px generator still has one)."""
    return max(1, int(math.log2(image_size)) - int(math.log2(START_SIZE)))


class SPADE(nn.Module):
    """x N×C×H×W, label map s N×K×H'×W' → norm(x)·(1 + γ(s)) + β(s), s resized (nearest) to H×W."""

    def __init__(self, channels: int, label_channels: int, hidden: int = 128, *, norm: str = "batch") -> None:
        super().__init__()
        self.norm = param_free_norm(norm, channels)
        self.shared = nn.Sequential(nn.Conv2d(label_channels, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def modulation(self, segmap: torch.Tensor, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """γ and β (N×C×size) for the label map at feature size `size`."""
        hidden = self.shared(F.interpolate(segmap, size=size, mode="nearest"))
        return self.gamma(hidden), self.beta(hidden)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.modulation(segmap, (x.shape[-2], x.shape[-1]))
        return self.norm(x) * (1 + gamma) + beta


class SPADEResBlock(nn.Module):
    """Two SPADE → LeakyReLU(0.2) → conv3×3 stages plus a shortcut, learned (SPADE → conv1×1) when the channels
    change; C_in → C_out at the input's size, the middle width min(C_in, C_out) as the reference."""

    def __init__(self, c_in: int, c_out: int, label_channels: int, hidden: int = 128, *, norm: str = "batch",
                 spectral: bool = True) -> None:
        super().__init__()
        middle = min(c_in, c_out)
        self.learned_shortcut = c_in != c_out
        convs = {"conv_0": nn.Conv2d(c_in, middle, 3, padding=1), "conv_1": nn.Conv2d(middle, c_out, 3, padding=1)}
        if self.learned_shortcut:
            convs["conv_s"] = nn.Conv2d(c_in, c_out, 1, bias=False)
        for name, conv in convs.items():
            conv.apply(xavier_init_)
            setattr(self, name, spectral_norm(conv) if spectral else conv)
        self.norm_0 = SPADE(c_in, label_channels, hidden, norm=norm)
        self.norm_1 = SPADE(middle, label_channels, hidden, norm=norm)
        if self.learned_shortcut:
            self.norm_s = SPADE(c_in, label_channels, hidden, norm=norm)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        shortcut = self.conv_s(self.norm_s(x, segmap)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, segmap), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, segmap), 0.2))
        return shortcut + dx


def block_channels(width: int, upsamplings: int) -> list[int]:
    """Channels at the start size and after each upsampling: width·2^min(4, k − i), i = 0 … k."""
    return [width * 2 ** min(4, upsamplings - i) for i in range(upsamplings + 1)]


class SPADEGenerator(nn.Module):
    """One-hot label map N×K×H×W (H, W multiples of 2^k) → image N×out_channels×H×W in [-1, 1]."""

    def __init__(self, label_channels: int, out_channels: int, image_size: int, width: int = 64,
                 hidden: int = 128, *, norm: str = "batch", spectral: bool = True) -> None:
        super().__init__()
        self.upsamplings = num_upsamplings(image_size)
        self.size_multiple = 2**self.upsamplings
        channels = block_channels(width, self.upsamplings)

        def block(c_in: int, c_out: int) -> SPADEResBlock:
            return SPADEResBlock(c_in, c_out, label_channels, hidden, norm=norm, spectral=spectral)

        self.fc = nn.Conv2d(label_channels, channels[0], 3, padding=1)
        self.head = block(channels[0], channels[0])
        self.middle = block(channels[1], channels[1])  # the reference's G_middle_1, after the first upsampling
        self.ups = nn.ModuleList(block(channels[i], channels[i + 1]) for i in range(self.upsamplings))
        self.to_image = nn.Conv2d(channels[-1], out_channels, 3, padding=1)
        for module in (self.fc, self.to_image):
            module.apply(xavier_init_)
        for spade in (m for m in self.modules() if isinstance(m, SPADE)):
            spade.apply(xavier_init_)

    def forward(self, segmap: torch.Tensor) -> torch.Tensor:
        check_image_size(segmap, multiple=self.size_multiple, minimum=self.size_multiple,
                         net=f"the SPADE generator with {self.upsamplings} upsamplings")
        h, w = segmap.shape[-2:]
        x = self.fc(F.interpolate(segmap, size=(h // self.size_multiple, w // self.size_multiple), mode="nearest"))
        x = self.head(x, segmap)
        for i, block in enumerate(self.ups):
            x = block(F.interpolate(x, scale_factor=2, mode="nearest"), segmap)
            if i == 0:
                x = self.middle(x, segmap)
        return torch.tanh(self.to_image(F.leaky_relu(x, 0.2)))
