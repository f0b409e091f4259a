"""InfoGAN (Chen et al. 2016) on the DCGAN architecture.

G's input is [z, c]: noise z ~ N(0, I) and structured codes c = (c_cat ~ Cat(K) as one-hot, c_cont ~ U[−1, 1]^M).
InfoGAN maximises the mutual information I(c; G(z, c)) through its variational lower bound

  I(c; G(z, c)) ≥ H(c) + E[log Q(c | G(z, c))] = H(c) − L_I,

with Q a head on D's body: a categorical distribution over c_cat (softmax logits) and a factored Gaussian
N(μ, σ²) over c_cont. So

  L_I = CE(Q_cat(x̃), c_cat) + w · Σ_j [½·log 2π + log σ_j + (c_j − μ_j)² / (2σ_j²)],   x̃ = G(z, c)
  D, Q minimise  L_D + λ·L_I(x̃ detached);     G minimises  L_G + λ·L_I(x̃)

with L_D, L_G the chosen adversarial loss (adversarial_losses), λ = lambda_info and w = continuous_weight.
H(c) = log K + M·log 2 nats is constant, so the reported bounds are
  mi_bound_categorical = log K − CE   (→ log K when Q recovers c_cat from every image)
  mi_bound_continuous  = M·log 2 − NLL_cont.
`latent_dim` of the latent capability is the whole generator input [z, onehot(c_cat), c_cont].
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from workbench.methods.adversarial_losses import discriminator_loss, generator_loss, step_scalars
from workbench.methods.base import (
    ADVERSARIAL_STATE,
    Batch,
    MethodBase,
    grid_row_labels,
    in_eval,
    optimizer_step,
    require_images,
)
from workbench.methods.registry import register_method
from workbench.nets.dcgan import DCGANGenerator
from workbench.nets.dcgan_variants import InfoGANDiscriminator

VISUAL_SEED_OFFSET = 30_011  # the fixed z of the code-traversal visuals
TRAVERSAL_COLUMNS = 8  # the live view lays visuals out 8 per row


def categorical_code_nll(logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """−E[log Q(c_cat | x)]: cross-entropy of Q's logits N×K against the drawn category indices N."""
    return F.cross_entropy(logits, codes)


