"""GAN with a selectable adversarial loss on the DCGAN architecture: settings and spec, without torch.

The losses are those of `workbench.methods.adversarial_losses`. Where a loss's paper prescribes its own optimizer,
learning rate, critic steps or critic normalisation, the `paper` / `0` / `auto` choices pick exactly those values
(see `PAPER_RECIPES`), and `AdversarialSettings.resolved()` reports what a run really uses. conditional_gan shares
these settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.capabilities import LatentModel
from workbench.methods.fields import adam_beta1, adam_beta2, adversarial_loss, feature_maps, latent_size, learning_rate
from workbench.methods.registry import MethodSpec, tiny_run

CRITIC_STEPS_HELP = ("discriminator/critic updates per generator update; 0 = the paper's value (5 for wgan and "
                     "wgan_gp, 1 otherwise). Each uses the step's real batch with fresh noise")


@dataclass(frozen=True)
class PaperRecipe:
    """The optimizer, critic steps and critic normalisation a loss's paper trains with."""

    optimizer: str  # "adam" | "rmsprop"
    lr: float  # same for G and D
    beta1: float
    beta2: float
    n_critic: int
    d_norm: str  # "batch" | "layer" | "none"
    source: str


_DCGAN_RECIPE = PaperRecipe("adam", 2e-4, 0.5, 0.999, 1, "batch", "Radford et al. 2016 (DCGAN)")
PAPER_RECIPES: dict[str, PaperRecipe] = {
    "minimax": _DCGAN_RECIPE,
    "non_saturating": _DCGAN_RECIPE,
    "least_squares": PaperRecipe("adam", 2e-4, 0.5, 0.999, 1, "batch", "Mao et al. 2017 (LSGAN)"),
    "hinge": _DCGAN_RECIPE,
    "wgan": PaperRecipe("rmsprop", 5e-5, 0.0, 0.0, 5, "batch", "Arjovsky et al. 2017 (WGAN), Algorithm 1"),
    # Gulrajani et al. 2017, Algorithm 1: Adam(α = 1e-4, β1 = 0, β2 = 0.9), n_critic = 5, λ = 10, and no batch
    # norm in the critic (the penalty is per sample; layer norm is their recommended drop-in).
    "wgan_gp": PaperRecipe("adam", 1e-4, 0.0, 0.9, 5, "layer", "Gulrajani et al. 2017 (WGAN-GP), Algorithm 1"),
}


@dataclass(frozen=True)
class ResolvedAdversarial:
    """What an adversarial run actually trains with, after `paper` / `auto` / 0 are resolved."""

    optimizer: str
    lr_g: float
    lr_d: float
    beta1: float
    beta2: float
    n_critic: int
    d_norm: str


@dataclass(frozen=True)
class AdversarialSettings(Validated):
    """Shared fields of the DCGAN-architecture GANs with a selectable adversarial loss."""

    section = "method"
    latent_dim: int = latent_size(64, "size of the noise vector z fed to the generator")
    g_channels: int = feature_maps(32, "feature maps in G's last hidden layer (doubling inwards)")
    d_channels: int = feature_maps(32, "feature maps in D's first layer (doubling inwards)")
    loss: str = adversarial_loss("non_saturating")
    optimizer: str = setting(
        "paper",
        choices=("paper", "adam", "rmsprop"),
        help="paper: the optimizer and learning rate of the chosen loss's paper (Adam 2e-4, β=(0.5, 0.999) for "
        "the DCGAN-style losses; RMSprop 5e-5 for wgan; Adam 1e-4, β=(0, 0.9) for wgan_gp); "
        "adam / rmsprop: use lr_g, lr_d (and β1, β2 for Adam) below",
    )
    lr_g: float = learning_rate(2e-4, "generator learning rate (only with optimizer adam/rmsprop)")
    lr_d: float = learning_rate(2e-4, "discriminator/critic learning rate (only with optimizer adam/rmsprop)")
    beta1: float = adam_beta1(0.5, "Adam β1 (only with optimizer adam)")
    beta2: float = adam_beta2(0.999, "Adam β2 (only with optimizer adam)")
    n_critic: int = setting(0, min=0, max=100, help=CRITIC_STEPS_HELP)
    clip: float = setting(
        0.01, min=1e-5, max=10.0, help="wgan only: every critic weight is clipped to [−c, c] after each update"
    )
    gp_weight: float = setting(
        10.0, min=0.0, max=1000.0, help="wgan_gp only: weight λ of the penalty E[(‖∇D(x̂)‖₂ − 1)²]"
    )
    d_norm: str = setting(
        "auto",
        choices=("auto", "batch", "layer", "none"),
        help="normalisation in D's hidden layers. auto: batch norm (DCGAN), but layer norm for wgan_gp, whose "
        "per-sample gradient penalty is invalid when batch norm mixes the samples of a batch",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.loss == "wgan_gp" and self.d_norm == "batch":
            raise ConfigError(
                "method.d_norm: batch norm cannot be used with loss 'wgan_gp' (the gradient penalty is per "
                "sample and batch norm makes each critic output depend on the whole batch); use 'layer', "
                "'none' or 'auto'"
            )
        if self.loss == "wgan_gp" and self.gp_weight == 0:
            raise ConfigError("method.gp_weight must be > 0 with loss 'wgan_gp' (0 leaves the critic unconstrained)")
        if self.optimizer == "paper":
            defaults = {f.name: f.default for f in dataclasses.fields(AdversarialSettings)}
            for name in ("lr_g", "lr_d", "beta1", "beta2"):
                if getattr(self, name) != defaults[name]:
                    raise ConfigError(
                        f"method.{name} is only used with method.optimizer = 'adam' or 'rmsprop'; with 'paper' "
                        f"the {PAPER_RECIPES[self.loss].source} settings are used. Choose an optimizer to set "
                        f"{name}, or put {name} back to {defaults[name]:g}"
                    )

    def resolved(self) -> ResolvedAdversarial:
        recipe = PAPER_RECIPES[self.loss]
        if self.optimizer == "paper":
            opt, lr_g, lr_d, b1, b2 = recipe.optimizer, recipe.lr, recipe.lr, recipe.beta1, recipe.beta2
        else:
            opt, lr_g, lr_d, b1, b2 = self.optimizer, self.lr_g, self.lr_d, self.beta1, self.beta2
        n_critic = self.n_critic or recipe.n_critic
        d_norm = recipe.d_norm if self.d_norm == "auto" else self.d_norm
        return ResolvedAdversarial(opt, lr_g, lr_d, b1, b2, n_critic, d_norm)


@dataclass(frozen=True)
class GANSettings(AdversarialSettings):
    """DCGAN architecture (Radford et al. 2016) trained with a selectable adversarial loss."""


SPEC = MethodSpec(
    "gan", GANSettings, "GAN", "GAN",
    "DCGAN architecture with a selectable loss: minimax, non-saturating, WGAN, WGAN-GP, LSGAN, hinge",
    capabilities=(LatentModel,), tiny=tiny_run(latent_dim=4, g_channels=8, d_channels=8),
)
