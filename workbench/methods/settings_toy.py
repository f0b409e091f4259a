"""Settings and MethodSpec of the toy GAN on 2-D point mixtures, declared without torch.

The toy GAN is where mode collapse can be watched directly: an MLP generator maps z to a 2-D point, an MLP
discriminator scores points, and the live scatter shows real and generated points over D's decision surface
(as GAN Lab does). The losses are those of `workbench.methods.gan_losses`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.registry import MethodSpec, declare_method

TOY_GAN_LOSSES = ("non_saturating", "minimax", "wgan_gp")


@dataclass(frozen=True)
class ToyGANSettings(Validated):
    """MLP GAN on 2-D points (gaussians2d-ring / -grid): minimax, non-saturating or WGAN-GP loss."""

    section = "method"
    latent_dim: int = setting(8, min=2, max=8, help="size of the noise vector z fed to the generator (2 lets the "
                              "whole latent plane be mapped; 8 covers the modes more reliably)")
    hidden: int = setting(128, min=8, max=1024, help="units in each hidden layer of G and D")
    layers: int = setting(3, min=1, max=8, help="hidden layers in G and in D")
    loss: str = setting(
        "non_saturating",
        choices=TOY_GAN_LOSSES,
        help="non_saturating: G maximises log D(G(z)); minimax: G minimises log(1 − D(G(z))) (Goodfellow 2014; "
        "saturates when D wins and tends to collapse onto few modes); wgan_gp: Wasserstein critic with "
        "gradient penalty (Gulrajani 2017)",
    )
    lr_g: float = setting(1e-3, min=1e-7, max=1.0, help="Adam learning rate of the generator")
    lr_d: float = setting(1e-3, min=1e-7, max=1.0, help="Adam learning rate of the discriminator/critic")
    beta1: float = setting(0.5, min=0.0, max=0.999, help="Adam β1")
    beta2: float = setting(0.9, min=0.0, max=0.99999, help="Adam β2")
    n_critic: int = setting(
        0,
        min=0,
        max=100,
        help="discriminator/critic updates per generator update; 0 = 5 for wgan_gp (the paper's value), 1 "
        "otherwise. Each uses the step's real batch with fresh noise",
    )
    gp_weight: float = setting(
        0.1,
        min=0.0,
        max=1000.0,
        help="wgan_gp only: weight λ of E[(‖∇D(x̂)‖₂ − 1)²]. 0.1 as in the paper's own toy experiments "
        "(gan_toy.py); 10 is its value for images",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.loss == "wgan_gp" and self.gp_weight == 0:
            raise ConfigError("method.gp_weight must be > 0 with loss 'wgan_gp' (0 leaves the critic unconstrained)")

    def critic_steps(self) -> int:
        """What n_critic = 0 means for the chosen loss."""
        return self.n_critic or (5 if self.loss == "wgan_gp" else 1)


declare_method(
    MethodSpec(
        name="toy_gan",
        settings=ToyGANSettings,
        module="workbench.methods.toy_gan",
        summary="Toy GAN on 2-D mixtures (gaussians2d-*): watch mode collapse over D's decision surface",
        family="GAN",
        capabilities=("latent", "scatter"),
        data_kinds=("points",),
    )
)
