"""Convolutional autoencoder: an encoder f and a decoder g trained so that g(f(x)) ≈ x.

  h  = f(x) ∈ R^d                      (stride-2 convolutions, then a linear layer: the code)
  x̂  = g(h)                            (the mirror image, transposed convolutions)
  loss = reconstruction(x̂, x)           per image, averaged over the batch:
     mse:  ½ ‖x̂ − x‖²                   x̂ = tanh(logits), pixels in [-1, 1]
     bce:  −Σ x′ log x̂′ + (1 − x′) log(1 − x̂′),   x′ = (x + 1)/2, x̂′ = σ(logits)
d < C·H·W makes it undercomplete (a bottleneck that must compress), d > C·H·W overcomplete.

An autoencoder has no prior over h. `prior_sample` therefore draws from the diagonal Gaussian fitted to the
training codes (a running mean and standard deviation); decoding those draws shows how much of that region
the codes really fill, which is the lecture's argument for VAEs.

The denoising and sparse autoencoders subclass `Autoencoder` through its hooks: `corrupt` (what the encoder
sees), `code_activation` (the code layer's non-linearity), `build_decoder` and `regularise` (an extra penalty).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from workbench.methods.autoencoder_common import (
    CodeStatistics,
    EncoderDecoderMethod,
    logits_to_image,
    reconstruction_loss,
)
from workbench.methods.base import Batch
from workbench.methods.registry import register_method
from workbench.nets.conv_vae import ConvDecoder, ConvEncoder


def psnr_db(pixel_mse: float) -> float:
    """Peak signal-to-noise ratio for pixels in [-1, 1] (peak-to-peak range 2)."""
    return 10 * math.log10(4.0 / pixel_mse) if pixel_mse > 0 else float("inf")


@register_method("autoencoder")
class Autoencoder(EncoderDecoderMethod):
    loss_names: tuple[str, ...] = ("reconstruction",)

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.latent_dim = s.latent_dim
        conv = ConvEncoder(data_info.channels, data_info.image_size, s.channels)
        head = nn.Linear(conv.out_features, s.latent_dim)
        self.encoder = nn.Sequential(conv, head, *self.code_activation()).to(device)
        self.decoder = self.build_decoder().to(device)
        self.nets = {"encoder": self.encoder, "decoder": self.decoder}
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.add_optimizer("autoencoder", torch.optim.Adam(params, lr=s.lr))
        self.codes = CodeStatistics(s.latent_dim, device)
        self.buffers = {"code_mean": self.codes.mean, "code_std": self.codes.std}

    # Hooks for the variants --------------------------------------------------------------------------

    def build_decoder(self) -> nn.Module:
        """code → image logits (the convolutional mirror of the encoder)."""
        info, s = self.data_info, self.settings
        return ConvDecoder(s.latent_dim, info.channels, info.image_size, s.channels)

    def code_activation(self) -> list[nn.Module]:
        """Layers after the linear code layer (none: a linear code)."""
        return []

    def corrupt(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """What the encoder sees during training (the clean image here)."""
        return x

    def regularise(self, code: torch.Tensor) -> tuple[torch.Tensor | None, dict[str, float]]:
        """An extra loss on the batch of codes, and diagnostics to report (none here)."""
        return None, {}

    # Training ------------------------------------------------------------------------------------------

    def train_step(self, batch: Batch) -> dict[str, float]:
        x = self.on_device(batch[:1])[0]
        with self.autocast():
            code = self.encoder(self.corrupt(x, self.noise))
            logits = self.decoder(code)
        reconstruction = reconstruction_loss(logits.float(), x, self.settings.reconstruction).mean()
        penalty, extra = self.regularise(code.float())
        loss = reconstruction if penalty is None else reconstruction + penalty
        grad = self.optimize("autoencoder", loss, self.encoder, self.decoder)
        self.codes.update(code)
        with torch.no_grad():
            pixel_mse = float((logits_to_image(logits.float(), self.settings.reconstruction) - x).pow(2).mean())
        scalars = {"reconstruction": reconstruction.item()}
        if penalty is not None:
            scalars["loss"] = loss.item()
        return {**scalars, **extra, "pixel_mse": pixel_mse, "psnr_db": psnr_db(pixel_mse), "grad_norm": grad}

    # Latent capabilities -------------------------------------------------------------------------------

    # encode, decode, decoder_network, decode_differentiable, visuals: EncoderDecoderMethod

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """Draws from the Gaussian fitted to the training codes (an autoencoder has no prior of its own)."""
        return self.codes.sample(super().prior_sample(n, seed=seed))
