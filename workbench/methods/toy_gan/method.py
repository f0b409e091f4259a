"""Toy GAN on 2-D point mixtures: watch mode collapse happen, and WGAN-GP avoid it.

G: z ~ N(0, I) (N×latent_dim) → MLP → point (N×2).  D: point (N×2) → MLP → one raw output per point (a logit
for minimax / non-saturating, a critic score for WGAN-GP). Loss formulas are in `workbench.methods.adversarial_losses`.
One training step is n_critic D updates (fresh z each, the step's real batch) and one G update:

  repeat n_critic times:  minimise L_D(D(x), D(G(z)))   [+ λ·E[(‖∇D(x̂)‖₂ − 1)²] for wgan_gp]
  then:                   minimise L_G(D(G(z))) with the last critic iteration's z

Live view (`scatter`): real points and G(fixed z) over D's output on a 64×64 grid covering the data — σ(logit),
the probability that a point is real, for the probabilistic losses; for WGAN-GP the critic score min-max
normalised to [0, 1] over the grid (its absolute level is arbitrary; only differences matter).

Scalars: loss_d (including the penalty), loss_g, D's outputs named for what they are (`d_real`/`d_fake`
probabilities, or `critic_real`/`critic_fake` scores and `wasserstein_estimate`), `gradient_penalty`,
grad_norm_d, grad_norm_g; and every COVERAGE_EVERY steps `modes_covered` and `high_quality_fraction` of 1,000
samples from a fixed z (`points_mode_coverage`: a sample is high quality within 3 std of its nearest mode).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from workbench.config import ConfigError
from workbench.methods.adversarial_losses import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    step_scalars,
)
from workbench.methods.base import Batch, MethodBase, gradient_norm
from workbench.methods.fields import PROBABILISTIC_LOSSES
from workbench.methods.registry import register_method
from workbench.metrics.mode_coverage import points_mode_coverage
from workbench.nets.mlp import MLP

COVERAGE_EVERY = 50  # steps between mode-coverage scalars (1,000 points through a small MLP: ~1 ms)
COVERAGE_SAMPLES = 1000
COVERAGE_SEED = 4242
SCATTER_POINTS = 512  # generated (and, for mixtures, real) points in the live scatter
SCATTER_SEED = 9001
SURFACE_SIZE = 64


def require_points(data_info: Any, method: str) -> None:
    if getattr(data_info, "kind", "images") != "points":
        raise ConfigError(
            f"data.name: method {method!r} trains on 2-D point datasets (gaussians2d-ring, gaussians2d-grid); "
            f"dataset {getattr(data_info, 'name', '?')!r} holds {getattr(data_info, 'kind', 'images')}"
        )


def data_extent(centers: torch.Tensor, std: float) -> tuple[float, float, float, float]:
    """A square (x0, x1, y0, y1) around the mixture's centres with a margin, so the view does not jump."""
    lo, hi = centers.min(0).values, centers.max(0).values
    mid = (lo + hi) / 2
    half = float((hi - lo).max()) / 2
    half += 0.25 * max(2 * half, 1.0) + 6 * std
    return (float(mid[0]) - half, float(mid[0]) + half, float(mid[1]) - half, float(mid[1]) + half)


def grid_points(extent: tuple[float, float, float, float], size: int) -> torch.Tensor:
    """size² pixel-centre points, row-major with rows going up in y: row i, column j ↔ (x_j, y_i)."""
    x0, x1, y0, y1 = extent
    xs = x0 + (torch.arange(size) + 0.5) * (x1 - x0) / size
    ys = y0 + (torch.arange(size) + 0.5) * (y1 - y0) / size
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)


