"""Adversarial autoencoder (Makhzani, Shlens, Jaitly, Goodfellow & Frey 2016).

  z = q(x)          deterministic encoder          x̂ = p(z)   decoder
Every step has the paper's two phases:
  1. reconstruction: encoder and decoder minimise reconstruction(x̂, x)   (mse or Bernoulli bce, per image)
  2. regularisation: a discriminator D on codes (logit l, D = σ(l)) learns to tell prior draws z′ ~ p(z)
     (positive) from codes q(x) (negative), then the encoder, playing the generator, fools the updated D:
        D loss = −log D(z′) − log(1 − D(q(x)))  = softplus(−l(z′)) + softplus(l(q(x)))
        G loss = −log D(q(x))                   = softplus(−l(q(x)))        (non-saturating form)
Priors:
  gaussian  N(0, I)
  mixture   K Gaussians in 2-D arranged as the petals of a flower (the paper's Fig. 4): petal k has its mean at
            1.4 (cos θₖ, sin θₖ), θₖ = 2πk/K, standard deviation 0.5 along the radius and 0.1 across it
            (the petal shape of the widely used reimplementations of that figure).
Label-conditioned (the paper's Section 2.3, fully labelled case): D also sees the one-hot class y of each
point; a prior draw for an image of class y comes from petal y, so each class is pushed into its own petal.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.config import ConfigError
from workbench.methods.adversarial_losses import discriminator_loss, generator_loss
from workbench.methods.autoencoder_common import EncoderDecoderMethod, one_hot_labels, reconstruction_loss
from workbench.methods.base import Batch, grid_row_labels
from workbench.methods.registry import register_method
from workbench.nets.autoencoder_parts import CodeDiscriminator
from workbench.nets.conv_vae import ConvDecoder, ConvEncoder

PETAL_RADIUS = 1.4
PETAL_STD_RADIAL = 0.5
PETAL_STD_TANGENTIAL = 0.1
SCATTER_PRIOR_POINTS = 512
SCATTER_SEED = 9001  # the same prior cloud in every live scatter
LOSS = "non_saturating"  # of workbench.methods.adversarial_losses: prior draws are "real", codes "fake"


def mixture_means(components: int) -> torch.Tensor:
    """Centres of the flower's petals, K×2: 1.4 (cos 2πk/K, sin 2πk/K)."""
    theta = 2 * math.pi * torch.arange(components, dtype=torch.float32) / components
    return PETAL_RADIUS * torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)


def mixture_sample(petals: torch.Tensor, components: int, generator: torch.Generator) -> torch.Tensor:
    """One 2-D draw from each requested petal (petals: N integer indices) → N×2."""
    device = petals.device
    theta = 2 * math.pi * petals.float() / components
    radial = PETAL_RADIUS + PETAL_STD_RADIAL * torch.randn(petals.shape, generator=generator, device=device)
    across = PETAL_STD_TANGENTIAL * torch.randn(petals.shape, generator=generator, device=device)
    cos, sin = torch.cos(theta), torch.sin(theta)
    return torch.stack([radial * cos - across * sin, radial * sin + across * cos], dim=1)


