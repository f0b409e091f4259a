"""β-TCVAE (Chen, Li, Grosse & Duvenaud 2018, "Isolating Sources of Disentanglement in VAEs").

The VAE's KL term, averaged over the data n, splits into three parts (the paper's eq. 2):
  E_p(n)[KL(q(z|n) ‖ p(z))] = I_q(z; n)                        index-code mutual information
                            + KL(q(z) ‖ Πⱼ q(zⱼ))               total correlation (TC)
                            + Σⱼ KL(q(zⱼ) ‖ p(zⱼ))              dimension-wise KL
  loss = reconstruction + α · MI + β · TC + γ · dimension-wise KL      (α = β = γ = 1: the plain VAE)
With z ~ q(z|nᵢ) for each image of a minibatch of M out of N images, the aggregate densities are estimated
by minibatch-weighted sampling (MWS, the paper's eq. 5):
  log q(zᵢ)    ≈ log Σⱼ q(zᵢ | nⱼ) − log(N M)
  log q(zᵢ,d)  ≈ log Σⱼ q(zᵢ,d | nⱼ) − log(N M)
so that, per image,
  MI = log q(zᵢ|nᵢ) − log q(zᵢ),   TC = log q(zᵢ) − Σ_d log q(zᵢ,d),   dim-KL = Σ_d log q(zᵢ,d) − log p(zᵢ)
which add up to log q(zᵢ|nᵢ) − log p(zᵢ), a one-sample estimate of KL(q(z|nᵢ) ‖ p(z)).
MWS weighs the other images of the batch N times less than a representative sample would, so its curves
carry large offsets (for posteriors that all overlap: MI ≈ log N, TC ≈ (D − 1) log N, dim-KL ≈ −D log N).
Minibatch stratified sampling (MSS, the paper's appendix) replaces the 1/(NM) by importance weights that sum
to one for each zᵢ: 1/N for its own image, (N − M′)/(N M′) for one other image and 1/M′ for the remaining
ones, M′ = M − 1:
  log q(zᵢ) ≈ log Σⱼ wᵢⱼ q(zᵢ | nⱼ)      (and likewise per dimension)
"""

from __future__ import annotations

import math
from typing import Any

import torch

from workbench.methods.autoencoder_common import (
    GaussianViews,
    NetworkMethod,
    gaussian_kl,
    reconstruction_loss,
    reconstruction_visuals,
)
from workbench.methods.base import Batch
from workbench.methods.registry import register_method
from workbench.nets.autoencoder_parts import GaussianConvEncoder
from workbench.nets.conv_vae import ConvDecoder

_LOG_2PI = math.log(2 * math.pi)


def log_normal(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Elementwise log N(x; μ, σ²)."""
    return -0.5 * (_LOG_2PI + logvar + (x - mu).pow(2) * torch.exp(-logvar))


def stratified_log_weights(batch_size: int, dataset_size: int) -> torch.Tensor:
    """log wᵢⱼ of minibatch stratified sampling, M×M: each row sums to one (see the module docstring)."""
    m, n = batch_size - 1, dataset_size
    if m == 0:
        return torch.zeros(1, 1)  # a batch of one: its own posterior is all there is
    w = torch.full((batch_size, batch_size), 1.0 / m, dtype=torch.float64)
    rows = torch.arange(batch_size)
    w[rows, (rows + 1) % batch_size] = (n - m) / (n * m)  # the stratum "everything not in the batch"
    w[rows, rows] = 1.0 / n
    return w.log()


def tc_decomposition(
    z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, dataset_size: int, estimator: str = "mws"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(MI, TC, dimension-wise KL) per image, each shape (M,), by minibatch-weighted ("mws") or
    minibatch-stratified ("mss") sampling.

    z, μ, log σ²: M×D, with zᵢ drawn from q(z | nᵢ) = N(μᵢ, diag σᵢ²); N = dataset_size.
    """
    m = z.shape[0]
    log_qz_given_x = log_normal(z, mu, logvar).sum(dim=1)  # log q(zᵢ | nᵢ)
    pairwise = log_normal(z.unsqueeze(1), mu.unsqueeze(0), logvar.unsqueeze(0))  # M×M×D: log q(zᵢ,d | nⱼ)
    if estimator == "mws":
        log_w = torch.full((m, m), -math.log(dataset_size * m), dtype=z.dtype, device=z.device)
    elif estimator == "mss":
        log_w = stratified_log_weights(m, dataset_size).to(dtype=z.dtype, device=z.device)
    else:
        raise ValueError(f"unknown estimator {estimator!r}")
    log_qz = torch.logsumexp(log_w + pairwise.sum(dim=2), dim=1)  # log q(zᵢ)
    log_prod_marginals = torch.logsumexp(log_w.unsqueeze(2) + pairwise, dim=1).sum(dim=1)  # Σ_d log q(zᵢ,d)
    log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z)).sum(dim=1)  # log N(zᵢ; 0, I)
    return log_qz_given_x - log_qz, log_qz - log_prod_marginals, log_prod_marginals - log_pz


@register_method("beta_tcvae")
class BetaTCVAE(GaussianViews, NetworkMethod):
    loss_names = ("loss", "reconstruction", "mutual_information", "total_correlation", "dimension_kl")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.latent_dim = s.latent_dim
        self.dataset_size = int(data_info.size)
        self.encoder = GaussianConvEncoder(data_info.channels, data_info.image_size, s.channels, s.latent_dim)
        self.decoder = ConvDecoder(s.latent_dim, data_info.channels, data_info.image_size, s.channels)
        self.encoder.to(device)
        self.decoder.to(device)
        self.nets = {"encoder": self.encoder, "decoder": self.decoder}
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.add_optimizer("vae", torch.optim.Adam(params, lr=s.lr))

    def train_step(self, batch: Batch) -> dict[str, float]:
        s = self.settings
        x = self.on_device(batch[:1])[0]
        with self.autocast():
            mu, logvar = self.encoder(x)
            mu, logvar = mu.float(), logvar.float()
            z = mu + torch.exp(0.5 * logvar) * self.randn(*mu.shape)
            logits = self.decoder(z)
        reconstruction = reconstruction_loss(logits.float(), x, s.reconstruction).mean()
        terms = tc_decomposition(z, mu, logvar, self.dataset_size, s.estimator)
        mi, tc, dim_kl = (t.mean() for t in terms)
        loss = reconstruction + s.alpha * mi + s.beta * tc + s.gamma * dim_kl
        grad = self.optimize("vae", loss, self.encoder, self.decoder)
        return {
            "loss": loss.item(),
            "reconstruction": reconstruction.item(),
            "mutual_information": mi.item(),
            "total_correlation": tc.item(),
            "dimension_kl": dim_kl.item(),
            "kl": float(gaussian_kl(mu.detach(), logvar.detach()).mean()),  # the analytic total, for comparison
            "grad_norm": grad,
        }

    def gaussian(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(x)

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        return reconstruction_visuals(self, batch)
