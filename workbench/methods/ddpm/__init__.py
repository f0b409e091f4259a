"""DDPM (Ho et al. 2020) with DDIM sampling (Song et al. 2021): settings and spec, without torch; the
implementation is in `method.py`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import Conditional, Diffusion
from workbench.methods.fields import feature_maps, learning_rate
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class DDPMSettings(Validated):
    """Denoising diffusion: a U-Net learns the noise ε in x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε; samples walk from noise
    x_T back to an image, in all T steps (DDPM) or in a few deterministic ones (DDIM)."""

    section = "method"
    timesteps: int = setting(
        1000, min=2, max=4000,
        help="noise levels T of the forward process (1000 in the paper). The training step costs the same for any "
             "T; only the ddpm sampler walks all T steps, DDIM walks sample_steps of them")
    schedule: str = setting(
        "linear", choices=("linear", "cosine"),
        help="noise schedule: linear = β from 1e-4 to 0.02 (Ho et al. 2020); cosine = ᾱ_t from a squared cosine "
             "(Nichol & Dhariwal 2021), which destroys small images less abruptly")
    sampler: str = setting(
        "ddim", choices=("ddim", "ddpm"),
        help="how samples and the live view are drawn: ddim = sample_steps deterministic steps (η = eta); ddpm = "
             "all T ancestral steps (slow on a CPU)")
    sample_steps: int = setting(50, min=1, max=4000, help="DDIM steps from x_T to the image (fewer = faster)")
    eta: float = setting(0.0, min=0.0, max=1.0,
                         help="DDIM η: 0 = deterministic (the same noise gives the same image), 1 = as noisy as DDPM")
    conditional: str = setting(
        "auto", choices=("auto", "yes", "no"),
        help="class-conditional noise prediction with classifier-free guidance: auto = when the dataset has classes")
    cond_drop_prob: float = setting(
        0.1, min=0.0, max=1.0,
        help="share of training labels replaced by the null class, so the same network also predicts unconditionally")
    guidance_scale: float = setting(
        2.0, min=0.0, max=20.0,
        help="classifier-free guidance w for class samples: ε = ε_null + w·(ε_class − ε_null); 1 = plain "
             "conditional, larger = more typical images of the class and less variety")
    lr: float = learning_rate(2e-4)
    ema_decay: float = setting(
        0.999, min=0.0, max=0.99999,
        help="decay of the weight average used for sampling (warmed up over the first steps); 0 = the raw weights")
    channels: int = feature_maps(32, "feature maps of the U-Net's first level (×1, ×2, ×2 at the levels below)")
    attention: bool = setting(False, help="self-attention at the U-Net's lowest resolution (slower on a CPU)")


SPEC = MethodSpec(
    "ddpm", DDPMSettings, "DDPM", "Diffusion",
    "Denoising diffusion (DDPM) with DDIM sampling and inversion; class guidance on labelled data",
    capabilities=(Conditional, Diffusion),
    tiny=tiny_run(timesteps=20, sample_steps=3, channels=8, ema_decay=0.9),
)
