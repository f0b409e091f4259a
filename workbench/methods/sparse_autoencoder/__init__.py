"""Sparse autoencoder (Ng's CS294A notes): settings and spec, without torch."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import setting
from workbench.methods.autoencoder import AutoencoderSettings
from workbench.methods.capabilities import Encoder, LatentModel
from workbench.methods.fields import latent_size, loss_weight
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class SparseAutoencoderSettings(AutoencoderSettings):
    """Sparse autoencoder (Ng's notes): sigmoid code units pushed to a small mean activation ρ by KL(ρ‖ρ̂)."""

    latent_dim: int = latent_size(
        128, "number of sigmoid code units. Sparsity keeps most of them near 0 for any one image, so the code can "
        "be large, even overcomplete (more units than pixels)", max=8192,
    )
    sparsity_target: float = setting(
        0.05, min=0.001, max=0.999, label="sparsity target ρ",
        help="the average activation each code unit should have over the data (small: each unit fires rarely)",
    )
    sparsity_weight: float = loss_weight(
        1.0, "weight of the penalty Σⱼ KL(ρ‖ρ̂ⱼ) against the reconstruction error; 0 = no sparsity penalty",
        label="sparsity weight β",
    )
    weight_decay: float = loss_weight(
        0.1, "weight of Ng's (λ/2)·Σ W² on the decoder's weights. It stops the decoder from amplifying uniformly "
        "small activations, which would meet the target ρ without any sparsity", max=100.0, label="weight decay λ",
    )


SPEC = MethodSpec(
    "sparse_autoencoder", SparseAutoencoderSettings, "Sparse autoencoder", "Autoencoder",
    "Sparse autoencoder: KL(ρ‖ρ̂) penalty on the mean activation of sigmoid code units",
    capabilities=(LatentModel, Encoder), tiny=tiny_run(latent_dim=8, channels=8),
)
