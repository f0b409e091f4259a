"""Conditional GAN (Mirza & Osindero 2014): settings and spec, without torch; the implementation is in
`method.py`. Its settings are those of `gan`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.methods.capabilities import Conditional, LatentModel
from workbench.methods.gan import AdversarialSettings
from workbench.methods.registry import MethodSpec, tiny_run


@dataclass(frozen=True)
class ConditionalGANSettings(AdversarialSettings):
    """Conditional GAN (Mirza & Osindero 2014): the one-hot label is concatenated to z in G and given to D as
    constant extra input channels, so D judges (image, label) pairs. Needs a labelled dataset."""


SPEC = MethodSpec(
    "conditional_gan", ConditionalGANSettings, "Conditional GAN", "GAN",
    "Conditional GAN: one-hot label into G and D; choose the class to generate (labelled data)",
    capabilities=(LatentModel, Conditional), tiny=tiny_run(latent_dim=4, g_channels=8, d_channels=8),
)
