"""Settings and specs of the image-to-image methods (torch-free, like `workbench.methods.settings`).

Pix2Pix and CycleGAN translate between two image domains; SRResNet and SRGAN upscale low-resolution images by
the dataset's `data.scale`. Defaults follow the reference implementations (pytorch-CycleGAN-and-pix2pix,
Ledig et al. 2017) except where a CPU user needs smaller networks to see results within minutes; each such
departure is named in the field's help.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.registry import MethodSpec, declare_method

_NORM_HELP = ("normalisation layer in G and D: batch (pix2pix's default) or instance (CycleGAN's default; "
              "statistics per image, the usual choice at batch size 1)")
_D_LAYERS_HELP = ("strided convolutions in the PatchGAN discriminator: 3 gives the 70×70 receptive field of the "
                  "papers (each output scores one overlapping 70×70 patch); fewer = smaller patches")
_BETA1_HELP = "Adam β1 (0.5 in the papers)"
_BICUBIC_SKIP_HELP = (
    "add the generator's output to the bicubic interpolation of the input, so the network learns only the detail "
    "bicubic misses (VDSR's global residual; not in the paper, which learns the whole image). On a CPU budget it "
    "beats bicubic within minutes where the paper's network needs far longer; off = the paper's generator")


@dataclass(frozen=True)
class Pix2PixSettings(Validated):
    """Pix2Pix (Isola et al. 2017): U-Net G(x) with skips, PatchGAN D on (input, output) pairs, adversarial + λ·L1."""

    section = "method"
    g_channels: int = setting(32, min=4, max=512, help="feature maps in the U-Net's first layer (64 in the paper; "
                                                      "32 trains about 3× faster on a CPU)")
    d_channels: int = setting(32, min=4, max=512, help="feature maps in the PatchGAN's first layer (64 in the paper)")
    d_layers: int = setting(3, min=1, max=5, help=_D_LAYERS_HELP)
    norm: str = setting("batch", choices=("batch", "instance"), help=_NORM_HELP)
    dropout: bool = setting(True, help="dropout (0.5) in the U-Net's three innermost decoder layers, the paper's "
                                       "only noise source while training; translations for viewing use eval mode")
    gan_loss: str = setting("vanilla", choices=("vanilla", "lsgan"),
                            help="vanilla: cross-entropy on D's logits (the paper); lsgan: least squares")
    lambda_l1: float = setting(100.0, min=0.0, max=10_000.0, label="λ (L1 weight)",
                               help="weight of ‖y − G(x)‖₁ against the adversarial term (100 in the paper)")
    lr: float = setting(2e-4, min=1e-7, max=1.0, help="Adam learning rate of G and D")
    beta1: float = setting(0.5, min=0.0, max=0.999, help=_BETA1_HELP)


@dataclass(frozen=True)
class CycleGANSettings(Validated):
    """CycleGAN (Zhu et al. 2017): ResNet generators G: A→B and F: B→A, PatchGAN D_A and D_B, least-squares
    adversarial loss, cycle consistency, optional identity loss, a pool of past fakes, linear LR decay."""

    section = "method"
    g_channels: int = setting(32, min=4, max=512, help="feature maps in the ResNet generators' first layer "
                                                      "(64 in the paper; 32 trains about 3× faster on a CPU)")
    residual_blocks: int = setting(6, min=1, max=16, help="residual blocks in each generator (6 for 128×128 and "
                                                          "9 for 256×256 in the paper)")
    d_channels: int = setting(32, min=4, max=512, help="feature maps in the PatchGANs' first layer (64 in the paper)")
    d_layers: int = setting(3, min=1, max=5, help=_D_LAYERS_HELP)
    norm: str = setting("instance", choices=("batch", "instance"), help=_NORM_HELP)
    lambda_cycle: float = setting(10.0, min=0.0, max=1000.0, label="λ cycle",
                                  help="weight of the cycle losses ‖F(G(a)) − a‖₁ and ‖G(F(b)) − b‖₁ (10 in the paper)")
    lambda_identity: float = setting(
        0.5, min=0.0, max=10.0, label="λ identity",
        help="identity loss ‖G(b) − b‖₁ + ‖F(a) − a‖₁, weighted by λ identity × λ cycle (0.5 in the reference "
             "code; keeps colours when translating photos); 0 = off")
    pool_size: int = setting(50, min=0, max=1000, help="past fakes kept for the discriminators (Shrivastava et al.); "
                                                       "each update sees a mix of new and old fakes; 0 = off")
    lr: float = setting(2e-4, min=1e-7, max=1.0, help="Adam learning rate of every network")
    beta1: float = setting(0.5, min=0.0, max=0.999, help=_BETA1_HELP)
    decay_start: float = setting(
        0.5, min=0.0, max=1.0, label="LR decay start",
        help="fraction of train.steps after which the learning rate falls linearly to 0 at the last step "
             "(0.5 = the paper's 100 constant + 100 decaying epochs)")


@dataclass(frozen=True)
class SRResNetSettings(Validated):
    """SRResNet (Ledig et al. 2017): residual blocks and sub-pixel convolution upsampling, trained on pixel MSE.
    The upscaling factor is the dataset's `data.scale` (×2 or ×4)."""

    section = "method"
    residual_blocks: int = setting(8, min=1, max=32, help="residual blocks (16 in the paper; 8 trains twice as fast)")
    channels: int = setting(32, min=8, max=256, help="feature maps in every block (64 in the paper)")
    bicubic_skip: bool = setting(
        True, help=_BICUBIC_SKIP_HELP)
    lr: float = setting(2e-4, min=1e-7, max=1.0, help="Adam learning rate (1e-4 in the paper)")


