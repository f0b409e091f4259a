"""What a style-based generator's layers control, headless: style mixing (Karras et al. 2019, Figure 3), the
truncation trick (Figure 8) and per-layer noise resampling (Figures 4–5).

Every function takes a `StyleMixer` (a method object, or a LatentSpace wrapping one), works on one torch thread
and returns CPU images in [-1, 1]. A seed names a code as the Latent tab's pinned codes do: seed s is
`prior_sample(1, seed=s)`. Images use the model's fixed noise maps unless the noise is what is being varied, so
two images differ only where their styles do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from workbench.compat import one_torch_thread
from workbench.latent.errors import LatentError, method_with
from workbench.methods.capabilities import StyleMixer

GROUPS = ("coarse", "middle", "fine")


def style_mixer(model: Any) -> Any:
    """The StyleMixer behind `model` (a method object or a LatentSpace); LatentError for any other model."""
    return method_with(model, StyleMixer, "has no per-layer styles to mix (a StyleGAN model has)")


def _seeds(seeds: Sequence[int], what: str) -> list[int]:
    chosen = [int(s) for s in seeds]
    if not chosen:
        raise LatentError(f"{what}: give at least one seed")
    if any(not 0 <= s < 2**63 for s in chosen):
        raise LatentError(f"{what}: seeds must be whole numbers in [0, 2^63)")
    return chosen


def _psi(psi: float) -> float:
    if not math.isfinite(psi):
        raise LatentError(f"truncation ψ must be a finite number, got {psi}")
    return float(psi)


def styles_for_seeds(mixer: Any, seeds: Sequence[int], psi: float = 1.0) -> torch.Tensor:
    """Per-layer styles N×L×w_dim of the seeds' codes, truncated by ψ (1 = none)."""
    z = torch.cat([mixer.prior_sample(1, seed=s) for s in seeds])
    w = mixer.truncate(mixer.map_to_w(z), _psi(psi))
    return w.unsqueeze(1).repeat(1, mixer.num_style_layers, 1)


def mix_styles(ws_a: torch.Tensor, ws_b: torch.Tensor, layers: tuple[int, int]) -> torch.Tensor:
    """Every pair (a, b): a's styles with b's in layers [start, end); A×L×D and B×L×D → A×B×L×D."""
    start, end = layers
    mixed = ws_a.unsqueeze(1).repeat(1, ws_b.shape[0], 1, 1)
    mixed[:, :, start:end] = ws_b.unsqueeze(0)[:, :, start:end]
    return mixed


@dataclass(frozen=True)
class StyleMixingGrid:
    """The style-mixing figure: rows are the sources A, columns the sources B, each mix A's styles with B's in
    `layers` (the group's style layers, [start, end))."""

    sources_a: torch.Tensor  # A×C×H×W
    sources_b: torch.Tensor  # B×C×H×W
    mixes: torch.Tensor  # A×B×C×H×W
    group: str
    layers: tuple[int, int]

    @property
    def nrow(self) -> int:
        """Images per row of `tiles`."""
        return self.sources_b.shape[0] + 1

    def tiles(self, blank: float = 1.0) -> torch.Tensor:
        """The figure as (A + 1)·(B + 1) images row by row: a blank corner and the sources B on top, then each
        source A followed by its mixes (for `image_grid(tiles, nrow=grid.nrow)`)."""
        corner = torch.full_like(self.sources_a[:1], blank)
        rows = [torch.cat([corner, self.sources_b])]
        rows += [torch.cat([self.sources_a[i:i + 1], self.mixes[i]]) for i in range(self.sources_a.shape[0])]
        return torch.cat(rows)


def style_mixing_grid(model: Any, seeds_a: Sequence[int], seeds_b: Sequence[int], group: str = "coarse",
                      psi: float = 1.0) -> StyleMixingGrid:
    """Sources A (rows) and B (columns) and every A with B's styles in the `group` layers ("coarse": pose and
    shape, "middle": finer features, "fine": colour and micro-structure in the paper's faces)."""
    mixer = style_mixer(model)
    if group not in GROUPS:
        raise LatentError(f"layer group must be one of {', '.join(GROUPS)}, got {group!r}")
    a, b = _seeds(seeds_a, "sources A"), _seeds(seeds_b, "sources B")
    layers = tuple(mixer.layer_groups()[group])
    with one_torch_thread(), torch.no_grad():
        ws_a, ws_b = styles_for_seeds(mixer, a, psi), styles_for_seeds(mixer, b, psi)
        mixed = mix_styles(ws_a, ws_b, layers)
        images = mixer.synthesize_ws(torch.cat([ws_a, ws_b, mixed.flatten(0, 1)])).float()
    sources_a, sources_b = images[:len(a)], images[len(a):len(a) + len(b)]
    mixes = images[len(a) + len(b):].unflatten(0, (len(a), len(b)))
    return StyleMixingGrid(sources_a, sources_b, mixes, group, layers)


def truncation_row(model: Any, seed: int, psis: Sequence[float]) -> torch.Tensor:
    """The seed's image at each ψ (len(psis)×C×H×W): ψ = 0 is the average image w̄ for every seed, ψ = 1 the seed's
    own, ψ < 0 its 'opposite' across w̄."""
    mixer = style_mixer(model)
    (chosen,) = _seeds([seed], "truncation")
    values = [_psi(p) for p in psis]
    if not values:
        raise LatentError("truncation: give at least one ψ")
    with one_torch_thread(), torch.no_grad():
        ws = styles_for_seeds(mixer, [chosen])
        truncated = torch.cat([mixer.truncate(ws, p) for p in values])
        return mixer.synthesize_ws(truncated).float()


@dataclass(frozen=True)
class NoiseResampling:
    """One code's image with one noise input redrawn `n` times, and where that changes the image."""

    images: torch.Tensor  # n×C×H×W
    std: torch.Tensor  # H×W: per-pixel standard deviation over the images, averaged over the colour channels
    layer: int


def noise_resampling(model: Any, seed: int, layer: int, n: int, *, first_noise_seed: int = 1) -> NoiseResampling:
    """The seed's image with the noise map of `layer` drawn from the seeds first_noise_seed … + n − 1 and every
    other noise map fixed, so all variation comes through that layer's noise (the paper's stochastic variation)."""
    mixer = style_mixer(model)
    (chosen,) = _seeds([seed], "noise")
    if not 0 <= layer < mixer.num_noise_layers:
        raise LatentError(f"noise layer must be in [0, {mixer.num_noise_layers - 1}], got {layer}")
    if n < 1:
        raise LatentError(f"number of noise draws must be ≥ 1, got {n}")
    _seeds([first_noise_seed, first_noise_seed + n - 1], "noise seeds")
    with one_torch_thread(), torch.no_grad():
        ws = styles_for_seeds(mixer, [chosen])
        images = torch.cat([mixer.synthesize_ws(ws, noise_seed=first_noise_seed + i, noise_layers=(layer,))
                            for i in range(n)]).float()
    return NoiseResampling(images, images.std(dim=0, correction=0).mean(dim=0), layer)
