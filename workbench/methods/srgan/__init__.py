"""SRGAN (Ledig et al. 2017): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import InitFrom, RunNotes, Upscaler
from workbench.methods.fields import adam_beta1, learning_rate
from workbench.methods.registry import MethodSpec
from workbench.methods.srresnet import BICUBIC_SKIP_HELP, SR_TINY, SR_VISUALS


@dataclass(frozen=True)
class SRGANSettings(Validated):
    """SRGAN (Ledig et al. 2017): the SRResNet generator trained with a content loss on VGG-19 features plus
    10⁻³ × an adversarial loss from a convolutional discriminator."""

    section = "method"
    residual_blocks: int = setting(8, min=1, max=32, help="generator residual blocks (16 in the paper)")
    channels: int = setting(32, min=8, max=256, help="generator feature maps (64 in the paper)")
    bicubic_skip: bool = setting(True, help=BICUBIC_SKIP_HELP)
    d_channels: int = setting(32, min=8, max=512, help="feature maps in the discriminator's first layer (64 in "
                                                       "the paper)")
    init_from: str = setting("", help="an SRResNet run (its id or folder, or a shipped example such as "
                                      "srresnet-x4-sr-photos) whose latest checkpoint initialises the generator, as "
                                      "the paper does; empty = start from random weights")
    vgg_weights: str = setting(
        "", help="a local VGG-19 weights file in torchvision's format (e.g. vgg19-dcbb9e9d.pth, or .safetensors) "
                 "for the content loss; nothing is downloaded. Empty: the content loss falls back to pixel MSE "
                 "and the run records that it did")
    content_layer: str = setting("relu5_4", choices=("relu2_2", "relu5_4"),
                                 help="VGG-19 features compared: relu5_4 (the paper's VGG54) or relu2_2 (VGG22)")
    adversarial_weight: float = setting(1e-3, min=0.0, max=1.0, help="weight of the adversarial loss (10⁻³ in "
                                                                     "the paper)")
    lr: float = learning_rate(1e-4, "Adam learning rate of G and D (10⁻⁴ in the paper)")
    beta1: float = adam_beta1(0.9, "Adam β1 (0.9 in the paper)")


SPEC = MethodSpec(
    "srgan", SRGANSettings, "SRGAN", "Super-resolution",
    "Super-resolution GAN: SRResNet generator, VGG-19 content loss + adversarial loss",
    capabilities=(Upscaler, RunNotes, InitFrom), data_kinds=("super_resolution",), visual_columns=SR_VISUALS,
    tiny=SR_TINY,
)
