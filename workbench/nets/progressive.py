"""Progressively grown generator and critic (Karras et al. 2018, "Progressive Growing of GANs").

Level 0 works at 4×4, level L at 4·2^L. Every level's layers exist from the start (so checkpoints and the
optimizers never change shape); a forward pass at `level` uses levels 0…level, and during a fade-in the new
level's output is blended with the previous level's, upsampled (G) or downsampled (D):

  G:  out = (1 − α)·upsample(toRGB_{L−1}(h_{L−1})) + α·toRGB_L(block_L(h_{L−1}))
  D:  h   = (1 − α)·fromRGB_{L−1}(avgpool(x))       + α·block_L(fromRGB_L(x))

Paper details implemented: nearest-neighbour upsampling and 2×2 average pooling, 3×3 convolutions with
LeakyReLU(0.2), pixel-wise feature normalisation in G (`pixel_norm`), the minibatch standard deviation
feature map before D's last block (`minibatch_stddev`), linear toRGB output, and the equalized learning rate
(weights drawn from N(0, 1) and scaled by He's constant √(2 / fan_in) at run time).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def feature_maps(resolution: int, base: int) -> int:
    """Channels at `resolution`: `base` at 4×4 and 8×8, halved at each doubling above, at least 8."""
    return max(8, base >> max(0, int(math.log2(resolution)) - 3))


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """b = a / sqrt(mean_c a² + ε): each pixel's feature vector scaled to unit average square."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, group_size: int = 4) -> torch.Tensor:
    """Append one feature map: the standard deviation of every feature over each group of samples, averaged.

    The group is the largest divisor of the batch size not above `group_size`; sample i belongs to group
    i mod (N / g), as in the paper's implementation.
    """
    n, c, h, w = x.shape
    g = min(group_size, n)
    while n % g:
        g -= 1
    y = x.float().reshape(g, -1, c, h, w)
    y = (y - y.mean(dim=0)).pow(2).mean(dim=0)  # variance over the group: (N/g)×C×H×W
    y = torch.sqrt(y + 1e-8).mean(dim=(1, 2, 3))  # one number per group
    y = y.to(x.dtype).view(-1, 1, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)


class EqualizedConv2d(nn.Module):
    """Conv2d whose weights are N(0, 1) scaled by gain/√fan_in in the forward pass (equalized lr), or, with
    `equalized=False`, an ordinary conv initialised with that He scale."""

    def __init__(self, cin: int, cout: int, kernel: int, padding: int = 0, gain: float = math.sqrt(2),
                 equalized: bool = True) -> None:
        super().__init__()
        he = gain / math.sqrt(cin * kernel * kernel)
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel) * (1.0 if equalized else he))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = he if equalized else 1.0
        self.padding = padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualizedLinear(nn.Module):
    def __init__(self, fin: int, fout: int, gain: float = math.sqrt(2), equalized: bool = True) -> None:
        super().__init__()
        he = gain / math.sqrt(fin)
        self.weight = nn.Parameter(torch.randn(fout, fin) * (1.0 if equalized else he))
        self.bias = nn.Parameter(torch.zeros(fout))
        self.scale = he if equalized else 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


def levels_for(image_size: int) -> int:
    """Number of levels from 4×4 up to `image_size` (a power of two ≥ 8): 8 → 2, 32 → 4, 64 → 5."""
    return int(math.log2(image_size)) - 1


