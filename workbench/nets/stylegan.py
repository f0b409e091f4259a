"""A style-based generator and a residual discriminator (Karras et al. 2019, "A Style-Based Generator Architecture
for Generative Adversarial Networks"; Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN"),
at a size set by two numbers so the same code trains on a CPU and reproduces the papers' widths.

Generator = mapping network f: z → w and synthesis network g: (one w per layer, one noise map per layer) → image.
- Mapping: z scaled to unit average square (pixel norm), then `mapping_layers` fully connected layers with
  LeakyReLU. Their learning rate is multiplied by `lr_mul` (0.01 in the papers) through the equalized-lr scale:
  W is far from a Gaussian and a fast mapping destabilises the synthesis network.
- Synthesis: a learned constant 4×4 input (the content comes from the styles alone). At each resolution 4·2^l
  (level l) a bilinear ×2 upsampling and two 3×3 convolutions (one at 4×4) whose weights are modulated by a style
  s = A(w), an affine map of that layer's w, and demodulated to unit output variance (StyleGAN2's replacement of
  AdaIN, which removes its droplet artefacts); after each convolution a noise map scaled by learned per-channel
  strengths (StyleGAN's stochastic detail: hair, pores; here stroke texture), a bias and LeakyReLU·√2. Each
  level has a toRGB (a modulated 1×1 convolution without demodulation) and the RGB outputs are summed up the
  resolutions, each upsampled to the next (StyleGAN2's skip generator).
- Layer numbering (StyleGAN2's): w index k drives convolution k (the noise map k belongs to it too) and the toRGB
  of a level uses the w of the next level's first convolution, so a network with L levels takes 2L vectors w
  (`num_ws`) and has 2L − 1 noise inputs; 32×32 images: 8 and 7, the papers' 1024×1024: 18 and 17.
- `w_avg`: a running average of the mapping's outputs during training (decay 0.995 per step in the papers), the
  centre of the truncation trick w' = w̄ + ψ·(w − w̄).

Discriminator (StyleGAN2's residual one): fromRGB at full resolution, then per level a 3×3 convolution, 2×2
average pooling, a 3×3 convolution, plus a 1×1 skip of the pooled input, summed and scaled by 1/√2; at 4×4 the
minibatch standard deviation (ProGAN's, one feature map), a 3×3 convolution and two fully connected layers.
Not implemented: the papers' FIR (blur) filters around resampling (bilinear up, box down instead).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from workbench.nets.progressive import minibatch_stddev

SQRT2 = math.sqrt(2.0)
NoiseMaps = Sequence[torch.Tensor | None]


def lrelu(x: torch.Tensor) -> torch.Tensor:
    """LeakyReLU(0.2) times √2, so that activations keep unit variance through the layers (StyleGAN2's bias_act)."""
    return F.leaky_relu(x, 0.2) * SQRT2


def normalize_2nd_moment(z: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """z / √(mean z² + ε): every code on the same sphere before the mapping (the papers' pixel norm of z)."""
    return z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + eps)


def levels_for(image_size: int) -> int:
    """Resolution levels from 4×4 to `image_size` (a power of two ≥ 8): 8 → 2, 32 → 4, 1024 → 9."""
    levels = int(math.log2(image_size)) - 1
    if image_size < 8 or 4 * 2 ** (levels - 1) != image_size:
        raise ValueError(f"image size must be a power of two ≥ 8, got {image_size}")
    return levels


def feature_maps(resolution: int, channels: int, channel_base: int) -> int:
    """Feature maps at `resolution`: min(channels, channel_base / resolution), at least min(channels, 8); the
    papers: channels 512 with channel_base 16384 (StyleGAN) or 32768 (StyleGAN2 config F)."""
    return max(min(channels, 8), min(channels, channel_base // resolution))


class EqualLinear(nn.Module):
    """Fully connected layer with the equalized learning rate: weights N(0, 1/lr_mul²) scaled at run time by
    lr_mul/√fan_in, so Adam's steps are the same size in every layer and `lr_mul` slows this layer down. With
    `equalized=False` the weights are stored at their He scale (the optimizer then applies any lr multiplier)."""

    def __init__(self, fin: int, fout: int, *, bias_init: float = 0.0, lr_mul: float = 1.0, equalized: bool = True,
                 activate: bool = False) -> None:
        super().__init__()
        he = 1.0 / math.sqrt(fin)
        mul = lr_mul if equalized else 1.0
        self.weight = nn.Parameter(torch.randn(fout, fin) * (1.0 / mul if equalized else he))
        self.bias = nn.Parameter(torch.full((fout,), float(bias_init) / mul))
        self.weight_gain = mul * he if equalized else 1.0
        self.bias_gain = mul
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.weight_gain, self.bias * self.bias_gain)
        return lrelu(out) if self.activate else out


class EqualConv2d(nn.Module):
    """Convolution with the equalized learning rate (see `EqualLinear`), 'same' padding."""

    def __init__(self, cin: int, cout: int, kernel: int, *, bias: bool = True, equalized: bool = True) -> None:
        super().__init__()
        he = 1.0 / math.sqrt(cin * kernel * kernel)
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel) * (1.0 if equalized else he))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.weight_gain = he if equalized else 1.0
        self.padding = kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.padding)


