"""Denoising autoencoder (Vincent et al. 2008): reconstruct the clean image from a corrupted copy.

  x̃ ~ C(x̃ | x)                         corruption, drawn afresh at every step
     masking:  x̃ = −1 (black) where m = 1,  x elsewhere,  m ~ Bernoulli(v) per pixel (all channels together)
     gaussian: x̃ = x + σ ε,  ε ~ N(0, I)   (not clipped, as in the paper)
  x̂  = g(f(x̃))
  loss = reconstruction(x̂, x)           compared with the clean x, never with x̃
Because input and target differ, copying is not a solution even with an overcomplete code: the network has
to learn how pixels depend on each other to map corrupted points back to the data manifold.
"""

from __future__ import annotations

import torch

from workbench.methods.autoencoder.method import Autoencoder
from workbench.methods.base import Batch
from workbench.methods.registry import register_method

VISUAL_NOISE_SEED = 4242  # the same corruption of the same images in every live view


def masking_noise(x: torch.Tensor, probability: float, generator: torch.Generator) -> torch.Tensor:
    """Each pixel (all of its channels) set to black, −1, with `probability`."""
    n, _, h, w = x.shape
    mask = torch.rand((n, 1, h, w), generator=generator, device=x.device) < probability
    return torch.where(mask, torch.full_like(x, -1.0), x)


def gaussian_noise(x: torch.Tensor, std: float, generator: torch.Generator) -> torch.Tensor:
    """x + σ ε with ε ~ N(0, I)."""
    return x + std * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)


@register_method("denoising_autoencoder")
class DenoisingAutoencoder(Autoencoder):
    loss_names = ("reconstruction",)

    def corrupt(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        s = self.settings
        if s.noise == "masking":
            return masking_noise(x, s.masking_probability, generator)
        if s.noise == "gaussian":
            return gaussian_noise(x, s.gaussian_std, generator)
        raise ValueError(f"unknown noise {s.noise!r}")

    def denoise(self, x: torch.Tensor) -> torch.Tensor:
        """g(f(x)) for (corrupted) images in [-1, 1]."""
        return self.decode(self.encode(x))

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Rows of 8 in threes: the noisy inputs, their reconstructions, the clean images."""
        x = batch[0][:16].cpu()
        width = 8 if x.shape[0] >= 8 else x.shape[0]
        x = x[: (x.shape[0] // width) * width]
        noisy = self.corrupt(x, torch.Generator().manual_seed(VISUAL_NOISE_SEED))
        rec = self.denoise(noisy)
        blocks = [t for i in range(0, x.shape[0], width) for t in (noisy[i:i + width], rec[i:i + width],
                                                                  x[i:i + width])]
        return {"denoising": torch.cat(blocks)}
