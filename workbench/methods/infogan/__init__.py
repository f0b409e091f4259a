"""InfoGAN (Chen et al. 2016): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.capabilities import LatentModel
from workbench.methods.fields import adam_beta1, adam_beta2, adversarial_loss, feature_maps, latent_size, learning_rate
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class InfoGANSettings(Validated):
    """InfoGAN (Chen et al. 2016): structured codes c next to the noise z, and a Q head on D's body that
    recovers c from G(z, c); maximising the variational lower bound of I(c; G(z, c)) makes the codes
    interpretable (e.g. digit class, slant, stroke width) without labels."""

    section = "method"
    latent_dim: int = latent_size(62, "size of the incompressible noise z (62 in the paper)")
    categories: int = setting(
        10, min=0, max=100, help="k of the categorical code c ~ Cat(k) (10 in the paper for MNIST); 0 = none"
    )
    continuous: int = setting(2, min=0, max=16, help="number of continuous codes c ~ U[−1, 1] (2 in the paper)")
    g_channels: int = feature_maps(32, "feature maps in G's last hidden layer (doubling inwards)")
    d_channels: int = feature_maps(32, "feature maps in D's first layer (doubling inwards)")
    loss: str = adversarial_loss(
        "non_saturating", ("non_saturating", "minimax", "least_squares", "hinge"),
        "The paper uses non_saturating. The Wasserstein losses are not offered: their clipping or gradient penalty "
        "would also constrain the Q head that shares D's body",
    )
    lambda_info: float = setting(
        1.0, min=0.0, max=100.0, help="λ: weight of the mutual-information term L_I in both D's and G's losses"
    )
    continuous_weight: float = setting(
        0.1, min=0.0, max=100.0, help="weight of the continuous codes' Gaussian NLL inside L_I, relative to the "
        "categorical cross-entropy (the paper uses a smaller weight for continuous codes so L_I stays on the GAN "
        "loss's scale)",
    )
    lr_g: float = learning_rate(1e-3, "Adam learning rate of the generator (1e-3 in the paper)")
    lr_d: float = learning_rate(2e-4, "Adam learning rate of D and its Q head (2e-4 in the paper)")
    beta1: float = adam_beta1(0.5)
    beta2: float = adam_beta2(0.999)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.categories == 1:
            raise ConfigError(
                "method.categories must be 0 (no categorical code) or ≥ 2: a code with one category carries no "
                "information"
            )
        if self.categories == 0 and self.continuous == 0:
            raise ConfigError(
                "method.categories and method.continuous are both 0: InfoGAN needs at least one code to learn"
            )


SPEC = MethodSpec(
    "infogan", InfoGANSettings, "InfoGAN", "GAN",
    "InfoGAN: unsupervised categorical and continuous codes via a mutual-information term",
    capabilities=(LatentModel,), tiny=tiny_run(latent_dim=4, categories=3, continuous=1, g_channels=8, d_channels=8),
)
