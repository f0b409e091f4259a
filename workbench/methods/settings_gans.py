"""Settings and MethodSpecs of the GAN family (gan, conditional_gan, infogan, progan), declared without torch.

The adversarial losses offered here are implemented in `workbench.methods.gan_losses`. Where a loss's paper
prescribes its own optimizer, learning rate, critic steps or critic normalisation, the `paper` / `0` / `auto`
choices pick exactly those values (see `PAPER_RECIPES`), and `AdversarialSettings.resolved()` reports what a
run really uses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.registry import MethodSpec, declare_method

GAN_LOSSES = ("minimax", "non_saturating", "wgan", "wgan_gp", "least_squares", "hinge")
WASSERSTEIN_LOSSES = ("wgan", "wgan_gp")

_LOSS_HELP = (
    "minimax: G minimises log(1 − D(G(z))) (Goodfellow 2014; saturates when D wins); "
    "non_saturating: G maximises log D(G(z)); "
    "wgan: Wasserstein critic with weight clipping (Arjovsky 2017); "
    "wgan_gp: Wasserstein critic with gradient penalty (Gulrajani 2017); "
    "least_squares: LSGAN, D regresses real→1, fake→0, G pushes fakes to 1 (Mao 2017); "
    "hinge: D minimises max(0, 1 − D(x)) + max(0, 1 + D(G(z))), G maximises D(G(z))"
)


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
    latent_dim: int = setting(64, min=1, max=1024, help="size of the noise vector z fed to the generator")
    g_channels: int = setting(32, min=4, max=1024, help="feature maps in G's last hidden layer (doubling inwards)")
    d_channels: int = setting(32, min=4, max=1024, help="feature maps in D's first layer (doubling inwards)")
    loss: str = setting("non_saturating", choices=GAN_LOSSES, help=_LOSS_HELP)
    optimizer: str = setting(
        "paper",
        choices=("paper", "adam", "rmsprop"),
        help="paper: the optimizer and learning rate of the chosen loss's paper (Adam 2e-4, β=(0.5, 0.999) for "
        "the DCGAN-style losses; RMSprop 5e-5 for wgan; Adam 1e-4, β=(0, 0.9) for wgan_gp); "
        "adam / rmsprop: use lr_g, lr_d (and β1, β2 for Adam) below",
    )
    lr_g: float = setting(2e-4, min=1e-7, max=1.0, help="generator learning rate (only with optimizer adam/rmsprop)")
    lr_d: float = setting(
        2e-4, min=1e-7, max=1.0, help="discriminator/critic learning rate (only with optimizer adam/rmsprop)"
    )
    beta1: float = setting(0.5, min=0.0, max=0.999, help="Adam β1 (only with optimizer adam)")
    beta2: float = setting(0.999, min=0.0, max=0.99999, help="Adam β2 (only with optimizer adam)")
    n_critic: int = setting(
        0,
        min=0,
        max=100,
        help="discriminator/critic updates per generator update; 0 = the paper's value (5 for wgan and "
        "wgan_gp, 1 otherwise). Each uses the step's real batch with fresh noise",
    )
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


@dataclass(frozen=True)
class ConditionalGANSettings(AdversarialSettings):
    """Conditional GAN (Mirza & Osindero 2014): the one-hot label is concatenated to z in G and given to D as
    constant extra input channels, so D judges (image, label) pairs. Needs a labelled dataset."""


@dataclass(frozen=True)
class InfoGANSettings(Validated):
    """InfoGAN (Chen et al. 2016): structured codes c next to the noise z, and a Q head on D's body that
    recovers c from G(z, c); maximising the variational lower bound of I(c; G(z, c)) makes the codes
    interpretable (e.g. digit class, slant, stroke width) without labels."""

    section = "method"
    latent_dim: int = setting(62, min=1, max=1024, help="size of the incompressible noise z (62 in the paper)")
    categories: int = setting(
        10, min=0, max=100, help="k of the categorical code c ~ Cat(k) (10 in the paper for MNIST); 0 = none"
    )
    continuous: int = setting(2, min=0, max=16, help="number of continuous codes c ~ U[−1, 1] (2 in the paper)")
    g_channels: int = setting(32, min=4, max=1024, help="feature maps in G's last hidden layer (doubling inwards)")
    d_channels: int = setting(32, min=4, max=1024, help="feature maps in D's first layer (doubling inwards)")
    loss: str = setting(
        "non_saturating",
        choices=("non_saturating", "minimax", "least_squares", "hinge"),
        help="adversarial loss (the paper uses non_saturating). The Wasserstein losses are not offered: their "
        "clipping or gradient penalty would also constrain the Q head that shares D's body",
    )
    lambda_info: float = setting(
        1.0, min=0.0, max=100.0, help="λ: weight of the mutual-information term L_I in both D's and G's losses"
    )
    continuous_weight: float = setting(
        0.1,
        min=0.0,
        max=100.0,
        help="weight of the continuous codes' Gaussian NLL inside L_I, relative to the categorical cross-entropy "
        "(the paper uses a smaller weight for continuous codes so L_I stays on the GAN loss's scale)",
    )
    lr_g: float = setting(1e-3, min=1e-7, max=1.0, help="Adam learning rate of the generator (1e-3 in the paper)")
    lr_d: float = setting(2e-4, min=1e-7, max=1.0, help="Adam learning rate of D and its Q head (2e-4 in the paper)")
    beta1: float = setting(0.5, min=0.0, max=0.999, help="Adam β1")
    beta2: float = setting(0.999, min=0.0, max=0.99999, help="Adam β2")

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


@dataclass(frozen=True)
class ProGANSettings(Validated):
    """Progressive growing of GANs (Karras et al. 2018): training starts at 4×4 and doubles the resolution up
    to the image size, each new block faded in smoothly with a weight α that ramps 0 → 1."""

    section = "method"
    latent_dim: int = setting(64, min=1, max=1024, help="size of the noise vector z (512 in the paper)")
    channels: int = setting(
        64, min=8, max=1024, help="feature maps at 4×4 and 8×8, halved at each doubling above 8×8 (at least 8)"
    )
    fade_steps: int = setting(
        300, min=1, max=10_000_000, help="steps over which α ramps from 0 to 1 when a new resolution is added"
    )
    stable_steps: int = setting(
        300, min=1, max=10_000_000, help="steps at full α at each resolution before the next one fades in"
    )
    lr: float = setting(1e-3, min=1e-7, max=1.0, help="Adam learning rate of G and D (1e-3 in the paper)")
    beta1: float = setting(0.0, min=0.0, max=0.999, help="Adam β1 (0 in the paper)")
    beta2: float = setting(0.99, min=0.0, max=0.99999, help="Adam β2 (0.99 in the paper)")
    n_critic: int = setting(1, min=1, max=100, help="critic updates per generator update (1 in the paper)")
    gp_weight: float = setting(
        10.0, min=0.0, max=1000.0, help="WGAN-GP penalty weight λ on E[(‖∇D(x̂)‖₂ − 1)²] (10 in the paper)"
    )
    drift: float = setting(
        0.001, min=0.0, max=1.0, help="ε_drift · E[D(x)²] keeps the critic's outputs near 0 (0.001 in the paper)"
    )
    pixel_norm: bool = setting(True, help="normalise each pixel's feature vector to unit length in G (paper)")
    minibatch_stddev: bool = setting(
        True, help="append the minibatch standard deviation as a feature map before D's last block (paper)"
    )
    stddev_group: int = setting(4, min=2, max=64, help="group size for the minibatch standard deviation (4)")
    equalized_lr: bool = setting(
        True, help="equalized learning rate: N(0, 1) weights scaled by He's constant at run time (paper)"
    )
    ema_decay: float = setting(
        0.995,
        min=0.0,
        max=0.9999,
        help="samples come from an exponential moving average of G's weights with this decay per step (the "
        "paper uses 0.999 over much longer phases); 0 = sample from G itself",
    )
    reset_optimizer: bool = setting(
        True,
        help="reset Adam's moment estimates when a resolution starts fading in and when its fade ends, as the "
        "paper's implementation does",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gp_weight == 0 and self.drift == 0:
            raise ConfigError(
                "method.gp_weight and method.drift are both 0: nothing keeps the Wasserstein critic bounded; "
                "set gp_weight (10 in the paper)"
            )


for _spec in (
    MethodSpec(
        name="gan",
        settings=GANSettings,
        module="workbench.methods.gan",
        summary="DCGAN architecture with a selectable loss: minimax, non-saturating, WGAN, WGAN-GP, LSGAN, hinge",
        family="GAN",
        capabilities=("latent",),
    ),
    MethodSpec(
        name="conditional_gan",
        settings=ConditionalGANSettings,
        module="workbench.methods.conditional_gan",
        summary="Conditional GAN: one-hot label into G and D; choose the class to generate (labelled data)",
        family="GAN",
        capabilities=("latent", "conditional"),
    ),
    MethodSpec(
        name="infogan",
        settings=InfoGANSettings,
        module="workbench.methods.infogan",
        summary="InfoGAN: unsupervised categorical and continuous codes via a mutual-information term",
        family="GAN",
        capabilities=("latent",),
    ),
    MethodSpec(
        name="progan",
        settings=ProGANSettings,
        module="workbench.methods.progan",
        summary="Progressive GAN: grows 4×4 → image size with smooth fade-in; WGAN-GP, pixel norm, minibatch std",
        family="GAN",
        capabilities=("latent",),
    ),
):
    declare_method(_spec)
