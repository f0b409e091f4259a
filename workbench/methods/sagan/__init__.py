"""SAGAN with BigGAN's class conditioning (Zhang et al. 2019; Brock et al. 2019): settings and spec, without torch;
the implementation is in `method.py`, the networks in workbench/nets/biggan.py."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import AttentionMaps, ClassInterpolation, Conditional, LatentModel, Truncation
from workbench.methods.fields import adam_beta1, adam_beta2, feature_maps, latent_size, learning_rate, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class SAGANSettings(Validated):
    """Self-attention GAN (Zhang et al. 2019) with BigGAN's conditioning (Brock et al. 2019): residual networks,
    spectral norm in G and D, self-attention at one resolution, hinge loss, two learning rates (TTUR); with
    classes, conditional batch norm from a shared class embedding in G and a projection discriminator."""

    section = "method"
    latent_dim: int = latent_size(
        64, "size of z. With hierarchical_latent it is split into one chunk for the 4×4 input and one per "
            "up-block (BigGAN at 128×128: 120 = 6 chunks of 20)")
    channels: int = feature_maps(
        8, "width: G's feature maps at side r are channels·min(16, image_size/r), D mirrors them. 8 trains "
           "recognisable digits (32×32) in 3 CPU minutes; 16 is 2× slower per step. The papers at 128×128: 64 "
           "(SAGAN) or 96 (BigGAN)")
    attention_at: int = setting(
        8, choices=(0, 4, 8, 16, 32, 64, 128, 256),
        help="side of the feature maps where self-attention sits in G and D, at most half the image size (a "
             "larger side means half the image size); 0 = no attention (a plain spectral-norm ResNet GAN). Its "
             "cost grows with the side to the 4th power: 8 on 32×32 images (a quarter of the side, as SAGAN's 32 "
             "at 128×128) trains 2.6× faster on a CPU than 16. The papers at 128×128 use 32 (SAGAN) or 64 "
             "(BigGAN)")
    conditional: str = setting(
        "auto", choices=("auto", "on", "off"),
        help="class conditioning: auto = when the dataset has classes; on = require them; off = ignore them. "
             "Conditional G: batch-norm gains and biases from a shared class embedding; D: projection head")
    class_embedding_dim: int = setting(
        32, min=1, max=1024, help="size of G's shared class embedding (BigGAN: 128)")
    hierarchical_latent: bool = setting(
        True, help="BigGAN's hierarchical latent: each up-block's batch norms also see their own chunk of z, so "
                   "noise reaches every resolution directly; off = z only enters the 4×4 input (SAGAN)")
    lr_g: float = learning_rate(
        2e-4, "Adam learning rate of G, below D's (two time scales, TTUR). SAGAN uses 1e-4 for G and 4e-4 for D "
              "over 1M steps, BigGAN 5e-5 and 2e-4; at 1e-4, G had not learnt the digit classes after 1,000 "
              "steps (3 CPU minutes), at 2e-4 every class was recognisable")
    lr_d: float = learning_rate(4e-4, "Adam learning rate of D (4e-4 in SAGAN)")
    beta1: float = adam_beta1(0.0, "Adam β1 (0 in SAGAN and BigGAN)")
    beta2: float = adam_beta2(0.9, "Adam β2 (0.9 in SAGAN and BigGAN)")
    d_steps: int = setting(
        1, min=1, max=10, help="D updates per G update, each with fresh noise (1 in SAGAN, 2 in BigGAN)")
    orthogonal_reg: float = loss_weight(
        1e-4, "weight β of BigGAN's orthogonal regularisation β·Σ‖WWᵀ ⊙ (1 − I)‖²_F on G's weights (1e-4 in "
              "the paper); 0 = off", max=1.0)
    truncation: float = setting(
        0.0, min=0.0, max=10.0,
        help="BigGAN's truncation trick for the sample grids and `sample` (so also for evaluation): z drawn from "
             "a normal truncated to |z_i| ≤ this threshold (as resampling |z_i| > threshold gives); smaller = "
             "more typical, less varied images. 0 = untruncated (training always is)")


SPEC = MethodSpec(
    "sagan", SAGANSettings, "SAGAN", "GAN",
    "Self-attention GAN with BigGAN's class conditioning: residual G/D, spectral norm, hinge loss, TTUR, "
    "attention maps, class interpolation, truncation",
    capabilities=(LatentModel, Conditional, AttentionMaps, ClassInterpolation, Truncation),
    tiny=tiny_run("digits", 16, latent_dim=6, channels=4, class_embedding_dim=4, attention_at=8),
)