def gaussian_code_nll(mean: torch.Tensor, log_std: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """−E[log N(c_cont; μ, σ²)], summed over the M continuous codes, averaged over the batch."""
    per_code = 0.5 * math.log(2 * math.pi) + log_std + 0.5 * ((codes - mean) * torch.exp(-log_std)).pow(2)
    return per_code.sum(dim=1).mean()


def code_entropy(categories: int, continuous: int) -> tuple[float, float]:
    """H(c_cat) = log K and h(c_cont) = M·log 2 (uniform on [−1, 1]^M), in nats."""
    return (math.log(categories) if categories else 0.0), continuous * math.log(2.0)


@register_method("infogan")
class InfoGAN(MethodBase):
    loss_names = ("loss_d", "loss_g", "info_loss")
    stateful = ADVERSARIAL_STATE

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        require_images(data_info, "infogan")
        s = self.settings
        self.noise_dim, self.categories, self.continuous = s.latent_dim, s.categories, s.continuous
        self.latent_dim = s.latent_dim + s.categories + s.continuous  # the whole generator input
        self.G = DCGANGenerator(self.latent_dim, data_info.channels, data_info.image_size, s.g_channels).to(device)
        self.D = InfoGANDiscriminator(
            data_info.channels, data_info.image_size, s.d_channels, s.categories, s.continuous
        ).to(device)
        # opt_d trains D's body, its D head and its Q head
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr_g, s.lr_d, (s.beta1, s.beta2))

    # --- codes ---------------------------------------------------------------------------------------------------
    def assemble(self, z: torch.Tensor, cat: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        """[z, onehot(c_cat), c_cont] → the generator input N×latent_dim."""
        parts = [z]
        if self.categories:
            parts.append(F.one_hot(cat.long(), self.categories).to(z.dtype))
        parts.append(cont.to(z.dtype))
        return torch.cat(parts, dim=1)

    def draw_codes(self, n: int, generator: torch.Generator, device: torch.device) -> tuple[torch.Tensor, ...]:
        z = torch.randn(n, self.noise_dim, generator=generator, device=device)
        cat = torch.randint(max(self.categories, 1), (n,), generator=generator, device=device)
        cont = torch.rand(n, self.continuous, generator=generator, device=device) * 2 - 1
        return z, cat, cont

    def info_terms(self, q: torch.Tensor, cat: torch.Tensor, cont: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, mean, log_std = self.D.split_q(q.float())
        zero = q.new_zeros((), dtype=torch.float32)
        ce = categorical_code_nll(logits, cat) if self.categories else zero
        nll = gaussian_code_nll(mean, log_std, cont) if self.continuous else zero
        return {"ce": ce, "nll": nll, "loss": ce + self.settings.continuous_weight * nll, "logits": logits}

    # --- training ------------------------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, float]:
        s = self.settings
        real = self.on_device(batch[:1])[0]
        z, cat, cont = self.draw_codes(real.shape[0], self.noise, self.device)

        # D and Q: tell real from generated, and recover the codes of generated images.
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            fake = self.G(self.assemble(z, cat, cont))
            logits_real = self.D.judge(real).float()
            logits_fake, q_fake = self.D(fake.detach())
            logits_fake = logits_fake.float()
            adv_d = discriminator_loss(s.loss, logits_real, logits_fake)
        info_d = self.info_terms(q_fake, cat, cont)
        loss_d = adv_d + s.lambda_info * info_d["loss"]
        grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)

        # G: fool the updated D and make the codes recoverable.
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            logits_gen, q_gen = self.D(fake)
            adv_g = generator_loss(s.loss, logits_gen.float())
        info_g = self.info_terms(q_gen, cat, cont)
        loss_g = adv_g + s.lambda_info * info_g["loss"]
        grad_g = optimizer_step(loss_g, self.opt_g, self.scaler_g, self.G)

        h_cat, h_cont = code_entropy(self.categories, self.continuous)
        losses = {"loss_d": loss_d, "loss_g": loss_g, "info_loss": info_g["loss"]}
        scalars = step_scalars(s.loss, losses, logits_real, logits_fake, grad_d, grad_g)
        if self.categories:
            scalars["mi_bound_categorical"] = h_cat - info_g["ce"].item()
            scalars["code_accuracy"] = float((info_g["logits"].argmax(1) == cat).float().mean())
        if self.continuous:
            scalars["mi_bound_continuous"] = h_cont - info_g["nll"].item()
        return scalars

    # --- latent capabilities -------------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images for whole generator inputs [z, onehot(c_cat), c_cont] (N×latent_dim)."""
        with in_eval(self.G):
            return self.G(z.to(self.device)).float().cpu()

    def decoder_network(self) -> torch.nn.Module:
        """The generator, whose input is the whole code [z, onehot(c_cat), c_cont] (explorer hook)."""
        return self.G

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G(code) with the autograd graph kept (explorer hook for GAN inversion; modes are the caller's)."""
        return self.G(z.to(self.device)).float()

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        z, cat, cont = self.draw_codes(n, torch.Generator().manual_seed(seed), torch.device("cpu"))
        return self.assemble(z, cat, cont)

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        """Random z and continuous codes; the categorical code is laid out one category per grid row."""
        z, _, cont = self.draw_codes(n, torch.Generator().manual_seed(seed), torch.device("cpu"))
        return self.decode(self.assemble(z, grid_row_labels(n, max(self.categories, 1)), cont))

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Code traversals with a fixed z: rows = categories (or 8 z's without a categorical code), columns = one
        continuous code from −1 to 1 with the others at 0; `categorical` alone when there is no continuous code."""
        gen = torch.Generator().manual_seed(self.config.train.seed + VISUAL_SEED_OFFSET)
        cols = TRAVERSAL_COLUMNS
        if not self.continuous:  # categories in rows, a different z in each column
            z = torch.randn(cols, self.noise_dim, generator=gen).repeat(self.categories, 1)
            cat = torch.arange(self.categories).repeat_interleave(cols)
            return {"categorical": self.decode(self.assemble(z, cat, torch.zeros(len(cat), 0)))}
        if self.categories:  # one z for the whole grid: only the codes change
            rows = self.categories
            z = torch.randn(1, self.noise_dim, generator=gen).expand(rows * cols, -1)
            cat = torch.arange(rows).repeat_interleave(cols)
        else:  # no categorical code: a different z in each row
            rows = cols
            z = torch.randn(rows, self.noise_dim, generator=gen).repeat_interleave(cols, dim=0)
            cat = torch.zeros(rows * cols, dtype=torch.long)
        values = torch.linspace(-1, 1, cols).repeat(rows)
        out = {}
        for j in range(self.continuous):
            cont = torch.zeros(rows * cols, self.continuous)
            cont[:, j] = values
            out[f"categorical_x_c{j + 1}" if self.categories else f"c{j + 1}"] = self.decode(
                self.assemble(z, cat, cont)
            )
        return out
