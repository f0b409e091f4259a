"""StyleGAN (Karras et al. 2019, 2020): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import IntermediateLatent, LatentModel, StyleMixer
from workbench.methods.fields import adam_beta1, adam_beta2, latent_size, learning_rate, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class StyleGANSettings(Validated):
    """A style-based generator (StyleGAN2's weight demodulation, skip generator, residual discriminator) trained
    with the non-saturating logistic loss, lazy R1 regularisation and style-mixing regularisation. The defaults
    are sized for a CPU; each help text gives the papers' value."""

    section = "method"
    latent_dim: int = latent_size(64, "size of the noise vector z (512 in the papers)")
    w_dim: int = latent_size(64, "size of the intermediate latent w, one per generator layer (512 in the papers)")
    mapping_layers: int = setting(
        4, min=1, max=16, help="fully connected layers of the mapping network z → w (8 in the papers)")
    mapping_lr_mul: float = setting(
        0.01, min=1e-4, max=1.0, help="the mapping network learns this many times slower than the rest of G "
                                      "(0.01 in the papers)")
    channels: int = setting(
        64, min=8, max=1024, help="most feature maps of any layer, in G and D (512 in the papers)")
    channel_base: int = setting(
        512, min=64, max=65536,
        help="feature maps at resolution r are min(channels, channel_base / r): with the defaults 64 at 4×4 and "
             "8×8, 32 at 16×16, 16 at 32×32, sized for a CPU (16384 in StyleGAN, 32768 in StyleGAN2)")
    style_mixing: float = setting(
        0.9, min=0.0, max=1.0,
        help="probability that a batch is generated from two codes, switching from w₁ to w₂ at a random layer "
             "(mixing regularisation: neighbouring layers must not rely on sharing a style; 0.9 in the papers)")
    r1_gamma: float = loss_weight(
        0.1, "γ of the R1 penalty γ/2·E[‖∇D(x)‖²] on real images (10 for FFHQ 1024² in StyleGAN2; small images "
             "need much less: 0.01 for CIFAR-10 in StyleGAN2-ADA)")
    r1_every: int = setting(
        16, min=1, max=256,
        help="lazy regularisation: R1 every this many steps, weighted by the interval (16 in StyleGAN2; 1 = every "
             "step as in StyleGAN). D's Adam rate and betas are adjusted for the interval as the paper does")
    lr: float = learning_rate(0.002, "Adam learning rate of G and D (0.002 in StyleGAN2)")
    beta1: float = adam_beta1(0.0, "Adam β1 (0 in the papers)")
    beta2: float = adam_beta2(0.99, "Adam β2 (0.99 in the papers)")
    ema_decay: float = setting(
        0.999, min=0.0, max=0.99999,
        help="samples come from an exponential moving average of G's weights with this decay per step (warmed up "
             "over the first steps); the papers' half-life of 10,000 images is 0.9978 at batch 32; 0 = sample "
             "from G itself")
    w_avg_decay: float = setting(
        0.995, min=0.0, max=0.99999, advanced=True,
        help="decay per step of the running average of w, the centre of the truncation trick (0.995 in the papers)")
    truncation_psi: float = setting(
        1.0, min=0.0, max=2.0,
        help="truncation ψ of the sample grid (also `workbench sample` and evaluation): w̄ + ψ·(w − w̄); below 1 "
             "trades variety for typical images, 1 = none (the papers' FIDs use 1; their figures 0.5–0.7)")
    stddev_group: int = setting(4, min=2, max=64, help="group size of D's minibatch standard deviation (4)")
    equalized_lr: bool = setting(
        True, help="equalized learning rate: N(0, 1) weights scaled by He's constant at run time (papers)")


SPEC = MethodSpec(
    "stylegan", StyleGANSettings, "StyleGAN", "GAN",
    "Style-based generator: mapping z → w, modulated convolutions, noise inputs; style mixing and truncation",
    capabilities=(LatentModel, StyleMixer, IntermediateLatent),
    visual_columns=(("style_mixing", ("B / A", "coarse of B1", "coarse of B2", "coarse of B3")),),
    tiny=tiny_run(latent_dim=4, w_dim=4, mapping_layers=2, channels=8, r1_every=2),
)
