"""Denoising autoencoder (Vincent et al. 2008): settings and spec, without torch."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import setting
from workbench.methods.autoencoder import AutoencoderSettings
from workbench.methods.capabilities import Encoder, LatentModel
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class DenoisingAutoencoderSettings(AutoencoderSettings):
    """Denoising autoencoder (Vincent et al. 2008): reconstruct the clean x from a corrupted copy x̃."""

    noise: str = setting(
        "masking",
        choices=("masking", "gaussian"),
        help="how the input is corrupted: masking = each pixel set to black (−1) with probability v; "
        "gaussian = N(0, σ²) noise added to every pixel",
    )
    masking_probability: float = setting(
        0.3, min=0.0, max=0.95, label="masking probability v",
        help="masking noise: the chance that a pixel is blacked out (0.3 = about 30% of the pixels)",
    )
    gaussian_std: float = setting(
        0.5, min=0.0, max=4.0, label="noise std σ",
        help="gaussian noise: its standard deviation, in pixel units where black = −1 and white = +1",
    )


SPEC = MethodSpec(
    "denoising_autoencoder", DenoisingAutoencoderSettings, "Denoising autoencoder", "Autoencoder",
    "Denoising autoencoder: masking or Gaussian noise in, the clean image out",
    capabilities=(LatentModel, Encoder), tiny=tiny_run(latent_dim=4, channels=8),
)