class ProgressiveGenerator(nn.Module):
    """(z N×latent_dim, level, α) → image N×C×R×R at R = 4·2^level (linear output, roughly [-1, 1])."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, base: int, *, use_pixel_norm: bool = True,
                 equalized: bool = True) -> None:
        super().__init__()
        self.levels = levels_for(image_size)
        self.latent_dim = latent_dim
        self.use_pixel_norm = use_pixel_norm
        fm = [feature_maps(4 * 2**level, base) for level in range(self.levels)]
        eq = {"equalized": equalized}
        # Level 0: z → 4×4 (a dense layer, the paper's 4×4 "convolution" of a 1×1 input), then a 3×3 conv.
        self.dense = EqualizedLinear(latent_dim, fm[0] * 16, gain=math.sqrt(2) / 4, **eq)
        self.conv0 = EqualizedConv2d(fm[0], fm[0], 3, 1, **eq)
        self.blocks = nn.ModuleList([nn.Identity()])  # block L: upsample, 3×3 conv, 3×3 conv (level L ≥ 1)
        for level in range(1, self.levels):
            self.blocks.append(nn.ModuleList([
                EqualizedConv2d(fm[level - 1], fm[level], 3, 1, **eq),
                EqualizedConv2d(fm[level], fm[level], 3, 1, **eq),
            ]))
        self.to_rgb = nn.ModuleList([EqualizedConv2d(fm[level], channels, 1, gain=1.0, **eq)
                                     for level in range(self.levels)])

    def _norm(self, x: torch.Tensor) -> torch.Tensor:
        return pixel_norm(x) if self.use_pixel_norm else x

    def _block(self, level: int, h: torch.Tensor) -> torch.Tensor:
        conv_a, conv_b = self.blocks[level]
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self._norm(_lrelu(conv_a(h)))
        return self._norm(_lrelu(conv_b(h)))

    def forward(self, z: torch.Tensor, level: int, alpha: float = 1.0) -> torch.Tensor:
        if not 0 <= level < self.levels:
            raise ValueError(f"level must be in [0, {self.levels - 1}], got {level}")
        h = self.dense(self._norm(z)).view(z.shape[0], -1, 4, 4)
        h = self._norm(_lrelu(h))
        h = self._norm(_lrelu(self.conv0(h)))
        for lv in range(1, level):
            h = self._block(lv, h)
        if level == 0:
            return self.to_rgb[0](h)
        new = self.to_rgb[level](self._block(level, h))
        if alpha >= 1.0:
            return new
        old = F.interpolate(self.to_rgb[level - 1](h), scale_factor=2, mode="nearest")
        return torch.lerp(old, new, alpha)


class ProgressiveDiscriminator(nn.Module):
    """(image N×C×R×R at R = 4·2^level, level, α) → critic score N (unbounded, WGAN-GP)."""

    def __init__(self, channels: int, image_size: int, base: int, *, use_stddev: bool = True, stddev_group: int = 4,
                 equalized: bool = True) -> None:
        super().__init__()
        self.levels = levels_for(image_size)
        self.use_stddev, self.stddev_group = use_stddev, stddev_group
        fm = [feature_maps(4 * 2**level, base) for level in range(self.levels)]
        eq = {"equalized": equalized}
        self.from_rgb = nn.ModuleList([EqualizedConv2d(channels, fm[level], 1, **eq)
                                       for level in range(self.levels)])
        self.blocks = nn.ModuleList([nn.Identity()])  # block L: 3×3 conv, 3×3 conv, 2×2 average pool (L ≥ 1)
        for level in range(1, self.levels):
            self.blocks.append(nn.ModuleList([
                EqualizedConv2d(fm[level], fm[level], 3, 1, **eq),
                EqualizedConv2d(fm[level], fm[level - 1], 3, 1, **eq),
            ]))
        extra = 1 if use_stddev else 0
        self.conv_last = EqualizedConv2d(fm[0] + extra, fm[0], 3, 1, **eq)
        self.conv_4x4 = EqualizedConv2d(fm[0], fm[0], 4, 0, **eq)  # 4×4 → 1×1
        self.out = EqualizedLinear(fm[0], 1, gain=1.0, **eq)

    def _block(self, level: int, h: torch.Tensor) -> torch.Tensor:
        conv_a, conv_b = self.blocks[level]
        return F.avg_pool2d(_lrelu(conv_b(_lrelu(conv_a(h)))), 2)

    def forward(self, x: torch.Tensor, level: int, alpha: float = 1.0) -> torch.Tensor:
        if not 0 <= level < self.levels:
            raise ValueError(f"level must be in [0, {self.levels - 1}], got {level}")
        h = _lrelu(self.from_rgb[level](x))
        if level > 0:
            h = self._block(level, h)
            if alpha < 1.0:
                old = _lrelu(self.from_rgb[level - 1](F.avg_pool2d(x, 2)))
                h = torch.lerp(old, h, alpha)
            for lv in range(level - 1, 0, -1):
                h = self._block(lv, h)
        if self.use_stddev:
            h = minibatch_stddev(h, self.stddev_group)
        h = _lrelu(self.conv_last(h))
        h = _lrelu(self.conv_4x4(h))
        return self.out(h.flatten(1)).view(-1)


def real_at_level(images: torch.Tensor, level: int, alpha: float) -> torch.Tensor:
    """Real images at level's resolution (2×2 box filtering), blended during a fade-in like G's output:
    (1 − α)·upsample(images at the previous level) + α·(images at this level)."""
    target = 4 * 2**level
    x = F.adaptive_avg_pool2d(images, target) if images.shape[-1] != target else images
    if level == 0 or alpha >= 1.0:
        return x
    old = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
    return torch.lerp(old, x, alpha)
