"""β-TCVAE (Chen et al. 2018): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import Encoder, LatentModel, VariationalEncoder
from workbench.methods.fields import encoder_channels, latent_size, learning_rate, likelihood, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class BetaTCVAESettings(Validated):
    """β-TCVAE (Chen et al. 2018): the VAE's KL term split into index-code MI, total correlation and
    dimension-wise KL, each with its own weight."""

    section = "method"
    latent_dim: int = latent_size(10, "size of the latent code z")
    channels: int = encoder_channels(32)
    alpha: float = loss_weight(
        1.0, "weight of the index-code mutual information I(x; z): how much the code tells about which image it "
        "came from. 1 as in the paper", label="α (mutual information)",
    )
    beta: float = loss_weight(
        6.0, "weight of the total correlation KL(q(z) ‖ Πⱼ q(zⱼ)): the dependence between latent dimensions. Above "
        "1 it pushes the dimensions to be independent (disentangled); α = β = γ = 1 is a plain VAE",
        label="β (total correlation)",
    )
    gamma: float = loss_weight(
        1.0, "weight of Σⱼ KL(q(zⱼ) ‖ N(0, 1)): how far each dimension's distribution is from the prior",
        label="γ (dimension-wise KL)",
    )
    estimator: str = setting(
        "mws",
        choices=("mws", "mss"),
        help="how q(z) is estimated from a minibatch: mws = minibatch-weighted sampling (the paper's main "
        "estimator; its three curves carry offsets of about log(dataset size) per dimension); mss = minibatch "
        "stratified sampling (importance weights summing to one: curves closer to the true values)",
    )
    reconstruction: str = likelihood("bce")
    lr: float = learning_rate(1e-3)


SPEC = MethodSpec(
    "beta_tcvae", BetaTCVAESettings, "β-TCVAE", "VAE",
    "β-TCVAE: VAE with the KL split into mutual information, total correlation and dimension-wise KL",
    capabilities=(LatentModel, Encoder, VariationalEncoder), tiny=tiny_run(latent_dim=4, channels=8),
)