@register_method("aae")
class AdversarialAutoencoder(EncoderDecoderMethod):
    loss_names = ("reconstruction", "loss_d", "loss_g")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.latent_dim = s.latent_dim
        self.conditioned = s.label_conditioned
        if self.conditioned:
            k = data_info.num_classes
            if k < 2:
                raise ConfigError(
                    f"method.label_conditioned needs a labelled dataset, and {data_info.name!r} has {k} classes; "
                    "turn it off or use a dataset with labels (e.g. digits)"
                )
            if k > s.components:
                raise ConfigError(
                    f"method.components must be at least the number of classes ({k}) when label_conditioned "
                    f"is on (one petal per class); got {s.components}"
                )
            self.petal_classes: tuple[str, ...] = tuple(data_info.class_names)  # petal k holds class k
        # Petals in use: one per class when conditioned, all of them otherwise.
        self.petals = data_info.num_classes if self.conditioned else s.components
        c, size = data_info.channels, data_info.image_size
        conv = ConvEncoder(c, size, s.channels)
        self.encoder = nn.Sequential(conv, nn.Linear(conv.out_features, s.latent_dim)).to(device)
        self.decoder = ConvDecoder(s.latent_dim, c, size, s.channels).to(device)
        label_features = self.petals if self.conditioned else 0
        self.discriminator = CodeDiscriminator(s.latent_dim + label_features, s.d_hidden).to(device)
        self.nets = {"encoder": self.encoder, "decoder": self.decoder, "discriminator": self.discriminator}
        ae_params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.add_optimizer("autoencoder", torch.optim.Adam(ae_params, lr=s.lr))
        betas = (s.beta1, 0.999)
        self.add_optimizer("discriminator", torch.optim.Adam(self.discriminator.parameters(), lr=s.lr_d, betas=betas))
        self.add_optimizer("generator", torch.optim.Adam(self.encoder.parameters(), lr=s.lr_g, betas=betas))

    # The prior -------------------------------------------------------------------------------------------

    def draw_prior(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                   device: torch.device | None = None) -> torch.Tensor:
        """n draws from p(z); for the mixture, from petal `labels[i]` (uniformly chosen petals if None)."""
        device = device or self.device
        if self.settings.prior == "gaussian":
            return torch.randn((n, self.latent_dim), generator=generator, device=device)
        if labels is None:
            labels = torch.randint(0, self.petals, (n,), generator=generator, device=device)
        return mixture_sample(labels.to(device), self.settings.components, generator)

    def _with_label(self, codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if not self.conditioned:
            return codes
        return torch.cat([codes, one_hot_labels(labels, self.petals).to(codes.dtype)], dim=1)

    # Training ----------------------------------------------------------------------------------------------

    def train_step(self, batch: Batch) -> dict[str, float]:
        s = self.settings
        x, labels = self.on_device(batch)

        # 1. Reconstruction phase: encoder and decoder.
        with self.autocast():
            logits = self.decoder(self.encoder(x))
        reconstruction = reconstruction_loss(logits.float(), x, s.reconstruction).mean()
        grad_ae = self.optimize("autoencoder", reconstruction, self.encoder, self.decoder)

        # 2a. Regularisation phase, discriminator: prior draws are real, codes are fake.
        prior = self.draw_prior(x.shape[0], self.noise, labels if self.conditioned else None)
        with self.autocast():
            codes = self.encoder(x)
            logits_prior = self.discriminator(self._with_label(prior, labels))
            logits_codes = self.discriminator(self._with_label(codes.detach(), labels))
        loss_d = discriminator_loss(LOSS, logits_prior.float(), logits_codes.float())
        grad_d = self.optimize("discriminator", loss_d, self.discriminator)

        # 2b. Regularisation phase, encoder as generator: fool the updated discriminator.
        with self.autocast():
            logits_gen = self.discriminator(self._with_label(codes, labels))
        loss_g = generator_loss(LOSS, logits_gen.float())
        grad_g = self.optimize("generator", loss_g, self.encoder)

        return {
            "reconstruction": reconstruction.item(),
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_prior": float(torch.sigmoid(logits_prior.detach().float()).mean()),
            "d_codes": float(torch.sigmoid(logits_codes.detach().float()).mean()),
            "grad_norm_autoencoder": grad_ae,
            "grad_norm_d": grad_d,
            "grad_norm_g": grad_g,
        }

    # Latent capabilities -------------------------------------------------------------------------------

    # encode, decode, decoder_network, decode_differentiable, visuals: EncoderDecoderMethod

    def prior_sample(self, n: int, *, seed: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n draws from the prior (CPU); with the mixture, `labels` picks each draw's petal."""
        return self.draw_prior(n, torch.Generator().manual_seed(seed), labels, device=torch.device("cpu"))

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        """Decoded prior draws; with the mixture prior, one petal (one class when conditioned) per grid row."""
        petals = grid_row_labels(n, self.petals) if self.settings.prior == "mixture" else None
        return self.decode(self.prior_sample(n, seed=seed, labels=petals))

    def scatter(self, batch: Batch) -> dict[str, dict[str, np.ndarray]]:
        """The encoded images against prior draws, in the first two latent dimensions."""
        codes = self.encode(batch[0])
        prior = self.prior_sample(SCATTER_PRIOR_POINTS, seed=SCATTER_SEED)
        return {"latent": {"encoded": _first_two(codes), "prior": _first_two(prior)}}


def _first_two(points: torch.Tensor) -> np.ndarray:
    """N×2 float32 from the first two dimensions (a 1-D code is drawn on the x axis)."""
    if points.shape[1] == 1:
        points = torch.cat([points, torch.zeros_like(points)], dim=1)
    return points[:, :2].numpy().astype(np.float32)
