"""Multi-scale PatchGAN discriminator (Wang et al. 2018, pix2pixHD; used unchanged by SPADE, Park et al. 2019).

`num_d` PatchGANs of one architecture, the i-th seeing the input average-pooled i times (3×3, stride 2, padding
1, padding not counted): the coarse ones judge the global layout with the same small patches, the finest one
the texture. Each returns every layer's output, not only its final score map, because the generator's
feature-matching loss compares D's intermediate features on real and generated images.

One discriminator, as the reference's NLayerDiscriminator: 4×4 convolutions with padding 2, the first stride 2
with LeakyReLU(0.2) only, then `n_layers − 1` more with spectral norm, instance norm (no bias) and
LeakyReLU(0.2), all stride 2 but the last (stride 1), channels doubling up to width·8, then a 4×4 convolution
to one score per patch. Padding 2 makes every layer grow the map by one pixel at stride 1, so no input is too
small. (workbench.nets.patchgan's PatchGAN returns only its final map and pads by 1, hence this one.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from workbench.nets.spade import xavier_init_

KERNEL, PADDING = 4, 2


def downsample(x: torch.Tensor) -> torch.Tensor:
    """The next scale's input: 3×3 average pool, stride 2, padding 1, averaging only pixels inside the image."""
    return F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)


class NLayerDiscriminator(nn.Module):
    """x N×in_channels×H×W → [feature maps of each layer …, score map N×1×h×w] (the last is the output)."""

    def __init__(self, in_channels: int, width: int = 64, n_layers: int = 4) -> None:
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"a PatchGAN needs at least one layer before its output, got n_layers={n_layers}")
        first = nn.Conv2d(in_channels, width, KERNEL, 2, PADDING)
        stages: list[nn.Module] = [nn.Sequential(first, nn.LeakyReLU(0.2))]
        c = width
        for n in range(1, n_layers):
            c_next = min(c * 2, width * 8)
            conv = nn.Conv2d(c, c_next, KERNEL, 1 if n == n_layers - 1 else 2, PADDING, bias=False)
            conv.apply(xavier_init_)
            stages.append(nn.Sequential(spectral_norm(conv), nn.InstanceNorm2d(c_next, affine=False),
                                        nn.LeakyReLU(0.2)))
            c = c_next
        last = nn.Conv2d(c, 1, KERNEL, 1, PADDING)
        stages.append(last)
        for conv in (first, last):
            conv.apply(xavier_init_)
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


class MultiscaleDiscriminator(nn.Module):
    """x N×in_channels×H×W → one list per scale (finest first) of that PatchGAN's layer outputs, score map last."""

    def __init__(self, in_channels: int, width: int = 64, n_layers: int = 4, num_d: int = 2) -> None:
        super().__init__()
        if num_d < 1:
            raise ValueError(f"a multi-scale discriminator needs at least one scale, got num_d={num_d}")
        self.scales = nn.ModuleList(NLayerDiscriminator(in_channels, width, n_layers) for _ in range(num_d))

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        outputs = []
        for i, discriminator in enumerate(self.scales):
            if i:
                x = downsample(x)
            outputs.append(discriminator(x))
        return outputs
