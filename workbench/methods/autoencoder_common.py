"""Plumbing shared by the autoencoder family: the likelihoods and the Gaussian KL, named networks/optimizers with
one checkpoint layout, the optimizer step with loss scaling, eval-mode inference, logits → images, interleaved
visuals, and the Gaussian fitted to training codes that lets a prior-less autoencoder still be sampled.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from workbench.methods.base import MethodBase, gradient_norm


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per image, summed over latent dimensions: shape (N,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def reconstruction_loss(logits: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """Negative log-likelihood per image (N,); `target` in [-1, 1]."""
    if kind == "bce":
        per_pixel = F.binary_cross_entropy_with_logits(logits, (target + 1) / 2, reduction="none")
    elif kind == "mse":
        per_pixel = 0.5 * (torch.tanh(logits) - target).pow(2)
    else:
        raise ValueError(f"unknown reconstruction loss {kind!r}")
    return per_pixel.flatten(1).sum(dim=1)


def logits_to_image(logits: torch.Tensor, reconstruction: str) -> torch.Tensor:
    """Decoder logits → image in [-1, 1], matching the likelihood the decoder was trained with."""
    return (torch.sigmoid(logits) * 2 - 1) if reconstruction == "bce" else torch.tanh(logits)


def interleave(*batches: torch.Tensor) -> torch.Tensor:
    """(a0, b0, a1, b1, ...): pairs side by side in an 8-wide grid."""
    return torch.stack(batches, dim=1).flatten(0, 1)


def reconstruction_visuals(method: Any, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Up to 32 inputs and their reconstructions side by side: x0, x̂0, x1, x̂1, ..."""
    x = batch[0][:32].cpu()
    return {"reconstruction": interleave(x, method.decode(method.encode(x)))}


def one_hot_labels(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Integer labels (N,) → float one-hot (N×K); labels outside [0, K) are an error, not a silent wrap."""
    labels = labels.long()
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f"labels must be in [0, {num_classes}), got {labels.min().item()}..{labels.max().item()}")
    return nn.functional.one_hot(labels, num_classes).float()


class NetworkMethod(MethodBase):
    """A method whose state is named networks, optimizers, grad scalers and tensor buffers.

    Subclasses fill `self.nets`, `self.optimizers`, `self.scalers` (same keys as the optimizers) and
    optionally `self.buffers`; checkpointing, eval-mode inference and the optimizer step come from here.
    """

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.scalers: dict[str, torch.amp.GradScaler] = {}
        self.buffers: dict[str, torch.Tensor] = {}

    def add_optimizer(self, name: str, optimizer: torch.optim.Optimizer) -> None:
        self.optimizers[name] = optimizer
        self.scalers[name] = self.grad_scaler()

    def optimize(self, name: str, loss: torch.Tensor, *modules: nn.Module) -> float:
        """Backward `loss` and step optimizer `name`; returns the gradient norm over `modules`."""
        opt, scaler = self.optimizers[name], self.scalers[name]
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        grad = math.sqrt(sum(gradient_norm(m) ** 2 for m in modules))
        scaler.step(opt)
        scaler.update()
        return grad

    def networks(self) -> list[nn.Module]:
        return list(self.nets.values())

    def state_dict(self) -> dict[str, Any]:
        return {
            "nets": {k: m.state_dict() for k, m in self.nets.items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "scalers": {k: s.state_dict() for k, s in self.scalers.items()},
            "buffers": {k: b.clone() for k, b in self.buffers.items()},
            **self.base_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for k, m in self.nets.items():
            m.load_state_dict(state["nets"][k])
        for k, o in self.optimizers.items():
            o.load_state_dict(state["optimizers"][k])
        for k, s in self.scalers.items():
            if state["scalers"].get(k):
                s.load_state_dict(state["scalers"][k])
        for k, b in self.buffers.items():
            b.copy_(state["buffers"][k])
        self.load_base_state(state)


class DecoderViews:
    """decode, decoder_network and decode_differentiable of a method with a `decoder` (code → image logits, turned
    into images in [-1, 1] by the likelihood `settings.reconstruction`). Mixed into MethodBase subclasses."""

    decoder: nn.Module

    def as_images(self, logits: torch.Tensor) -> torch.Tensor:
        return logits_to_image(logits.float(), self.settings.reconstruction)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images for codes z (eval mode), on CPU."""
        with self.evaluating():
            return self.as_images(self.decoder(z.to(self.device))).cpu()

    def decoder_network(self) -> nn.Module:
        """The network that maps a code to image logits (explorer hook)."""
        return self.decoder

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for codes z with the autograd graph kept (explorer hook; modes are the caller's)."""
        return self.as_images(self.decoder(z.to(self.device)))


class GaussianViews(DecoderViews):
    """encode (the posterior mean), the posterior and the likelihood of a VAE whose `gaussian(x)` gives
    (μ, log σ²) of q(z|x)."""

    def gaussian(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior means μ(x) for images in [-1, 1], on CPU."""
        return self.posterior(x)[0]

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x) for images in [-1, 1], on CPU."""
        with self.evaluating():
            mu, logvar = self.gaussian(x.to(self.device))
            return mu.float().cpu(), logvar.float().cpu()

    def reconstruction_nll(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """−log p(x|z) per image (N,) as the training loss measures it (bce or mse), on CPU."""
        with self.evaluating():
            logits = self.decoder(z.to(self.device)).float()
            return reconstruction_loss(logits, x.to(self.device), self.settings.reconstruction).cpu()


class EncoderDecoderMethod(DecoderViews, NetworkMethod):
    """A network method with a deterministic `encoder` (image → code) and a `decoder`: the latent capabilities the
    autoencoders and the adversarial autoencoder share."""

    encoder: nn.Module

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes for images in [-1, 1] (eval mode), on CPU."""
        with self.evaluating():
            return self.encoder(x.to(self.device)).float().cpu()

    def visuals(self, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        return reconstruction_visuals(self, batch)


class CodeStatistics:
    """Running mean and standard deviation of the codes seen in training (exponential moving average).

    A plain, denoising or sparse autoencoder has no prior; to sample one anyway we decode draws from the
    diagonal Gaussian fitted to its training codes. The result shows why such models generate poorly: their
    codes do not fill that Gaussian (the motivation for VAEs and AAEs).
    """

    def __init__(self, dim: int, device: torch.device, momentum: float = 0.01) -> None:
        self.mean = torch.zeros(dim, device=device)
        self.std = torch.ones(dim, device=device)
        self.momentum = momentum

    @torch.no_grad()
    def update(self, codes: torch.Tensor) -> None:
        codes = codes.detach().float()
        self.mean.lerp_(codes.mean(dim=0), self.momentum)
        if codes.shape[0] > 1:
            self.std.lerp_(codes.std(dim=0), self.momentum)

    def sample(self, noise: torch.Tensor) -> torch.Tensor:
        """Standard normal draws (CPU, N×dim) → draws from the fitted Gaussian (CPU)."""
        return noise * self.std.cpu() + self.mean.cpu()
