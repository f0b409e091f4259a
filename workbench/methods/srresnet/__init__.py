"""SRResNet (Ledig et al. 2017): settings and spec, without torch; the implementation is in `method.py`.

The upscaling factor is the dataset's `data.scale`. SRGAN shares the generator's settings."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import Upscaler
from workbench.methods.fields import learning_rate
from workbench.methods.registry import MethodSpec, tiny_run

BICUBIC_SKIP_HELP = (
    "add the generator's output to the bicubic interpolation of the input, so the network learns only the detail "
    "bicubic misses (VDSR's global residual; not in the paper, which learns the whole image). On a CPU budget it "
    "beats bicubic within minutes where the paper's network needs far longer; off = the paper's generator")
SR_VISUALS = (("super_resolution", ("LR (nearest)", "bicubic", "SR output", "HR")),)
SR_TINY = tiny_run("sr-photos", 16, data_options={"scale": 2}, residual_blocks=1, channels=8)


@dataclass(frozen=True)
class SRResNetSettings(Validated):
    """SRResNet (Ledig et al. 2017): residual blocks and sub-pixel convolution upsampling, trained on pixel MSE.
    The upscaling factor is the dataset's `data.scale` (×2 or ×4)."""

    section = "method"
    residual_blocks: int = setting(8, min=1, max=32, help="residual blocks (16 in the paper; 8 trains twice as fast)")
    channels: int = setting(32, min=8, max=256, help="feature maps in every block (64 in the paper)")
    bicubic_skip: bool = setting(True, help=BICUBIC_SKIP_HELP)
    lr: float = learning_rate(2e-4, "Adam learning rate (1e-4 in the paper)")


SPEC = MethodSpec(
    "srresnet", SRResNetSettings, "SRResNet", "Super-resolution",
    "Super-resolution ×2/×4: residual network with sub-pixel upsampling, pixel MSE",
    capabilities=(Upscaler,), data_kinds=("super_resolution",), visual_columns=SR_VISUALS, tiny=SR_TINY,
)
