"""StyleGAN at small scale: a style-based generator (Karras et al. 2019) with StyleGAN2's weight demodulation, skip
generator and residual discriminator (Karras et al. 2020); the networks are in workbench/nets/stylegan.py.

One training step (D and G updated once each, as in the papers):
  styles      z₁, z₂ ~ N(0, I); w = f(z₁) at every layer; with probability `style_mixing` (per batch) the layers
              from a random cut k ∈ [1, L) take f(z₂) instead (mixing regularisation)
  D           L_D = softplus(D(G(w))) + softplus(−D(x))                      (non-saturating logistic loss)
              every `r1_every` steps + r1_every·γ/2·E[‖∇ₓD(x)‖²]            (lazy R1; float32 double backward)
  G (D frozen) L_G = softplus(−D(G(w)))  on the same generated batch
  then        w̄ ← β·w̄ + (1 − β)·mean f(z₁);  G_ema ← the moving average of G's weights (`ema_decay`)
Adam(lr 0.002, β = (0, 0.99)); with lazy R1 D's rate and betas are scaled by c = r1_every / (r1_every + 1)
(lr·c, β^c), StyleGAN2's correction for the penalty's larger, rarer steps. Per-layer noise maps are drawn from
the method's noise generator, so data-parallel runs see exactly the noise one process would.

Scalars: loss_d (with the penalty on R1 steps), loss_g, r1 = E[‖∇ₓD(x)‖²] of the last R1 step, d_real and d_fake
(D's mean probabilities), grad_norm_d, grad_norm_g. Not implemented: path length regularisation, the FIR filters
around resampling, progressive growing (StyleGAN1) and the lazy-regularisation batch shrinking.

Sampling and the explorer use G_ema with fixed noise maps (drawn from a fixed seed, shared by every image), so an
image depends on its code alone; the sample grid applies `truncation_psi`.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F

from workbench.methods.base import (
    ADVERSARIAL_STATE,
    Batch,
    MethodBase,
    in_eval,
    optimizer_step_tensor,
    read_scalars,
    require_images,
    set_requires_grad,
)
from workbench.methods.registry import register_method
from workbench.nets.stylegan import StyleDiscriminator, StyleGenerator, layer_groups, r1_penalty

FIXED_NOISE_SEED = 0  # the noise maps of `decode`, `sample` and the explorer's default
MIXING_PREVIEW_SEEDS = ((101, 102, 103), (201, 202, 203))  # rows A, columns B of the live style-mixing grid


@register_method("stylegan")
class StyleGAN(MethodBase):
    loss_names = ("loss_d", "loss_g")
    stateful = ADVERSARIAL_STATE

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        require_images(data_info, "stylegan")
        s = self.settings
        self.latent_dim, self.w_dim = s.latent_dim, s.w_dim
        self.G = StyleGenerator(
            s.latent_dim, s.w_dim, s.mapping_layers, data_info.channels, data_info.image_size, s.channels,
            s.channel_base, lr_mul=s.mapping_lr_mul, equalized=s.equalized_lr, w_avg_decay=s.w_avg_decay,
        ).to(device)
        self.D = StyleDiscriminator(data_info.channels, data_info.image_size, s.channels, s.channel_base,
                                    stddev_group=s.stddev_group, equalized=s.equalized_lr).to(device)
        # The sampling copy of G: an exponential moving average of its weights (None: sample from G itself).
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if s.ema_decay > 0 else None
        self.num_style_layers = self.G.num_ws
        self.num_noise_layers = self.G.num_noise_layers
        self._build_optimizers()
        self.progress = 0  # training steps taken: the lazy-R1 schedule and the average's warm-up
        self.last_r1 = 0.0  # E[‖∇D(x)‖²] of the last R1 step, reported on the steps between

    def _build_optimizers(self) -> None:
        """Adam for G (the mapping's rate multiplier in an own group when the equalized lr does not carry it) and
        for D with StyleGAN2's lazy-regularisation correction."""
        s = self.settings
        mapping = list(self.G.mapping_net.parameters())
        ids = {id(p) for p in mapping}
        rest = [p for p in self.G.parameters() if id(p) not in ids]
        mapping_lr = s.lr if s.equalized_lr else s.lr * s.mapping_lr_mul
        self.opt_g = torch.optim.Adam([{"params": rest}, {"params": mapping, "lr": mapping_lr}], lr=s.lr,
                                      betas=(s.beta1, s.beta2))
        c = s.r1_every / (s.r1_every + 1) if s.r1_every > 1 else 1.0
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=s.lr * c, betas=(s.beta1**c, s.beta2**c))
        self.scaler_g, self.scaler_d = self.grad_scaler(), self.grad_scaler()

    # --- training ------------------------------------------------------------------------------------------------
    def _training_styles(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(per-layer styles N×L×w_dim with mixing regularisation, the unmixed f(z₁) N×w_dim). The coin and the
        cut are tensors (no device sync) and the same in every process of a data-parallel run."""
        L = self.num_style_layers
        z = torch.cat([self.randn(n, self.latent_dim), self.randn(n, self.latent_dim)])
        w1, w2 = self.G.mapping(z).chunk(2)
        coin = torch.rand((), generator=self.noise, device=self.device)
        cut = torch.randint(1, L, (), generator=self.noise, device=self.device)
        cut = torch.where(coin < self.settings.style_mixing, cut, torch.full_like(cut, L))
        second = (torch.arange(L, device=self.device) >= cut).view(1, L, 1)
        return torch.where(second, w2.unsqueeze(1), w1.unsqueeze(1)), w1

    def _training_noise(self, n: int) -> list[torch.Tensor]:
        return [self.randn(n, 1, r, r) for r in self.G.noise_resolutions]

    def train_step(self, batch: Batch) -> dict[str, float]:
        s = self.settings
        real = self.on_device(batch[:1])[0]
        n = real.shape[0]

        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            ws, w1 = self._training_styles(n)
            fake = self.G(ws, self._training_noise(n))  # its graph is kept: G's update below reuses it
            out_real = self.D(real).float()
            out_fake = self.D(fake.detach()).float()
            loss_d = F.softplus(out_fake).mean() + F.softplus(-out_real).mean()
        r1 = None
        if self.progress % s.r1_every == 0 and s.r1_gamma > 0:
            with torch.autocast(device_type=self.device.type, enabled=False):  # double backward in float32
                r1 = r1_penalty(self.D, real.float())
            loss_d = loss_d + (s.r1_gamma / 2) * s.r1_every * r1
        grad_d = optimizer_step_tensor(loss_d, self.opt_d, self.scaler_d, self.D)

        self.opt_g.zero_grad(set_to_none=True)
        # D frozen for G's loss: its weight gradients from it would only be thrown away.
        set_requires_grad(self.D, False)
        try:
            with self.autocast():
                loss_g = F.softplus(-self.D(fake).float()).mean()
            grad_g = optimizer_step_tensor(loss_g, self.opt_g, self.scaler_g, self.G)
        finally:
            set_requires_grad(self.D, True)
        self.G.update_w_avg(self._global_mean(w1))
        if self.G_ema is not None:
            self._update_ema()
        self.progress += 1

        scalars = read_scalars({
            "loss_d": loss_d, "loss_g": loss_g, "r1": r1 if r1 is not None else self.last_r1,
            "d_real": torch.sigmoid(out_real.detach()).mean(), "d_fake": torch.sigmoid(out_fake.detach()).mean(),
            "grad_norm_d": grad_d, "grad_norm_g": grad_g,
        })
        self.last_r1 = scalars["r1"]
        return scalars

    def _global_mean(self, w: torch.Tensor) -> torch.Tensor:
        """The batch's mean w, over the whole global batch in a data-parallel run (so every process keeps the same
        w̄ as one process would); N×w_dim → 1×w_dim."""
        mean = w.detach().float().mean(dim=0, keepdim=True)
        if self.shard[1] > 1 and torch.distributed.is_initialized():
            torch.distributed.all_reduce(mean)
            mean = mean / self.shard[1]
        return mean

    def _update_ema(self) -> None:
        """G_ema ← β·G_ema + (1 − β)·G with β = min(ema_decay, (1 + t) / (10 + t)) (TensorFlow's warm-up: the
        average follows quickly while G is young); buffers (w̄) are copied."""
        t = self.progress
        beta = min(self.settings.ema_decay, (1 + t) / (10 + t))
        with torch.no_grad():
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
                p_ema.lerp_(p, 1.0 - beta)
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
                b_ema.copy_(b)

    # --- the sampling generator ------------------------------------------------------------------------------------
    @property
    def sampler(self) -> StyleGenerator:
        """The generator samples come from: the weight average when `ema_decay` > 0."""
        return self.G_ema if self.G_ema is not None else self.G

    def _noise(self, noise_seed: int | None = None, noise_layers: tuple[int, ...] | None = None) -> list[torch.Tensor]:
        """Noise maps shared by a batch: the fixed ones, with the layers in `noise_layers` (all when None) drawn
        from `noise_seed` instead."""
        fixed = self.sampler.seeded_noise(FIXED_NOISE_SEED, self.device)
        if noise_seed is None:
            return fixed
        drawn = self.sampler.seeded_noise(noise_seed, self.device)
        chosen = range(self.num_noise_layers) if noise_layers is None else noise_layers
        for k in chosen:
            if not 0 <= k < self.num_noise_layers:
                raise ValueError(f"noise layer {k} is not in [0, {self.num_noise_layers - 1}]")
            fixed[k] = drawn[k]
        return fixed

    def _synthesize(self, ws: torch.Tensor, noise: list[torch.Tensor]) -> torch.Tensor:
        return self.sampler(ws.to(self.device), noise).float().clamp(-1, 1)

    # --- LatentModel ---------------------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] for codes z (no truncation), from the weight average with the fixed noise."""
        with in_eval(self.sampler):
            return self.decode_differentiable(z).cpu()

    def decoder_network(self) -> torch.nn.Module:
        """The generator `decode` uses (explorer hook)."""
        return self.sampler

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """`decode` with the autograd graph kept (explorer hook for GAN inversion; modes are the caller's)."""
        return self.decode_w_differentiable(self.sampler.mapping(z.to(self.device)))

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n images of the seeded prior batch, truncated by `truncation_psi`."""
        with torch.no_grad(), in_eval(self.sampler):
            w = self.sampler.mapping(self.prior_sample(n, seed=seed).to(self.device))
            ws = self.sampler.truncate(self.sampler.broadcast(w), self.settings.truncation_psi)
            return self._synthesize(ws, self._noise()).cpu()

    # --- IntermediateLatent --------------------------------------------------------------------------------------
    @torch.no_grad()
    def map_to_w(self, z: torch.Tensor) -> torch.Tensor:
        """The mapping network of the sampling generator: N×latent_dim → N×w_dim."""
        return self.sampler.mapping(z.to(self.device)).float().cpu()

    @torch.no_grad()
    def decode_w(self, w: torch.Tensor) -> torch.Tensor:
        with in_eval(self.sampler):
            return self.decode_w_differentiable(w).cpu()

    def decode_w_differentiable(self, w: torch.Tensor) -> torch.Tensor:
        return self._synthesize(self.sampler.broadcast(w.to(self.device)), self._noise())

    # --- StyleMixer ----------------------------------------------------------------------------------------------
    def layer_groups(self) -> dict[str, tuple[int, int]]:
        return layer_groups(self.num_style_layers)

    def mean_w(self) -> torch.Tensor:
        return self.sampler.w_avg.detach().float().cpu().unsqueeze(0).clone()

    def truncate(self, w: torch.Tensor, psi: float) -> torch.Tensor:
        return torch.lerp(self.mean_w().view(*([1] * (w.ndim - 1)), -1).expand_as(w), w.float(), float(psi))

    @torch.no_grad()
    def synthesize_ws(self, ws: torch.Tensor, noise_seed: int | None = None,
                      noise_layers: tuple[int, ...] | None = None) -> torch.Tensor:
        if ws.ndim != 3 or tuple(ws.shape[1:]) != (self.num_style_layers, self.w_dim):
            raise ValueError(f"styles must have shape N×{self.num_style_layers}×{self.w_dim}, got {tuple(ws.shape)}")
        with in_eval(self.sampler):
            return self._synthesize(ws.float(), self._noise(noise_seed, noise_layers)).cpu()

    # --- live view -----------------------------------------------------------------------------------------------
    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The style-mixing figure in small: top row the sources B, left column the sources A, inside A with B's
        coarse styles."""
        seeds_a, seeds_b = MIXING_PREVIEW_SEEDS
        codes = torch.cat([self.prior_sample(1, seed=seed) for seed in (*seeds_a, *seeds_b)])
        w = self.map_to_w(codes)
        wa, wb = w[:len(seeds_a)], w[len(seeds_a):]
        start, end = self.layer_groups()["coarse"]
        L = self.num_style_layers
        ws_a = wa.unsqueeze(1).expand(-1, L, -1)
        mixes = ws_a.unsqueeze(1).repeat(1, len(seeds_b), 1, 1)  # A × B × L × w_dim
        mixes[:, :, start:end] = wb.view(1, len(seeds_b), 1, -1)
        images = self.synthesize_ws(torch.cat([ws_a, wb.unsqueeze(1).expand(-1, L, -1),
                                               mixes.reshape(-1, L, self.w_dim)]))
        a, b = images[:len(seeds_a)], images[len(seeds_a):len(seeds_a) + len(seeds_b)]
        mixed = images[len(seeds_a) + len(seeds_b):].view(len(seeds_a), len(seeds_b), *images.shape[1:])
        blank = torch.ones_like(a[:1])
        rows = [torch.cat([blank, b])] + [torch.cat([a[i:i + 1], mixed[i]]) for i in range(len(seeds_a))]
        return {"style_mixing": torch.cat(rows)}

    # --- checkpoints -----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "G_ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            "schedule": {"progress": self.progress, "last_r1": self.last_r1},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state["G_ema"] if state.get("G_ema") else state["G"])
        self.progress = int(state["schedule"]["progress"])
        self.last_r1 = float(state["schedule"]["last_r1"])
