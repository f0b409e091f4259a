"""Denoising diffusion (Ho et al. 2020) with DDIM sampling and inversion (Song et al. 2021) and classifier-free
guidance (Ho & Salimans 2022).

  forward     x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε,   ε ~ N(0, I),   ᾱ_t = Π_{s≤t} (1 − β_s),   t = 0 … T−1
  training    loss = ‖ε − ε_θ(x_t, t[, y])‖²  at t ~ U{0 … T−1}  (mean over pixels and the batch)
  DDIM step   x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t ;  x_s = √ᾱ_s·x̂₀ + √(1−ᾱ_s−σ²)·ε̂ + σ·z   (s < t on the step grid)
              σ = η·√((1−ᾱ_s)/(1−ᾱ_t))·√(1−ᾱ_t/ᾱ_s):  η = 0 is an ODE (deterministic, invertible)
  DDPM        the DDIM step with η = 1 over all T timesteps (σ² = the posterior variance β̃_t)
  inversion   the η = 0 step run upwards, x₀ → x_T, with ε̂ taken at the point being left
  guidance    ε̂ = ε_θ(x, t, ∅) + w·(ε_θ(x, t, y) − ε_θ(x, t, ∅))   (∅ = the null class; w = 1: conditional)
Sampling uses an exponential moving average of the weights. The noise x_T plays the latent code's part: the same
seed gives the same x_T, and with η = 0 the same image.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch

from workbench.config import ConfigError
from workbench.methods.base import Batch, MethodBase, grid_row_labels, optimizer_step_tensor, read_scalars
from workbench.methods.registry import register_method
from workbench.nets.diffusion_unet import DiffusionUNet

VISUAL_SEED_OFFSET = 30_011  # the fixed x_T of the denoising strip
TRAJECTORY_ROWS, TRAJECTORY_COLUMNS = 4, 8
QUARTILE_MOMENTUM = 0.9  # smoothing of the per-quartile losses (a small batch seldom covers every quartile)
QUARTILE_NAMES = ("loss_t_q1", "loss_t_q2", "loss_t_q3", "loss_t_q4")  # q1 = least noise


def noise_schedule(name: str, timesteps: int) -> torch.Tensor:
    """ᾱ_t for t = 0 … T−1 (float64): linear β from 1e-4 to 0.02 scaled to T steps as in the paper for T = 1000,
    or Nichol & Dhariwal's cosine ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s)·π/2), β clipped at 0.999."""
    if name == "linear":
        scale = 1000.0 / timesteps
        betas = torch.linspace(1e-4 * scale, min(0.02 * scale, 0.999), timesteps, dtype=torch.float64)
    elif name == "cosine":
        s = 0.008
        steps = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
        f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    else:
        raise ConfigError(f"method: unknown noise schedule {name!r} (linear or cosine)")
    return torch.cumprod(1 - betas, dim=0)


def step_grid(timesteps: int, steps: int) -> list[int]:
    """`steps` distinct timesteps evenly spread over 0 … T−1, ascending (the DDIM path's stops)."""
    steps = max(1, min(steps, timesteps))
    return sorted({round(i * (timesteps - 1) / max(1, steps - 1)) for i in range(steps)} if steps > 1
                  else {timesteps - 1})


