"""Adversarial autoencoder (Makhzani et al. 2016): settings and spec, without torch."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.capabilities import Encoder, LatentModel, ScatterPreview
from workbench.methods.fields import adam_beta1, encoder_channels, latent_size, learning_rate, likelihood
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class AAESettings(Validated):
    """Adversarial autoencoder (Makhzani et al. 2016): a discriminator on the codes makes them follow a prior."""

    section = "method"
    latent_dim: int = latent_size(
        2, "size of the code z. 2 lets the whole code be watched in the latent scatter; the mixture prior needs "
        "exactly 2",
    )
    prior: str = setting(
        "gaussian",
        choices=("gaussian", "mixture"),
        help="the distribution the codes are pushed to: gaussian = N(0, I); mixture = Gaussians arranged as "
        "the petals of a flower in 2-D (the paper's figure)",
    )
    components: int = setting(
        10, min=2, max=32, label="mixture petals",
        help="number of petals of the mixture prior (10 as in the paper: one per digit class)",
    )
    label_conditioned: bool = setting(
        False,
        help="give the discriminator each code's class label, so each class is pushed into its own petal "
        "(needs the mixture prior and a labelled dataset)",
    )
    channels: int = encoder_channels(32)
    d_hidden: int = setting(
        256, min=8, max=4096, label="discriminator width",
        help="units in each of the discriminator's two hidden layers (the paper used 1000)",
    )
    reconstruction: str = likelihood("bce")
    lr: float = learning_rate(5e-4, "Adam learning rate of the reconstruction phase")
    lr_d: float = learning_rate(1e-3, "Adam learning rate of the code discriminator")
    lr_g: float = learning_rate(
        1e-3, "Adam learning rate of the encoder when it plays the generator; if the codes do not follow the prior "
        "in the latent scatter, raise it relative to the reconstruction rate",
    )
    beta1: float = adam_beta1(0.5, "Adam β1 of the two adversarial optimizers")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.prior == "mixture" and self.latent_dim != 2:
            raise ConfigError(
                f"method.latent_dim must be 2 for the mixture ('flower') prior, which lives in 2-D; "
                f"got {self.latent_dim}"
            )
        if self.label_conditioned and self.prior != "mixture":
            raise ConfigError(
                "method.label_conditioned needs method.prior = 'mixture' (each class is given one petal)"
            )


SPEC = MethodSpec(
    "aae", AAESettings, "AAE", "Autoencoder",
    "Adversarial autoencoder: Gaussian or 10-petal mixture prior, optionally one petal per class",
    capabilities=(LatentModel, Encoder, ScatterPreview), tiny=tiny_run(channels=8, d_hidden=16),
)
