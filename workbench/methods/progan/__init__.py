"""Progressive GAN (Karras et al. 2018): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError, Validated, setting
from workbench.methods.capabilities import LatentModel
from workbench.methods.fields import adam_beta1, adam_beta2, latent_size, learning_rate, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class ProGANSettings(Validated):
    """Progressive growing of GANs (Karras et al. 2018): training starts at 4×4 and doubles the resolution up
    to the image size, each new block faded in smoothly with a weight α that ramps 0 → 1."""

    section = "method"
    latent_dim: int = latent_size(64, "size of the noise vector z (512 in the paper)")
    channels: int = setting(
        64, min=8, max=1024, help="feature maps at 4×4 and 8×8, halved at each doubling above 8×8 (at least 8)"
    )
    fade_steps: int = setting(
        300, min=1, max=10_000_000, help="steps over which α ramps from 0 to 1 when a new resolution is added"
    )
    stable_steps: int = setting(
        300, min=1, max=10_000_000, help="steps at full α at each resolution before the next one fades in"
    )
    lr: float = learning_rate(1e-3, "Adam learning rate of G and D (1e-3 in the paper)")
    beta1: float = adam_beta1(0.0, "Adam β1 (0 in the paper)")
    beta2: float = adam_beta2(0.99, "Adam β2 (0.99 in the paper)")
    n_critic: int = setting(1, min=1, max=100, help="critic updates per generator update (1 in the paper)")
    gp_weight: float = loss_weight(10.0, "WGAN-GP penalty weight λ on E[(‖∇D(x̂)‖₂ − 1)²] (10 in the paper)")
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


SPEC = MethodSpec(
    "progan", ProGANSettings, "ProGAN", "GAN",
    "Progressive GAN: grows 4×4 → image size with smooth fade-in; WGAN-GP, pixel norm, minibatch std",
    capabilities=(LatentModel,), tiny=tiny_run(latent_dim=4, channels=8, fade_steps=1, stable_steps=1),
)