@register_method("ddpm")
class DDPM(MethodBase):
    """ε-prediction diffusion; `ema` is the averaged copy of `net` that samples."""

    loss_names = ("loss", *QUARTILE_NAMES)
    stateful = ("net", "ema", "opt", "scaler")
    # Set only for a conditional run, so that `isinstance(method, Conditional)` asks the object itself.
    classes: tuple[str, ...]

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        classes = tuple(getattr(data_info, "class_names", ()) or ())
        if s.conditional == "yes" and len(classes) < 2:
            raise ConfigError(f"method: conditional = yes needs a labelled dataset with at least 2 classes; "
                              f"{getattr(data_info, 'name', '?')!r} has {len(classes)}")
        self.conditional = s.conditional == "yes" or (s.conditional == "auto" and len(classes) >= 2)
        self.num_classes = len(classes) if self.conditional else 0
        if self.conditional:
            self.classes = classes
        self.num_timesteps = s.timesteps
        self.image_shape = (data_info.channels, data_info.image_size, data_info.image_size)
        self.alpha_bar = noise_schedule(s.schedule, s.timesteps).float().to(device)
        self.net = DiffusionUNet(data_info.channels, data_info.image_size, s.channels, attention=s.attention,
                                 num_classes=self.num_classes).to(device)
        self.ema = copy.deepcopy(self.net).requires_grad_(False)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=s.lr)
        self.scaler = self.grad_scaler()
        self.ema_updates = 0
        self.quartile_loss = torch.zeros(4, dtype=torch.float64)
        self.quartile_seen = torch.zeros(4, dtype=torch.bool)

    # ---- training -------------------------------------------------------------------------------------------

    def shard_draw(self, draw: Any, n: int) -> torch.Tensor:
        """`draw(count)` from the method's generator for the whole global batch, this process's slice (as randn)."""
        rank, world = self.shard
        return draw(n * world)[rank * n:(rank + 1) * n]

    def train_step(self, batch: Batch) -> dict[str, float]:
        x, labels = self.on_device(batch[:2])
        n = x.shape[0]
        t = self.shard_draw(lambda k: torch.randint(0, self.num_timesteps, (k,), generator=self.noise,
                                                    device=self.device), n)
        noise = self.randn(*x.shape)
        a = self.alpha_bar[t].view(n, 1, 1, 1)
        x_t = a.sqrt() * x + (1 - a).sqrt() * noise
        y = None
        if self.conditional:
            if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
                raise ConfigError(f"data: labels must lie in [0, {self.num_classes - 1}] for ddpm")
            drop = self.shard_draw(lambda k: torch.rand(k, generator=self.noise, device=self.device), n)
            y = torch.where(drop < self.settings.cond_drop_prob, torch.full_like(labels, self.num_classes), labels)
        self.opt.zero_grad(set_to_none=True)
        with self.autocast():
            predicted = self.net(x_t, t, y)
        per_image = (predicted.float() - noise).pow(2).flatten(1).mean(dim=1)
        loss = per_image.mean()
        grad = optimizer_step_tensor(loss, self.opt, self.scaler, self.net)
        self.update_ema()
        scalars = read_scalars({"loss": loss, "grad_norm": grad})
        return {**scalars, **self.update_quartiles(t.cpu(), per_image.detach().double().cpu())}

    @torch.no_grad()
    def update_ema(self) -> None:
        """ema ← d·ema + (1−d)·net with d warmed up as min(ema_decay, (1 + k)/(10 + k)) after k updates, so a
        short run's samples are not dominated by the random initial weights."""
        decay = min(self.settings.ema_decay, (1 + self.ema_updates) / (10 + self.ema_updates))
        self.ema_updates += 1
        ema, net = list(self.ema.parameters()), list(self.net.parameters())
        torch._foreach_lerp_(ema, net, 1.0 - decay)

    def update_quartiles(self, t: torch.Tensor, per_image: torch.Tensor) -> dict[str, float]:
        """Smoothed loss per quarter of 0 … T−1 (q1 = least noise): where the model still struggles."""
        quartile = (t * 4 // self.num_timesteps).clamp(max=3)
        for q in range(4):
            chosen = per_image[quartile == q]
            if chosen.numel():
                value = chosen.mean()
                seen = bool(self.quartile_seen[q])
                self.quartile_loss[q] = QUARTILE_MOMENTUM * self.quartile_loss[q] + (1 - QUARTILE_MOMENTUM) * value \
                    if seen else value
                self.quartile_seen[q] = True
        return dict(zip(QUARTILE_NAMES, self.quartile_loss.tolist(), strict=True))

    def base_state(self) -> dict[str, Any]:
        return {**super().base_state(), "ema_updates": torch.tensor(self.ema_updates),
                "quartile_loss": self.quartile_loss.clone(), "quartile_seen": self.quartile_seen.clone()}

    def load_base_state(self, state: dict[str, Any]) -> None:
        super().load_base_state(state)
        self.ema_updates = int(state["ema_updates"])
        self.quartile_loss = state["quartile_loss"].to(torch.float64).cpu().clone()
        self.quartile_seen = state["quartile_seen"].to(torch.bool).cpu().clone()

    # ---- the reverse process --------------------------------------------------------------------------------

    def predict_noise(self, x: torch.Tensor, t: int, labels: torch.Tensor | None,
                      guidance: float | None) -> torch.Tensor:
        """ε̂ of the averaged network at timestep t; with labels and a guidance w ≠ 1 the classifier-free blend
        (conditional and null predictions in one batch)."""
        tt = torch.full((x.shape[0],), t, device=self.device, dtype=torch.long)
        if not self.conditional or labels is None:
            return self.ema(x, tt, None).float()
        labels = labels.to(self.device)
        if guidance is None or guidance == 1.0:
            return self.ema(x, tt, labels).float()
        null = torch.full_like(labels, self.num_classes)
        both = self.ema(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([labels, null])).float()
        conditional, unconditional = both.chunk(2)
        return unconditional + guidance * (conditional - unconditional)

    def ddim_path(self, x_T: torch.Tensor, steps: int, eta: float, labels: torch.Tensor | None,
                  guidance: float | None, seed: int, keep: int = 0,
                  clip: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x_T down the step grid to x₀; also `keep` evenly spaced predictions x̂₀ (the last is the image). `clip`
        keeps x̂₀ in [-1, 1] (and ε̂ consistent with it), which removes the speckle of a short training run but
        makes the path no longer the invertible ODE."""
        grid = step_grid(self.num_timesteps, steps)
        gen = torch.Generator().manual_seed(seed)
        x = x_T.to(self.device).float()
        kept_at = [round(i * (len(grid) - 1) / max(1, keep - 1)) for i in range(keep)]  # repeats when keep > steps
        kept: dict[int, torch.Tensor] = {}
        with self.evaluating():
            for index, i in enumerate(reversed(range(len(grid)))):
                a_t = self.alpha_bar[grid[i]]
                a_s = self.alpha_bar[grid[i - 1]] if i > 0 else torch.ones((), device=self.device)
                eps = self.predict_noise(x, grid[i], labels, guidance)
                x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
                if clip:
                    x0 = x0.clamp(-1, 1)
                    eps = (x - a_t.sqrt() * x0) / (1 - a_t).sqrt()
                sigma = eta * ((1 - a_s) / (1 - a_t)).sqrt() * (1 - a_t / a_s).sqrt()
                x = a_s.sqrt() * x0 + (1 - a_s - sigma ** 2).clamp(min=0).sqrt() * eps
                if eta > 0 and i > 0:
                    x = x + sigma * torch.randn(x.shape, generator=gen).to(self.device)
                if index in kept_at:
                    kept[index] = x0.clamp(-1, 1).cpu()
        return x.cpu(), [kept[index] for index in kept_at]

    def ddim_sample(self, x_T: torch.Tensor, steps: int, eta: float = 0.0, labels: torch.Tensor | None = None,
                    guidance: float | None = None, *, seed: int = 0, clip: bool = False) -> torch.Tensor:
        return self.ddim_path(x_T, steps, eta, labels, guidance, seed, clip=clip)[0]

    def ddim_invert(self, images: torch.Tensor, steps: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        grid = step_grid(self.num_timesteps, steps)
        x = images.to(self.device).float()
        with self.evaluating():
            for i in range(len(grid)):
                a_s = self.alpha_bar[grid[i - 1]] if i > 0 else torch.ones((), device=self.device)
                a_t = self.alpha_bar[grid[i]]
                eps = self.predict_noise(x, grid[i], labels, None)
                x0 = (x - (1 - a_s).sqrt() * eps) / a_s.sqrt()
                x = a_t.sqrt() * x0 + (1 - a_t).sqrt() * eps
        return x.cpu()

    def trajectory(self, x_T: torch.Tensor, steps: int, keep: int,
                   labels: torch.Tensor | None = None) -> list[torch.Tensor]:
        return self.ddim_path(x_T, steps, 0.0, labels, None, 0, keep=keep)[1]

    # ---- sampling and views ---------------------------------------------------------------------------------

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n noise images x_T ~ N(0, I), N×C×H×W, the same for the same seed."""
        return torch.randn(n, *self.image_shape, generator=torch.Generator().manual_seed(seed))

    def decode(self, x_T: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for noise x_T with the configured sampler (deterministic for ddim with η = 0), x̂₀ clipped to
        [-1, 1] at every step as DDPM and DDIM sample; a conditional
        model draws one class per grid row unless `labels` are given, with the settings' guidance."""
        s = self.settings
        if self.conditional and labels is None:
            labels = grid_row_labels(x_T.shape[0], self.num_classes)
        guidance = s.guidance_scale if self.conditional else None
        if s.sampler == "ddpm":
            images = self.ddim_sample(x_T, self.num_timesteps, 1.0, labels, guidance, seed=0, clip=True)
        else:
            images = self.ddim_sample(x_T, s.sample_steps, s.eta, labels, guidance, seed=0, clip=True)
        return images.clamp(-1, 1)

    def sample(self, n: int, *, seed: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n images from the seeded noise (classes in grid rows for a conditional model unless `labels`)."""
        return self.decode(self.prior_sample(n, seed=seed), labels)

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """`denoising`: 4 fixed noises (rows) and 8 predictions x̂₀ along their DDIM path (columns, noise → image);
        `real`: training images."""
        x_T = self.prior_sample(TRAJECTORY_ROWS, seed=self.config.train.seed + VISUAL_SEED_OFFSET)
        labels = torch.arange(TRAJECTORY_ROWS) % self.num_classes if self.conditional else None
        steps = max(self.settings.sample_steps, TRAJECTORY_COLUMNS)  # enough stops for every column
        kept = self.ddim_path(x_T, steps, 0.0, labels, None, 0, keep=TRAJECTORY_COLUMNS, clip=True)[1]  # as sampled
        strip = torch.stack(kept, dim=1).flatten(0, 1)
        return {"denoising": strip, "real": batch[0][:16].cpu()}
