"""CycleGAN (Zhu et al. 2017): settings and spec, without torch; the implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import CycleTranslator, Translator
from workbench.methods.fields import adam_beta1, learning_rate, loss_weight
from workbench.methods.pix2pix import BETA1_HELP, D_LAYERS_HELP, NORM_HELP
from workbench.methods.registry import MethodSpec, tiny_run


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
    d_layers: int = setting(3, min=1, max=5, help=D_LAYERS_HELP)
    norm: str = setting("instance", choices=("batch", "instance"), help=NORM_HELP)
    lambda_cycle: float = loss_weight(10.0, "weight of the cycle losses ‖F(G(a)) − a‖₁ and ‖G(F(b)) − b‖₁ (10 in "
                                            "the paper)", label="λ cycle")
    lambda_identity: float = setting(
        0.5, min=0.0, max=10.0, label="λ identity",
        help="identity loss ‖G(b) − b‖₁ + ‖F(a) − a‖₁, weighted by λ identity × λ cycle (0.5 in the reference "
             "code; keeps colours when translating photos); 0 = off")
    pool_size: int = setting(50, min=0, max=1000, help="past fakes kept for the discriminators (Shrivastava et al.); "
                                                       "each update sees a mix of new and old fakes; 0 = off")
    lr: float = learning_rate(2e-4, "Adam learning rate of every network")
    beta1: float = adam_beta1(0.5, BETA1_HELP)
    decay_start: float = setting(
        0.5, min=0.0, max=1.0, label="LR decay start",
        help="fraction of train.steps after which the learning rate falls linearly to 0 at the last step "
             "(0.5 = the paper's 100 constant + 100 decaying epochs)")


SPEC = MethodSpec(
    "cyclegan", CycleGANSettings, "CycleGAN", "Translation",
    "Unpaired image-to-image translation: two ResNet generators, cycle consistency, LSGAN loss",
    capabilities=(Translator, CycleTranslator), data_kinds=("unpaired", "paired"),
    visual_columns=(
        ("cycle_A", ("real_A", "fake_B", "rec_A", "idt_B")),
        ("cycle_B", ("real_B", "fake_A", "rec_B", "idt_A")),
    ),
    tiny=tiny_run("photo2stylized", 16, g_channels=4, residual_blocks=1, d_channels=4, d_layers=1, pool_size=2),
)
