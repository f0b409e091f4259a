"""Settings dataclasses of every method, declared without importing torch.

The GUI builds its new-run form from these fields and the CLI its flags; validation is automatic
(see `workbench.config.setting`).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.registry import MethodSpec, declare_method


@dataclass(frozen=True)
class DCGANSettings(Validated):
    """DCGAN (Radford et al. 2016): strided convolutions, batch norm, ReLU/tanh in G, LeakyReLU in D."""

    section = "method"
    latent_dim: int = setting(64, min=1, max=1024, help="size of the noise vector z")
    g_channels: int = setting(64, min=4, max=1024, help="feature maps in G's last hidden layer")
    d_channels: int = setting(64, min=4, max=1024, help="feature maps in D's first layer")
    g_loss: str = setting(
        "non_saturating",
        choices=("non_saturating", "minimax"),
        help="minimax: G minimises log(1 - D(G(z))); non-saturating: G maximises log D(G(z))",
    )
    lr_g: float = setting(2e-4, min=1e-7, max=1.0, help="Adam learning rate of the generator")
    lr_d: float = setting(2e-4, min=1e-7, max=1.0, help="Adam learning rate of the discriminator")
    beta1: float = setting(0.5, min=0.0, max=0.999, help="Adam β1 (0.5 in the DCGAN paper)")
    beta2: float = setting(0.999, min=0.0, max=0.99999, help="Adam β2")


@dataclass(frozen=True)
class VAESettings(Validated):
    """Convolutional VAE (Kingma & Welling 2014) with a Gaussian encoder; β weights the KL term (β-VAE)."""

    section = "method"
    latent_dim: int = setting(16, min=1, max=1024, help="size of the latent code z")
    channels: int = setting(32, min=4, max=1024, help="feature maps in the first encoder layer")
    beta: float = setting(1.0, min=0.0, max=1000.0, help="weight of KL(q(z|x) ‖ N(0, I)); 1 = plain VAE")
    reconstruction: str = setting(
        "bce", choices=("bce", "mse"), help="bce: Bernoulli likelihood on [0, 1] pixels; mse: Gaussian"
    )
    lr: float = setting(1e-3, min=1e-7, max=1.0, help="Adam learning rate")


declare_method(
    MethodSpec(
        name="dcgan",
        settings=DCGANSettings,
        module="workbench.methods.dcgan",
        summary="Deep convolutional GAN, minimax or non-saturating generator loss",
        family="GAN",
        capabilities=("latent",),
    )
)
declare_method(
    MethodSpec(
        name="vae",
        settings=VAESettings,
        module="workbench.methods.vae",
        summary="Convolutional variational autoencoder (β-VAE with β ≠ 1)",
        family="VAE",
        capabilities=("latent", "encode"),
    )
)