@dataclass(frozen=True)
class SRGANSettings(Validated):
    """SRGAN (Ledig et al. 2017): the SRResNet generator trained with a content loss on VGG-19 features plus
    10⁻³ × an adversarial loss from a convolutional discriminator."""

    section = "method"
    residual_blocks: int = setting(8, min=1, max=32, help="generator residual blocks (16 in the paper)")
    channels: int = setting(32, min=8, max=256, help="generator feature maps (64 in the paper)")
    bicubic_skip: bool = setting(
        True, help=_BICUBIC_SKIP_HELP)
    d_channels: int = setting(32, min=8, max=512, help="feature maps in the discriminator's first layer (64 in "
                                                       "the paper)")
    init_from: str = setting("", help="an SRResNet run (its id or folder) whose latest checkpoint initialises the "
                                      "generator, as the paper does; empty = start from random weights")
    vgg_weights: str = setting(
        "", help="a local VGG-19 weights file in torchvision's format (e.g. vgg19-dcbb9e9d.pth, or .safetensors) "
                 "for the content loss; nothing is downloaded. Empty: the content loss falls back to pixel MSE "
                 "and the run records that it did")
    content_layer: str = setting("relu5_4", choices=("relu2_2", "relu5_4"),
                                 help="VGG-19 features compared: relu5_4 (the paper's VGG54) or relu2_2 (VGG22)")
    adversarial_weight: float = setting(1e-3, min=0.0, max=1.0, help="weight of the adversarial loss (10⁻³ in "
                                                                     "the paper)")
    lr: float = setting(1e-4, min=1e-7, max=1.0, help="Adam learning rate of G and D (10⁻⁴ in the paper)")
    beta1: float = setting(0.9, min=0.0, max=0.999, help="Adam β1 (0.9 in the paper)")


_PAIRED = ("paired",)
declare_method(
    MethodSpec(
        name="pix2pix",
        settings=Pix2PixSettings,
        module="workbench.methods.pix2pix",
        summary="Paired image-to-image translation: U-Net generator, PatchGAN discriminator, adversarial + λ·L1",
        family="Translation",
        capabilities=("translate",),
        data_kinds=_PAIRED,
        visual_columns=(("translation", ("input", "output G(x)", "target y")),),
    )
)
declare_method(
    MethodSpec(
        name="cyclegan",
        settings=CycleGANSettings,
        module="workbench.methods.cyclegan",
        summary="Unpaired image-to-image translation: two ResNet generators, cycle consistency, LSGAN loss",
        family="Translation",
        capabilities=("translate", "two_way"),
        data_kinds=("unpaired", "paired"),
        visual_columns=(
            ("cycle_A", ("real_A", "fake_B", "rec_A", "idt_B")),
            ("cycle_B", ("real_B", "fake_A", "rec_B", "idt_A")),
        ),
    )
)
declare_method(
    MethodSpec(
        name="srresnet",
        settings=SRResNetSettings,
        module="workbench.methods.srresnet",
        summary="Super-resolution ×2/×4: residual network with sub-pixel upsampling, pixel MSE",
        family="Super-resolution",
        capabilities=("super_resolution",),
        data_kinds=("super_resolution",),
        visual_columns=(("super_resolution", ("LR (nearest)", "bicubic", "SR output", "HR")),),
    )
)
declare_method(
    MethodSpec(
        name="srgan",
        settings=SRGANSettings,
        module="workbench.methods.srgan",
        summary="Super-resolution GAN: SRResNet generator, VGG-19 content loss + adversarial loss",
        family="Super-resolution",
        capabilities=("super_resolution",),
        data_kinds=("super_resolution",),
        visual_columns=(("super_resolution", ("LR (nearest)", "bicubic", "SR output", "HR")),),
    )
)
