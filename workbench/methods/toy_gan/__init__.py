"""Toy GAN on 2-D point mixtures: settings and spec, without torch; the implementation is in `method.py`.

The toy GAN is where mode collapse can be watched directly: an MLP generator maps z to a 2-D point, an MLP
discriminator scores points, and the live scatter shows real and generated points over D's decision surface
(as GAN Lab does). The losses are those of `workbench.methods.adversarial_losses`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.capabilities import LatentModel, ScatterPreview
from workbench.methods.fields import adam_beta1, adam_beta2, adversarial_loss, learning_rate, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run

TOY_GAN_LOSSES = ("non_saturating", "minimax", "wgan_gp")


@dataclass(frozen=True)
class ToyGANSettings(Validated):
    """MLP GAN on 2-D points (gaussians2d-ring / -grid): minimax, non-saturating or WGAN-GP loss."""

    section = "method"
    latent_dim: int = setting(8, min=2, max=8, help="size of the noise vector z fed to the generator (2 lets the "
                              "whole latent plane be mapped; 8 covers the modes more reliably)")
    hidden: int = setting(128, min=8, max=1024, help="units in each hidden layer of G and D")
    layers: int = setting(3, min=1, max=8, help="hidden layers in G and in D")
    loss: str = adversarial_loss("non_saturating", TOY_GAN_LOSSES, "The minimax loss tends to collapse onto few modes")
    lr_g: float = learning_rate(1e-3, "Adam learning rate of the generator")
    lr_d: float = learning_rate(1e-3, "Adam learning rate of the discriminator/critic")
    beta1: float = adam_beta1(0.5)
    beta2: float = adam_beta2(0.9)
    n_critic: int = setting(
        0, min=0, max=100, help="discriminator/critic updates per generator update; 0 = 5 for wgan_gp (the paper's "
        "value), 1 otherwise. Each uses the step's real batch with fresh noise",
    )
    gp_weight: float = loss_weight(
        0.1, "wgan_gp only: weight λ of E[(‖∇D(x̂)‖₂ − 1)²]. 0.1 as in the paper's own toy experiments (gan_toy.py); "
        "10 is its value for images",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.loss == "wgan_gp" and self.gp_weight == 0:
            raise ConfigError("method.gp_weight must be > 0 with loss 'wgan_gp' (0 leaves the critic unconstrained)")

    def critic_steps(self) -> int:
        """What n_critic = 0 means for the chosen loss."""
        return self.n_critic or (5 if self.loss == "wgan_gp" else 1)


SPEC = MethodSpec(
    "toy_gan", ToyGANSettings, "Toy GAN", "GAN",
    "Toy GAN on 2-D mixtures (gaussians2d-*): watch mode collapse over D's decision surface",
    capabilities=(LatentModel, ScatterPreview), data_kinds=("points",),
    tiny=tiny_run("gaussians2d-ring", latent_dim=2, hidden=8, layers=1),
)