@register_method("toy_gan")
class ToyGAN(MethodBase):
    loss_names = ("loss_d", "loss_g")
    stateful = ("G", "D", "opt_g", "opt_d")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        require_points(data_info, self.method_name)
        s = self.settings
        self.loss = s.loss
        self.n_critic = s.critic_steps()
        self.latent_dim = s.latent_dim
        self.G = MLP(s.latent_dim, 2, s.hidden, s.layers, "relu").to(device)
        self.D = MLP(2, 1, s.hidden, s.layers, "leaky_relu").to(device)
        betas = (s.beta1, s.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=s.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=s.lr_d, betas=betas)
        self.centers = torch.tensor(data_info.mode_centers, dtype=torch.float32) if data_info.mode_centers else None
        self.mode_std = float(data_info.mode_std)
        self.extent = data_extent(self.centers, self.mode_std) if self.centers is not None else None
        self.iterations = 0

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        return self.D(x).squeeze(1)  # N×2 → N

    # --- training ------------------------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, float]:
        real = batch[0].to(self.device, non_blocking=True).float()
        n = real.shape[0]
        penalty = None
        for i in range(self.n_critic):
            z = self.randn(n, self.latent_dim)
            if i == self.n_critic - 1:  # keep this graph: the generator update below reuses it
                fake = self.G(z)
            else:
                with torch.no_grad():
                    fake = self.G(z)
            self.opt_d.zero_grad(set_to_none=True)
            out_real = self.critic(real)
            out_fake = self.critic(fake.detach())
            loss_d = discriminator_loss(self.loss, out_real, out_fake)
            if self.loss == "wgan_gp":
                eps = torch.rand(n, 1, generator=self.noise, device=self.device)
                penalty = gradient_penalty(self.critic, real, fake.detach(), eps)
                loss_d = loss_d + self.settings.gp_weight * penalty
            loss_d.backward()
            grad_d = gradient_norm(self.D)
            self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        loss_g = generator_loss(self.loss, self.critic(fake))
        loss_g.backward()
        grad_g = gradient_norm(self.G)
        self.opt_g.step()
        self.iterations += 1

        scalars = step_scalars(self.loss, {"loss_d": loss_d, "loss_g": loss_g}, out_real, out_fake, grad_d, grad_g,
                               penalty)
        if self.centers is not None and (self.iterations == 1 or self.iterations % COVERAGE_EVERY == 0):
            scalars.update(self.coverage())
        return scalars

    def coverage(self, n: int = COVERAGE_SAMPLES, seed: int = COVERAGE_SEED) -> dict[str, float]:
        """Modes covered and the fraction of high-quality samples among n samples from a fixed z."""
        if self.centers is None:
            return {}
        result = points_mode_coverage(self.sample(n, seed=seed).numpy(), self.centers.numpy(), self.mode_std)
        return {"modes_covered": float(result.covered), "high_quality_fraction": result.high_quality_fraction}

    # --- outputs -------------------------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Generated points N×2 (not images: the sample grid is skipped for this method)."""
        return self.G(z.to(self.device)).float().cpu()

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z.to(self.device)).float()

    def decoder_network(self) -> torch.nn.Module:
        return self.G

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {}  # no images; the live view is `scatter`

    @torch.no_grad()
    def surface(self, extent: tuple[float, float, float, float], size: int = SURFACE_SIZE) -> np.ndarray:
        """D over the plane as a size×size array in [0, 1], row i ↔ y_i (upwards), column j ↔ x_j."""
        values = self.critic(grid_points(extent, size).to(self.device)).float().cpu()
        if self.loss in PROBABILISTIC_LOSSES:
            values = torch.sigmoid(values)
        else:  # a critic score has no fixed scale: show where it is high and low on this grid
            span = float(values.max() - values.min())
            values = (values - values.min()) / span if span > 0 else torch.full_like(values, 0.5)
        return values.reshape(size, size).numpy().astype(np.float32)

    def real_points(self, batch: Batch) -> torch.Tensor:
        """SCATTER_POINTS draws from the dataset's mixture (its centres and std, a fixed seed), so every mode is
        visibly populated; the batch's own points when the dataset declares no mixture."""
        if self.centers is None:
            return batch[0].float().cpu()
        g = torch.Generator().manual_seed(SCATTER_SEED)
        modes = torch.randint(0, self.centers.shape[0], (SCATTER_POINTS,), generator=g)
        return self.centers[modes] + self.mode_std * torch.randn(SCATTER_POINTS, 2, generator=g)

    def scatter(self, batch: Batch) -> dict[str, dict[str, Any]]:
        """Real and generated points over D's decision surface (GAN Lab's view)."""
        real = self.real_points(batch)
        generated = self.sample(SCATTER_POINTS, seed=SCATTER_SEED)
        extent = self.extent
        if extent is None:
            both = torch.cat([real, generated])
            extent = data_extent(both, float(both.std()) / 10)
        return {
            "points": {
                "real": real.numpy().astype(np.float32),
                "generated": generated.numpy().astype(np.float32),
                "__surface__": self.surface(extent),
                "__extent__": np.asarray(extent, dtype=np.float32),
            }
        }

    # --- checkpoints ---------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "iterations": self.iterations}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.iterations = int(state["iterations"])
