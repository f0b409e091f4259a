"""SAGAN (Zhang et al. 2019) with BigGAN's class conditioning and regularisation (Brock et al. 2019).

Networks (workbench/nets/biggan.py): residual G and D, spectral norm on every weight of both, self-attention at
`attention_at` (at most half the image size); with classes, conditional batch norm in G from a shared class
embedding (⊕ a chunk of z with the hierarchical latent) and a projection discriminator
D(x, y) = wᵀh(x) + embed(y)ᵀh(x). Losses are the hinge losses of workbench.methods.adversarial_losses:

  D:  E[max(0, 1 − D(x, y))] + E[max(0, 1 + D(G(z, y), y))]          (d_steps updates, fresh z each)
  G: −E[D(G(z, y), y)] + β·Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F                    (BigGAN's orthogonal regularisation)

with Adam(β1 = 0, β2 = 0.9) and two time-scale learning rates (TTUR: D learns faster than G; SAGAN 4×, the
defaults here 2× for short CPU runs). Real and generated images go through D as one batch (D has no batch norm,
so this changes nothing but the speed); the generated images take the labels of the step's real batch. G's update
reuses the last D iteration's images.

Scalars per step: loss_d, loss_g (the hinge part), critic_real / critic_fake (D's mean raw scores, named as for
every hinge loss), grad_norm_d, grad_norm_g and, when β > 0, ortho_penalty (the unweighted sum).

Sampling uses BigGAN's truncation trick when method.truncation > 0: z from N(0, I) truncated to |z_i| ≤ t,
drawn by the inverse CDF from the seed's own normal draws, so that lowering t shrinks the same codes smoothly.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import torch
from torch import nn

from workbench.config import ConfigError
from workbench.methods.adversarial_losses import discriminator_loss, generator_loss, step_scalars
from workbench.methods.base import (
    ADVERSARIAL_STATE,
    Batch,
    MethodBase,
    grid_row_labels,
    grid_width,
    in_eval,
    optimizer_step,
    require_images,
    set_requires_grad,
)
from workbench.methods.registry import register_method
from workbench.nets.biggan import BigGANGenerator, ProjectionDiscriminator, attention_sides, latent_chunks, up_sides

LOSS = "hinge"
VISUAL_SEED_OFFSET = 20_011  # the fixed z of the by-class visual


def conditional_classes(settings: Any, data_info: Any) -> tuple[str, ...]:
    """The classes a run conditions on: the dataset's (≥ 2) unless method.conditional is off; () for none."""
    classes = tuple(getattr(data_info, "class_names", ()) or ())
    if settings.conditional == "off":
        return ()
    if len(classes) >= 2:
        return classes
    if settings.conditional == "on":
        raise ConfigError(f"method.conditional = 'on' needs a labelled dataset with at least 2 classes; "
                          f"{getattr(data_info, 'name', '?')!r} has {len(classes)} (use 'auto' or 'off')")
    return ()


def truncate_codes(z: torch.Tensor, threshold: float) -> torch.Tensor:
    """Standard normal codes mapped to the normal truncated to [−t, t]: z' = Φ⁻¹(Φ(−t) + Φ(z)·(Φ(t) − Φ(−t))).

    The result has exactly the distribution BigGAN gets by redrawing every |z_i| > t, but each entry moves
    monotonically and continuously with t (and tends to z as t grows), so a seed's images change gradually."""
    z64 = z.double()
    low = torch.special.ndtr(torch.tensor(-float(threshold), dtype=torch.float64))
    u = low + torch.special.ndtr(z64) * (1 - 2 * low)
    return torch.special.ndtri(u).clamp(-threshold, threshold).to(z.dtype)


