"""Sparse autoencoder (Ng, "Sparse autoencoder", CS294A lecture notes): sigmoid code units that are mostly off.

  hⱼ(x) = σ(wⱼ · f(x) + bⱼ) ∈ (0, 1)           the code layer
  ρ̂ⱼ   = (1/m) Σᵢ hⱼ(x⁽ⁱ⁾)                       mean activation of unit j (over the minibatch)
  KL(ρ ‖ ρ̂ⱼ) = ρ log(ρ/ρ̂ⱼ) + (1 − ρ) log((1 − ρ)/(1 − ρ̂ⱼ))   (two Bernoullis; 0 when ρ̂ⱼ = ρ)
  loss = reconstruction + (λ/2) Σ W² + β Σⱼ KL(ρ ‖ ρ̂ⱼ)
with the reconstruction ½‖x̂ − x‖² per image (mse) as in the notes, or the Bernoulli cross-entropy (bce).
The weight decay (λ/2) Σ W² of Ng's objective is applied to the decoder's weights, and the decoder has no
batch norm: otherwise it could amplify activations that are uniformly small, meeting the mean-activation
target without any sparsity. Ng's notes average hⱼ over the whole training set; here ρ̂ is the minibatch
estimate, the usual practice with stochastic gradients. Reported: `mean_activation` (the mean of ρ̂) and
`active_fraction`, the share of code values above ½ (≈ ρ for a truly sparse code).
"""

from __future__ import annotations

import torch
from torch import nn

from workbench.methods.autoencoder.method import Autoencoder
from workbench.methods.registry import register_method
from workbench.nets.autoencoder_parts import without_batch_norm

_EPS = 1e-6


def bernoulli_kl(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """KL(ρ ‖ ρ̂ⱼ) per unit, for a target ρ and mean activations ρ̂ (clamped away from 0 and 1)."""
    rho_hat = rho_hat.clamp(_EPS, 1 - _EPS)
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))


def sparsity_penalty(codes: torch.Tensor, rho: float) -> torch.Tensor:
    """Σⱼ KL(ρ ‖ ρ̂ⱼ) with ρ̂ⱼ the mean of unit j over the batch (codes N×units in (0, 1))."""
    return bernoulli_kl(rho, codes.mean(dim=0)).sum()


def weight_penalty(module: nn.Module) -> torch.Tensor:
    """½ Σ W² over the weight matrices and kernels of `module` (biases and norms excluded)."""
    return 0.5 * sum(p.pow(2).sum() for p in module.parameters() if p.ndim > 1)


@register_method("sparse_autoencoder")
class SparseAutoencoder(Autoencoder):
    loss_names = ("loss", "reconstruction", "sparsity")

    def build_decoder(self) -> nn.Module:
        return without_batch_norm(super().build_decoder())

    def code_activation(self) -> list[nn.Module]:
        return [nn.Sigmoid()]

    def regularise(self, code: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        s = self.settings
        sparsity = sparsity_penalty(code, s.sparsity_target)
        decay = weight_penalty(self.decoder)
        with torch.no_grad():
            scalars = {
                "sparsity": sparsity.item(),
                "weight_decay": decay.item(),
                "mean_activation": float(code.mean()),
                "active_fraction": float((code > 0.5).float().mean()),
            }
        return s.sparsity_weight * sparsity + s.weight_decay * decay, scalars

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """Draws from the Gaussian fitted to the training codes, clipped to the sigmoid's range (0, 1)."""
        return super().prior_sample(n, seed=seed).clamp(0.0, 1.0)
