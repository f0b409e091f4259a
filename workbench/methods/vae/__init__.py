"""Convolutional VAE (Kingma & Welling 2014), β-VAE with β ≠ 1: settings and spec, without torch."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated
from workbench.methods.capabilities import Encoder, LatentModel, VariationalEncoder
from workbench.methods.fields import encoder_channels, latent_size, learning_rate, likelihood, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class VAESettings(Validated):
    """Convolutional VAE (Kingma & Welling 2014) with a Gaussian encoder; β weights the KL term (β-VAE)."""

    section = "method"
    latent_dim: int = latent_size(16, "size of the latent code z")
    channels: int = encoder_channels(32)
    beta: float = loss_weight(1.0, "weight of KL(q(z|x) ‖ N(0, I)); 1 = plain VAE")
    reconstruction: str = likelihood("bce")
    lr: float = learning_rate(1e-3)


SPEC = MethodSpec(
    "vae", VAESettings, "VAE", "VAE", "Convolutional variational autoencoder (β-VAE with β ≠ 1)",
    capabilities=(LatentModel, Encoder, VariationalEncoder), tiny=tiny_run(latent_dim=4, channels=8),
)