class ModulatedConv2d(nn.Module):
    """StyleGAN2's weight modulation and demodulation: w'_ijk = s_i·w_ijk, then w''_ijk = w'_ijk / √(Σ w'² + ε).

    s = A(w) is an affine map of the layer's style vector (bias 1, so an untrained style is the identity).
    Computed as scale input channels by s → convolve with the shared weight → scale output channels by the
    demodulation coefficients, which equals a per-image convolution with w'' and keeps one ordinary convolution
    for the whole batch (StyleGAN2's non-fused path)."""

    def __init__(self, cin: int, cout: int, kernel: int, w_dim: int, *, demodulate: bool = True,
                 equalized: bool = True) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, cin, bias_init=1.0, equalized=equalized)
        he = 1.0 / math.sqrt(cin * kernel * kernel)
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel) * (1.0 if equalized else he))
        self.weight_gain = he if equalized else 1.0
        self.demodulate = demodulate
        self.padding = kernel // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # N×cin
        weight = self.weight * self.weight_gain
        x = x * styles.reshape(styles.shape[0], -1, 1, 1).to(x.dtype)
        x = F.conv2d(x, weight.to(x.dtype), padding=self.padding)
        if not self.demodulate:
            return x
        coefficients = (weight.unsqueeze(0) * styles.float().reshape(styles.shape[0], 1, -1, 1, 1)).square()
        demod = torch.rsqrt(coefficients.sum(dim=(2, 3, 4)) + 1e-8)  # N×cout
        return x * demod.reshape(demod.shape[0], -1, 1, 1).to(x.dtype)


class SynthesisLayer(nn.Module):
    """[bilinear ×2] → modulated 3×3 conv → + noise·strength (per channel) → + bias → LeakyReLU·√2."""

    def __init__(self, cin: int, cout: int, w_dim: int, *, up: bool, equalized: bool) -> None:
        super().__init__()
        self.up = up
        self.conv = ModulatedConv2d(cin, cout, 3, w_dim, equalized=equalized)
        # Zero at the start as in the papers: training decides how much each channel uses its noise.
        self.noise_strength = nn.Parameter(torch.zeros(cout))
        self.bias = nn.Parameter(torch.zeros(cout))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.conv(x, w)
        x = x + (noise * self.noise_strength.reshape(1, -1, 1, 1)).to(x.dtype)
        return lrelu(x + self.bias.reshape(1, -1, 1, 1).to(x.dtype))


class ToRGB(nn.Module):
    """Modulated 1×1 convolution without demodulation, plus bias: a level's contribution to the image."""

    def __init__(self, cin: int, channels: int, w_dim: int, *, equalized: bool) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(cin, channels, 1, w_dim, demodulate=False, equalized=equalized)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias.reshape(1, -1, 1, 1).to(x.dtype)


