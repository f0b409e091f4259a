"""Settings and specs of the autoencoder family (torch-free, like `workbench.methods.settings`).

Plain, denoising and sparse autoencoders, β-TCVAE, conditional VAE and adversarial autoencoder. Every field
is a `setting(...)` with its range or choices and a help text; cross-field rules live in `__post_init__` and
raise a ConfigError that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.registry import MethodSpec, declare_method

_RECONSTRUCTION_HELP = (
    "how the reconstruction is compared with the input: mse = squared error (a Gaussian likelihood), "
    "bce = binary cross-entropy on pixels scaled to [0, 1] (a Bernoulli likelihood; sharper on digits)"
)
_LR_HELP = "step size of the Adam optimizer; lower it if the losses jump around or become NaN"
_CHANNELS_HELP = "feature maps in the first encoder layer (doubled at each downsampling; the decoder mirrors it)"


def _latent_help(what: str) -> str:
    return (
        f"size of the {what}. Fewer numbers than the image has pixels (e.g. 32 < 32×32 = 1024) makes the "
        "autoencoder undercomplete: it has to compress. More makes it overcomplete: it could simply copy its "
        "input unless something else (noise, sparsity) stops it"
    )


@dataclass(frozen=True)
class AutoencoderSettings(Validated):
    """Convolutional autoencoder: x → code h = f(x) → reconstruction g(h), trained to reproduce its input."""

    section = "method"
    latent_dim: int = setting(32, min=1, max=8192, help=_latent_help("code h"))
    channels: int = setting(32, min=4, max=1024, help=_CHANNELS_HELP)
    reconstruction: str = setting("mse", choices=("mse", "bce"), help=_RECONSTRUCTION_HELP)
    lr: float = setting(1e-3, min=1e-7, max=1.0, help=_LR_HELP)


@dataclass(frozen=True)
class DenoisingAutoencoderSettings(Validated):
    """Denoising autoencoder (Vincent et al. 2008): reconstruct the clean x from a corrupted copy x̃."""

    section = "method"
    latent_dim: int = setting(32, min=1, max=8192, help=_latent_help("code h"))
    channels: int = setting(32, min=4, max=1024, help=_CHANNELS_HELP)
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
    reconstruction: str = setting("mse", choices=("mse", "bce"), help=_RECONSTRUCTION_HELP)
    lr: float = setting(1e-3, min=1e-7, max=1.0, help=_LR_HELP)


@dataclass(frozen=True)
class SparseAutoencoderSettings(Validated):
    """Sparse autoencoder (Ng's notes): sigmoid code units pushed to a small mean activation ρ by KL(ρ‖ρ̂)."""

    section = "method"
    latent_dim: int = setting(
        128, min=1, max=8192,
        help="number of sigmoid code units. Sparsity keeps most of them near 0 for any one image, so the code "
        "can be large, even overcomplete (more units than pixels)",
    )
    channels: int = setting(32, min=4, max=1024, help=_CHANNELS_HELP)
    sparsity_target: float = setting(
        0.05, min=0.001, max=0.999, label="sparsity target ρ",
        help="the average activation each code unit should have over the data (small: each unit fires rarely)",
    )
    sparsity_weight: float = setting(
        1.0, min=0.0, max=1000.0, label="sparsity weight β",
        help="weight of the penalty Σⱼ KL(ρ‖ρ̂ⱼ) against the reconstruction error; 0 = no sparsity penalty",
    )
    weight_decay: float = setting(
        0.1, min=0.0, max=100.0, label="weight decay λ",
        help="weight of Ng's (λ/2)·Σ W² on the decoder's weights. It stops the decoder from amplifying "
        "uniformly small activations, which would meet the target ρ without any sparsity",
    )
    reconstruction: str = setting("mse", choices=("mse", "bce"), help=_RECONSTRUCTION_HELP)
    lr: float = setting(1e-3, min=1e-7, max=1.0, help=_LR_HELP)


@dataclass(frozen=True)
class BetaTCVAESettings(Validated):
    """β-TCVAE (Chen et al. 2018): the VAE's KL term split into index-code MI, total correlation and
    dimension-wise KL, each with its own weight."""

    section = "method"
    latent_dim: int = setting(10, min=1, max=1024, help="size of the latent code z")
    channels: int = setting(32, min=4, max=1024, help=_CHANNELS_HELP)
    alpha: float = setting(
        1.0, min=0.0, max=1000.0, label="α (mutual information)",
        help="weight of the index-code mutual information I(x; z): how much the code tells about which image "
        "it came from. 1 as in the paper",
    )
    beta: float = setting(
        6.0, min=0.0, max=1000.0, label="β (total correlation)",
        help="weight of the total correlation KL(q(z) ‖ Πⱼ q(zⱼ)): the dependence between latent dimensions. "
        "Above 1 it pushes the dimensions to be independent (disentangled); α = β = γ = 1 is a plain VAE",
    )
    gamma: float = setting(
        1.0, min=0.0, max=1000.0, label="γ (dimension-wise KL)",
        help="weight of Σⱼ KL(q(zⱼ) ‖ N(0, 1)): how far each dimension's distribution is from the prior",
    )
    estimator: str = setting(
        "mws",
        choices=("mws", "mss"),
        help="how q(z) is estimated from a minibatch: mws = minibatch-weighted sampling (the paper's main "
        "estimator; its three curves carry offsets of about log(dataset size) per dimension); mss = minibatch "
        "stratified sampling (importance weights summing to one: curves closer to the true values)",
    )
    reconstruction: str = setting("bce", choices=("bce", "mse"), help=_RECONSTRUCTION_HELP)
    lr: float = setting(1e-3, min=1e-7, max=1.0, help=_LR_HELP)


@dataclass(frozen=True)
class ConditionalVAESettings(Validated):
    """Conditional VAE (Sohn et al. 2015): encoder and decoder both see the class label."""

    section = "method"
    latent_dim: int = setting(
        16, min=1, max=1024,
        help="size of the latent code z; the label carries the class, so z is left with the style",
    )
    channels: int = setting(32, min=4, max=1024, help=_CHANNELS_HELP)
    beta: float = setting(1.0, min=0.0, max=1000.0, help="weight of KL(q(z|x, y) ‖ N(0, I)); 1 = plain CVAE")
    reconstruction: str = setting("bce", choices=("bce", "mse"), help=_RECONSTRUCTION_HELP)
    lr: float = setting(1e-3, min=1e-7, max=1.0, help=_LR_HELP)


@dataclass(frozen=True)
class AAESettings(Validated):
    """Adversarial autoencoder (Makhzani et al. 2016): a discriminator on the codes makes them follow a prior."""

    section = "method"
    latent_dim: int = setting(
        2, min=1, max=1024,
        help="size of the code z. 2 lets the whole code be watched in the latent scatter; the mixture prior "
        "needs exactly 2",
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
    channels: int = setting(32, min=4, max=1024, help=_CHANNELS_HELP)
    d_hidden: int = setting(
        256, min=8, max=4096, label="discriminator width",
        help="units in each of the discriminator's two hidden layers (the paper used 1000)",
    )
    reconstruction: str = setting("bce", choices=("bce", "mse"), help=_RECONSTRUCTION_HELP)
    lr: float = setting(5e-4, min=1e-7, max=1.0, help="Adam learning rate of the reconstruction phase")
    lr_d: float = setting(1e-3, min=1e-7, max=1.0, help="Adam learning rate of the code discriminator")
    lr_g: float = setting(
        1e-3, min=1e-7, max=1.0,
        help="Adam learning rate of the encoder when it plays the generator; if the codes do not follow the "
        "prior in the latent scatter, raise it relative to the reconstruction rate",
    )
    beta1: float = setting(0.5, min=0.0, max=0.999, help="Adam β1 of the two adversarial optimizers")

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


_FAMILY = "Autoencoder"

declare_method(MethodSpec(
    name="autoencoder",
    settings=AutoencoderSettings,
    module="workbench.methods.autoencoder",
    summary="Convolutional autoencoder; the code size makes it under- or overcomplete",
    family=_FAMILY,
    capabilities=("latent", "encode"),
))
declare_method(MethodSpec(
    name="denoising_autoencoder",
    settings=DenoisingAutoencoderSettings,
    module="workbench.methods.denoising_autoencoder",
    summary="Denoising autoencoder: masking or Gaussian noise in, the clean image out",
    family=_FAMILY,
    capabilities=("latent", "encode"),
))
declare_method(MethodSpec(
    name="sparse_autoencoder",
    settings=SparseAutoencoderSettings,
    module="workbench.methods.sparse_autoencoder",
    summary="Sparse autoencoder: KL(ρ‖ρ̂) penalty on the mean activation of sigmoid code units",
    family=_FAMILY,
    capabilities=("latent", "encode"),
))
declare_method(MethodSpec(
    name="aae",
    settings=AAESettings,
    module="workbench.methods.aae",
    summary="Adversarial autoencoder: Gaussian or 10-petal mixture prior, optionally one petal per class",
    family=_FAMILY,
    capabilities=("latent", "encode", "scatter"),
))
declare_method(MethodSpec(
    name="beta_tcvae",
    settings=BetaTCVAESettings,
    module="workbench.methods.beta_tcvae",
    summary="β-TCVAE: VAE with the KL split into mutual information, total correlation and dimension-wise KL",
    family="VAE",
    capabilities=("latent", "encode"),
))
declare_method(MethodSpec(
    name="conditional_vae",
    settings=ConditionalVAESettings,
    module="workbench.methods.conditional_vae",
    summary="Conditional VAE: the class label enters encoder and decoder; samples one row per class",
    family="VAE",
    capabilities=("latent", "encode", "conditional"),
))
