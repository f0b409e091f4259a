"""Convolutional autoencoder: settings and spec, without torch; the implementation is in `method.py`.

The code size decides whether it is undercomplete (it has to compress) or overcomplete (it could copy).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated
from workbench.methods.capabilities import Encoder, LatentModel
from workbench.methods.fields import encoder_channels, latent_size, learning_rate, likelihood
from workbench.methods.registry import MethodSpec, tiny_run


def code_size_help(what: str) -> str:
    return (
        f"size of the {what}. Fewer numbers than the image has pixels (e.g. 32 < 32×32 = 1024) makes the "
        "autoencoder undercomplete: it has to compress. More makes it overcomplete: it could simply copy its "
        "input unless something else (noise, sparsity) stops it"
    )


@dataclass(frozen=True)
class AutoencoderSettings(Validated):
    """Convolutional autoencoder: x → code h = f(x) → reconstruction g(h), trained to reproduce its input."""

    section = "method"
    latent_dim: int = latent_size(32, code_size_help("code h"), max=8192)
    channels: int = encoder_channels(32)
    reconstruction: str = likelihood("mse")
    lr: float = learning_rate(1e-3)


SPEC = MethodSpec(
    "autoencoder", AutoencoderSettings, "Autoencoder", "Autoencoder",
    "Convolutional autoencoder; the code size makes it under- or overcomplete",
    capabilities=(LatentModel, Encoder), tiny=tiny_run(latent_dim=4, channels=8),
)
