"""SPADE (Park et al. 2019): settings and spec, without torch; the implementation is in `method.py`.

Defaults follow the reference implementation (NVlabs/SPADE) except the network widths, shrunk so that a CPU user
sees results within minutes; each such departure is named in the field's help.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import Translator
from workbench.methods.fields import adam_beta1, adam_beta2, adversarial_loss, learning_rate, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run

NORM_HELP = ("the parameter-free normalisation inside every SPADE layer, before the label map's γ and β: batch "
             "(the paper's synchronised batch norm; eval mode uses running statistics) or instance (statistics "
             "per image, for batch size 1)")


@dataclass(frozen=True)
class SPADESettings(Validated):
    """SPADE (Park et al. 2019): a generator whose every normalisation layer is modulated per pixel by the label
    map, trained against a multi-scale PatchGAN with hinge loss and feature matching."""

    section = "method"
    g_channels: int = setting(16, min=4, max=256, help="generator width: the last block's feature maps, ×16 at the "
                                                       "start (64 in the paper; 16 trains many times faster on a CPU)")
    spade_hidden: int = setting(32, min=8, max=512, help="hidden feature maps of each SPADE layer's shared "
                                                         "convolution that reads the label map (128 in the paper)")
    norm: str = setting("batch", choices=("batch", "instance"), help=NORM_HELP)
    d_channels: int = setting(16, min=4, max=512, help="feature maps in each discriminator's first layer (64 in "
                                                       "the paper), doubling per layer up to 8×")
    num_d: int = setting(2, min=1, max=4, help="discriminators at successively halved scales (2 in the paper): the "
                                               "coarser one judges the layout, the finer one the texture")
    d_layers: int = setting(3, min=1, max=6, help="convolutions before each discriminator's output (4 in the "
                                                  "paper; 3 = smaller patches, faster)")
    gan_loss: str = adversarial_loss("hinge", ("hinge", "least_squares", "non_saturating"),
                                     "The paper uses hinge; the loss is averaged over the discriminator scales")
    lambda_feat: float = loss_weight(10.0, "weight of the feature-matching loss: L1 between D's intermediate "
                                           "features on real and generated images (10 in the paper)",
                                     label="λ (feature matching)")
    lambda_vgg: float = loss_weight(0.0, "weight of the VGG-19 perceptual loss (10 in the paper's default; 0 = "
                                         "off, needs method.vgg_weights)", label="λ (VGG)")
    vgg_weights: str = setting(
        "", help="a local VGG-19 weights file in torchvision's format (e.g. vgg19-dcbb9e9d.pth, or .safetensors) "
                 "for the perceptual loss when λ (VGG) > 0; nothing is downloaded")
    lr_g: float = learning_rate(1e-4, "Adam learning rate of the generator (10⁻⁴ in the paper: two time-scale "
                                      "updates, D learns 4× faster)")
    lr_d: float = learning_rate(4e-4, "Adam learning rate of the discriminators (4·10⁻⁴ in the paper)")
    beta1: float = adam_beta1(0.0, "Adam β1 (0 in the paper)")
    beta2: float = adam_beta2(0.9, "Adam β2 (0.9 in the paper)")


SPEC = MethodSpec(
    "spade", SPADESettings, "SPADE", "Translation",
    "Semantic image synthesis: label map → image with spatially-adaptive normalisation, multi-scale PatchGAN",
    capabilities=(Translator,), data_kinds=("label_maps",),
    visual_columns=(("translation", ("label map", "output G(s)", "target")),),
    tiny=tiny_run("labels2scenes", 16, g_channels=4, spade_hidden=8, d_channels=4, d_layers=2),
)
