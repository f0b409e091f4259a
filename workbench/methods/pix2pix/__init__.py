"""Pix2Pix (Isola et al. 2017): settings and spec, without torch; the implementation is in `method.py`.

Defaults follow the reference implementation (pytorch-CycleGAN-and-pix2pix) except where a CPU user needs smaller
networks to see results within minutes; each such departure is named in the field's help. The help texts that
CycleGAN shares are declared here."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import Translator
from workbench.methods.fields import adam_beta1, adversarial_loss, learning_rate, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run

NORM_HELP = ("normalisation layer in G and D: batch (pix2pix's default) or instance (CycleGAN's default; "
             "statistics per image, the usual choice at batch size 1)")
D_LAYERS_HELP = ("strided convolutions in the PatchGAN discriminator: 3 gives the 70×70 receptive field of the "
                 "papers (each output scores one overlapping 70×70 patch); fewer = smaller patches")
BETA1_HELP = "Adam β1 (0.5 in the papers)"


@dataclass(frozen=True)
class Pix2PixSettings(Validated):
    """Pix2Pix (Isola et al. 2017): U-Net G(x) with skips, PatchGAN D on (input, output) pairs, adversarial + λ·L1."""

    section = "method"
    g_channels: int = setting(32, min=4, max=512, help="feature maps in the U-Net's first layer (64 in the paper; "
                                                      "32 trains about 3× faster on a CPU)")
    d_channels: int = setting(32, min=4, max=512, help="feature maps in the PatchGAN's first layer (64 in the paper)")
    d_layers: int = setting(3, min=1, max=5, help=D_LAYERS_HELP)
    norm: str = setting("batch", choices=("batch", "instance"), help=NORM_HELP)
    dropout: bool = setting(True, help="dropout (0.5) in the U-Net's three innermost decoder layers, the paper's "
                                       "only noise source while training; translations for viewing use eval mode")
    gan_loss: str = adversarial_loss(
        "non_saturating", ("non_saturating", "least_squares"),
        "The paper uses non_saturating; as in its reference code D's loss is halved (½ on real, ½ on fake pairs)",
    )
    lambda_l1: float = loss_weight(100.0, "weight of ‖y − G(x)‖₁ against the adversarial term (100 in the paper)",
                                   max=10_000.0, label="λ (L1 weight)")
    lr: float = learning_rate(2e-4, "Adam learning rate of G and D")
    beta1: float = adam_beta1(0.5, BETA1_HELP)


SPEC = MethodSpec(
    "pix2pix", Pix2PixSettings, "Pix2Pix", "Translation",
    "Paired image-to-image translation: U-Net generator, PatchGAN discriminator, adversarial + λ·L1",
    capabilities=(Translator,), data_kinds=("paired",),
    visual_columns=(("translation", ("input", "output G(x)", "target y")),),
    tiny=tiny_run("edges2photos", 16, g_channels=4, d_channels=4, d_layers=1),
)
