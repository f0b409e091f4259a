"""Conditional VAE (Sohn et al. 2015): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.methods.capabilities import Conditional, Encoder, LatentModel, VariationalEncoder
from workbench.methods.fields import latent_size, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run
from workbench.methods.vae import VAESettings


@dataclass(frozen=True)
class ConditionalVAESettings(VAESettings):
    """Conditional VAE (Sohn et al. 2015): encoder and decoder both see the class label."""

    latent_dim: int = latent_size(16, "size of the latent code z; the label carries the class, so z is left with "
                                      "the style")
    beta: float = loss_weight(1.0, "weight of KL(q(z|x, y) ‖ N(0, I)); 1 = plain CVAE")


SPEC = MethodSpec(
    "conditional_vae", ConditionalVAESettings, "Conditional VAE", "VAE",
    "Conditional VAE: the class label enters encoder and decoder; samples one row per class",
    capabilities=(LatentModel, Encoder, VariationalEncoder, Conditional), tiny=tiny_run(latent_dim=4, channels=8),
)