class StyleGenerator(nn.Module):
    """Mapping z → w and synthesis (N×num_ws×w_dim styles, per-layer noise) → images N×C×S×S (linear output,
    roughly [-1, 1]). `forward(ws, noise)` is the synthesis."""

    def __init__(self, latent_dim: int, w_dim: int, mapping_layers: int, image_channels: int, image_size: int,
                 channels: int, channel_base: int, *, lr_mul: float = 0.01, equalized: bool = True,
                 w_avg_decay: float = 0.995) -> None:
        super().__init__()
        self.latent_dim, self.w_dim = latent_dim, w_dim
        self.levels = levels_for(image_size)
        self.num_ws = 2 * self.levels
        self.num_noise_layers = self.num_ws - 1
        self.w_avg_decay = w_avg_decay
        fm = [feature_maps(4 * 2**level, channels, channel_base) for level in range(self.levels)]
        self.mapping_net = nn.Sequential(*[
            EqualLinear(latent_dim if i == 0 else w_dim, w_dim, lr_mul=lr_mul, equalized=equalized, activate=True)
            for i in range(mapping_layers)
        ])
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.const = nn.Parameter(torch.randn(fm[0], 4, 4))
        layers = [SynthesisLayer(fm[0], fm[0], w_dim, up=False, equalized=equalized)]
        for level in range(1, self.levels):
            layers.append(SynthesisLayer(fm[level - 1], fm[level], w_dim, up=True, equalized=equalized))
            layers.append(SynthesisLayer(fm[level], fm[level], w_dim, up=False, equalized=equalized))
        self.layers = nn.ModuleList(layers)
        self.to_rgb = nn.ModuleList([ToRGB(fm[level], image_channels, w_dim, equalized=equalized)
                                     for level in range(self.levels)])
        # The resolution of each noise input, in layer order: 4, 8, 8, 16, 16, ...
        self.noise_resolutions = tuple(4 * 2 ** ((k + 1) // 2) for k in range(self.num_noise_layers))

    # --- mapping -------------------------------------------------------------------------------------------------
    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """Codes N×latent_dim → styles N×w_dim."""
        return self.mapping_net(normalize_2nd_moment(z))

    @torch.no_grad()
    def update_w_avg(self, w: torch.Tensor) -> None:
        """w̄ ← decay·w̄ + (1 − decay)·mean(w) (the papers' tracking of the centre of W during training)."""
        self.w_avg.lerp_(w.detach().float().mean(dim=0), 1.0 - self.w_avg_decay)

    def truncate(self, w: torch.Tensor, psi: float) -> torch.Tensor:
        """w̄ + ψ·(w − w̄) for w of shape N×w_dim or N×L×w_dim."""
        if psi == 1.0:
            return w
        return torch.lerp(self.w_avg.to(w.dtype), w, psi)

    def broadcast(self, w: torch.Tensor) -> torch.Tensor:
        """One style per image N×w_dim → the same style at every layer, N×num_ws×w_dim."""
        return w.unsqueeze(1).expand(-1, self.num_ws, -1)

    # --- synthesis -----------------------------------------------------------------------------------------------
    def seeded_noise(self, seed: int, device: torch.device | str = "cpu") -> list[torch.Tensor]:
        """One noise map 1×1×r×r per noise input drawn from `seed` (on the CPU, so every machine draws the same),
        shared by all images of a batch."""
        gen = torch.Generator().manual_seed(seed)
        return [torch.randn(1, 1, r, r, generator=gen).to(device) for r in self.noise_resolutions]

    def synthesis(self, ws: torch.Tensor, noise: NoiseMaps | None = None) -> torch.Tensor:
        """Images for styles ws (N×num_ws×w_dim). `noise`: one map per noise input, N×1×r×r or 1×1×r×r; None,
        or None entries, draw fresh maps from torch's global generator."""
        if ws.ndim != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(f"styles must have shape N×{self.num_ws}×{self.w_dim}, got {tuple(ws.shape)}")
        if noise is not None and len(noise) != self.num_noise_layers:
            raise ValueError(f"expected {self.num_noise_layers} noise maps, got {len(noise)}")
        n = ws.shape[0]
        x = self.const.unsqueeze(0).expand(n, -1, -1, -1)
        image = None
        k = 0
        for level in range(self.levels):
            for _ in range(1 if level == 0 else 2):
                given = noise[k] if noise is not None else None
                r = self.noise_resolutions[k]
                maps = given if given is not None else torch.randn(n, 1, r, r, device=ws.device)
                x = self.layers[k](x, ws[:, k], maps)
                k += 1
            rgb = self.to_rgb[level](x, ws[:, k])  # k = 2·level + 1: the next level's first style
            image = rgb if image is None else F.interpolate(image, scale_factor=2, mode="bilinear",
                                                            align_corners=False).to(rgb.dtype) + rgb
        return image

    def forward(self, ws: torch.Tensor, noise: NoiseMaps | None = None) -> torch.Tensor:
        return self.synthesis(ws, noise)


class ResidualBlock(nn.Module):
    """D's level: (3×3 conv → pool → 3×3 conv) + 1×1 skip of the pooled input, summed and scaled by 1/√2."""

    def __init__(self, cin: int, cout: int, *, equalized: bool) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(cin, cin, 3, equalized=equalized)
        self.conv1 = EqualConv2d(cin, cout, 3, equalized=equalized)
        self.skip = EqualConv2d(cin, cout, 1, bias=False, equalized=equalized)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.avg_pool2d(lrelu(self.conv0(x)), 2)
        h = lrelu(self.conv1(h))
        return (h + self.skip(F.avg_pool2d(x, 2))) * (1.0 / SQRT2)


class StyleDiscriminator(nn.Module):
    """Images N×C×S×S → logits N (StyleGAN2's residual discriminator with the minibatch standard deviation)."""

    def __init__(self, image_channels: int, image_size: int, channels: int, channel_base: int, *,
                 stddev_group: int = 4, equalized: bool = True) -> None:
        super().__init__()
        levels = levels_for(image_size)
        fm = [feature_maps(4 * 2**level, channels, channel_base) for level in range(levels)]
        self.stddev_group = stddev_group
        self.from_rgb = EqualConv2d(image_channels, fm[-1], 1, equalized=equalized)
        self.blocks = nn.Sequential(*[ResidualBlock(fm[level], fm[level - 1], equalized=equalized)
                                      for level in range(levels - 1, 0, -1)])
        self.conv = EqualConv2d(fm[0] + 1, fm[0], 3, equalized=equalized)
        self.fc = EqualLinear(fm[0] * 16, fm[0], equalized=equalized, activate=True)
        self.out = EqualLinear(fm[0], 1, equalized=equalized)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(lrelu(self.from_rgb(x)))
        h = lrelu(self.conv(minibatch_stddev(h, self.stddev_group)))
        return self.out(self.fc(h.flatten(1))).reshape(-1)


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): E[‖∇_x D(x)‖²] on real images, differentiable w.r.t. D's parameters. Through
    D's plain `forward`, never a torch.compile'd call: compiled graphs have no double backward."""
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator.forward(x).float().sum(), x, create_graph=True)
    return grad.float().square().flatten(1).sum(dim=1).mean()


def layer_groups(num_ws: int) -> dict[str, tuple[int, int]]:
    """Coarse, middle and fine style layers as [start, end) ranges: the StyleGAN paper's split of its 18 layers
    4 : 4 : 10 (resolutions 4²–8², 16²–32², 64²–1024², its Figure 3), scaled to `num_ws`, each group at least one
    layer; 8 layers (32×32 images): 0–1, 2–3, 4–7."""
    share = max(1, round(num_ws * 4 / 18))
    share = min(share, (num_ws - 1) // 2)
    return {"coarse": (0, share), "middle": (share, 2 * share), "fine": (2 * share, num_ws)}
