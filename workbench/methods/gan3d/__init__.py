"""3D-GAN on voxel grids: settings and spec, without torch; the implementation is in `method.py`.

Wu et al. 2016 (3D-GAN): a 200-dimensional z through 3-D transposed convolutions to a 32³ (or 64³) occupancy
grid, and a 3-D convolutional discriminator. The lecture notes' training tricks are options here: a lower
learning rate for D than for G, a large batch, and updating D only while its accuracy on the batch is below
a threshold (80%). The optional image encoder follows 3D-VAE-GAN: silhouettes of the shapes → z.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import VoxelGenerator
from workbench.methods.fields import adam_beta1, feature_maps, latent_size, learning_rate
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class GAN3DSettings(Validated):
    """3D-GAN (Wu et al. 2016): z (200-d) → 3-D transposed convolutions → occupancy grid; a 3-D conv D."""

    section = "method"
    latent_dim: int = latent_size(200, "size of z (200 in the paper)")
    g_channels: int = feature_maps(
        32, max=512,
        help="feature maps in G's last hidden layer (doubled towards z; 64 in the paper). 32 does a quarter of the "
             "work: a 64³ shape is decoded in about 35 ms on one CPU thread instead of 150, so the Voxels tab follows "
             "a latent slider, and training steps are faster")
    d_channels: int = feature_maps(32, "feature maps in D's first layer (doubled at each stride; 64 in the paper)",
                                   max=512)
    lr_g: float = learning_rate(2.5e-3, "Adam learning rate of G (0.0025 in the paper)")
    lr_d: float = learning_rate(
        1e-3,
        help="Adam learning rate of D, lower than G's so that D does not win early. The paper's 10⁻⁵ (with batch "
             "100) leaves D fooled for hundreds of steps on a CPU budget, so the accuracy rule never acts and "
             "samples stay empty; 10⁻³ is what public re-implementations use")
    beta1: float = adam_beta1(0.5, "Adam β1 (0.5 in the paper)")
    d_accuracy_threshold: float = setting(
        0.8, min=0.0, max=1.0, label="D update below accuracy",
        help="update D only while its accuracy on the current batch (real and fake) is below this (0.8 in the "
             "paper); 1 = always update D")
    image_encoder: bool = setting(
        False, label="image → 3D encoder",
        help="also train an encoder from 2-D silhouettes of the shapes to z (3D-VAE-GAN), so a silhouette "
             "image can be turned into a shape")
    encoder_weight: float = setting(1.0, min=0.0, max=1000.0, advanced=True,
                                    help="weight of the encoder's reconstruction loss ‖G(E(silhouette)) − x‖²")


SPEC = MethodSpec(
    "gan3d", GAN3DSettings, "3D-GAN", "3D",
    "3D-GAN on voxel grids: 3-D transposed convolutions, D updated only below 80% accuracy",
    capabilities=(VoxelGenerator,),  # explored in the Voxels tab, not the (image) Latent tab
    data_kinds=("voxels",), tiny=tiny_run("voxels3d", 16, latent_dim=4, g_channels=4, d_channels=4, image_encoder=True),
)