@register_method("sagan")
class SAGAN(MethodBase):
    loss_names = ("loss_d", "loss_g")
    stateful = ADVERSARIAL_STATE
    # Set only when a run has them, so that `isinstance(method, Conditional)` (ClassInterpolation, AttentionMaps)
    # asks the object itself: an unconditional run, or one without attention, does not offer those views.
    classes: tuple[str, ...]
    attention_resolution: int

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        require_images(data_info, self.method_name)
        s = self.settings
        size = int(data_info.image_size)
        attention_at = min(s.attention_at, attention_sides(size)[-1]) if s.attention_at else 0
        blocks = len(up_sides(size))
        try:
            latent_chunks(s.latent_dim, blocks, s.hierarchical_latent)
        except ValueError:
            raise ConfigError(f"method.latent_dim: the hierarchical latent for {size}×{size} images splits z into "
                              f"{blocks + 1} chunks (the 4×4 input and {blocks} up-blocks), so it needs at least "
                              f"{blocks + 1}, got {s.latent_dim}; or set method.hierarchical_latent = false") from None
        classes = conditional_classes(s, data_info)
        self.num_classes = len(classes)
        if classes:
            self.classes = classes
        if attention_at:
            self.attention_resolution = attention_at
        self.image_size = size
        self.latent_dim = s.latent_dim
        self.G = BigGANGenerator(s.latent_dim, data_info.channels, size, s.channels, num_classes=self.num_classes,
                                 embedding_dim=s.class_embedding_dim, hierarchical=s.hierarchical_latent,
                                 attention_at=attention_at).to(device)
        self.D = ProjectionDiscriminator(data_info.channels, size, s.channels, num_classes=self.num_classes,
                                         attention_at=attention_at).to(device)
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr_g, s.lr_d, (s.beta1, s.beta2))

    # --- training ------------------------------------------------------------------------------------------------
    def training_labels(self, labels: torch.Tensor) -> torch.Tensor | None:
        if not self.num_classes:
            return None
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
            raise ConfigError(f"data: labels must lie in [0, {self.num_classes - 1}] for a conditional sagan run")
        return labels.to(self.device, non_blocking=True)

    def train_step(self, batch: Batch) -> dict[str, float]:
        s = self.settings
        real = self.on_device(batch[:1])[0]
        labels = self.training_labels(batch[1])
        both = None if labels is None else torch.cat([labels, labels])
        n = real.shape[0]
        for i in range(s.d_steps):
            z = self.randn(n, self.latent_dim)
            self.opt_d.zero_grad(set_to_none=True)
            with self.autocast():
                if i == s.d_steps - 1:  # keep this one's graph: G's update below reuses the images
                    fake = self.G(z, labels)
                else:
                    with torch.no_grad():
                        fake = self.G(z, labels)
                out = self.D(torch.cat([real, fake.detach()]), both).float()
                out_real, out_fake = out[:n], out[n:]
                loss_d = discriminator_loss(LOSS, out_real, out_fake)
            grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)

        self.opt_g.zero_grad(set_to_none=True)
        set_requires_grad(self.D, False)  # D's gradients from G's loss would only be thrown away
        try:
            with self.autocast():
                loss_g = generator_loss(LOSS, self.D(fake, labels).float())
            penalty = self.G.orthogonal_penalty() if s.orthogonal_reg else None  # float32, outside autocast
            total = loss_g if penalty is None else loss_g + s.orthogonal_reg * penalty
            grad_g = optimizer_step(total, self.opt_g, self.scaler_g, self.G)
        finally:
            set_requires_grad(self.D, True)
        scalars = step_scalars(LOSS, {"loss_d": loss_d, "loss_g": loss_g}, out_real, out_fake, grad_d, grad_g)
        if penalty is not None:
            scalars["ortho_penalty"] = float(penalty.detach())
        return scalars

    # --- generating ----------------------------------------------------------------------------------------------
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """G(z[, y]) in the networks' current mode; a conditional run without labels gives one class per grid
        row, as `sample` does."""
        if not self.num_classes:
            if labels is not None:
                raise ValueError("this sagan run is unconditional: it takes no labels")
            return self.G(z)
        if labels is None:
            labels = grid_row_labels(z.shape[0], self.num_classes)
        return self.G(z, labels.to(z.device))

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for codes z (and class indices `labels` in a conditional run), in eval mode."""
        with in_eval(self.G):
            return self.generate(z.to(self.device), labels).float().cpu()

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G(z[, y]) with the autograd graph kept (explorer hook for GAN inversion; modes are the caller's)."""
        return self.generate(z.to(self.device), labels).float()

    def decoder_network(self) -> nn.Module:
        return self.G

    def truncated_prior_sample(self, n: int, *, seed: int, threshold: float) -> torch.Tensor:
        """The seed's prior codes truncated to [−threshold, threshold] (`truncate_codes`); 0 = untruncated."""
        z = self.prior_sample(n, seed=seed)
        return truncate_codes(z, threshold) if threshold > 0 else z

    def sample_truncated(self, n: int, *, seed: int, threshold: float,
                         labels: torch.Tensor | None = None) -> torch.Tensor:
        """n images from truncated codes. A conditional run without `labels` shows classes in the rows of the
        square-ish grid (row r shows class r mod K), the columns of each band of K rows sharing their z."""
        if labels is not None or not self.num_classes:
            return self.decode(self.truncated_prior_sample(n, seed=seed, threshold=threshold), labels)
        k, ncol = self.num_classes, grid_width(n)
        rows = torch.arange(n) // ncol
        table = self.truncated_prior_sample(math.ceil(n / ncol / k) * ncol, seed=seed, threshold=threshold)
        return self.decode(table[(rows // k) * ncol + torch.arange(n) % ncol], grid_row_labels(n, k))

    def sample(self, n: int, *, seed: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """`sample_truncated` at method.truncation (0: the untruncated prior)."""
        return self.sample_truncated(n, seed=seed, threshold=self.settings.truncation, labels=labels)

    # --- explorer views ------------------------------------------------------------------------------------------
    def attention_map(self, z: torch.Tensor, query: tuple[int, int],
                      labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(images N×C×S×S, maps N×r×r): G's attention weights for the position holding image pixel (row, col),
        over the r×r positions of the attention layer (each map sums to 1)."""
        layer = self.G.attention
        if layer is None:
            raise ValueError("this sagan run has no self-attention layer (method.attention_at = 0)")
        row, col = (int(v) for v in query)
        size, side = self.image_size, self.G.attention_at
        if not (0 <= row < size and 0 <= col < size):
            raise ValueError(f"query pixel (row, col) must lie in [0, {size - 1}], got ({row}, {col})")
        caller, captured = threading.get_ident(), []

        def keep(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], _output: torch.Tensor) -> None:
            if threading.get_ident() == caller:  # not another view decoding with the same network at this moment
                captured.append(module.attention(inputs[0]).detach())

        handle = layer.register_forward_hook(keep)
        try:
            images = self.decode(z, labels)
        finally:
            handle.remove()
        beta = captured[-1]
        index = (row * side // size) * side + col * side // size
        return images, beta[:, index, :].reshape(-1, side, side).float().cpu()

    @torch.no_grad()
    def class_interpolation(self, z: torch.Tensor, class_a: int, class_b: int, steps: int) -> torch.Tensor:
        """Images N×steps×C×S×S: G(z, e) with e = (1 − t)·embed(a) + t·embed(b) for t = 0 … 1 (exact ends)."""
        if not self.num_classes:
            raise ValueError("this sagan run is unconditional: it has no classes to interpolate")
        for name, value in (("class_a", class_a), ("class_b", class_b)):
            if not 0 <= int(value) < self.num_classes:
                raise ValueError(f"{name} must be a class index in [0, {self.num_classes - 1}], got {value}")
        if steps < 2:
            raise ValueError(f"a class interpolation needs at least 2 steps (both ends), got {steps}")
        n = z.shape[0]
        t = torch.linspace(0.0, 1.0, steps, device=self.device)[:, None]
        ends = self.G.class_embedding(torch.tensor([int(class_a), int(class_b)], device=self.device))
        embedding = ((1 - t) * ends[0] + t * ends[1]).repeat(n, 1)  # row i·steps + j: code i, step j
        with in_eval(self.G):
            images = self.G(z.to(self.device).repeat_interleave(steps, dim=0), embedding=embedding)
        return images.float().cpu().view(n, steps, *images.shape[1:])

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """`by_class` (conditional runs): one row per class, 8 columns with the same 8 fixed z in every row."""
        real = {"real": batch[0][:16].cpu()}
        if not self.num_classes:
            return real
        k = self.num_classes
        seed = self.config.train.seed + VISUAL_SEED_OFFSET
        z = self.truncated_prior_sample(8, seed=seed, threshold=self.settings.truncation).repeat(k, 1)
        return {"by_class": self.decode(z, torch.arange(k).repeat_interleave(8)), **real}
