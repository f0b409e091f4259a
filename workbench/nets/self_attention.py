"""The self-attention block of SAGAN (Zhang et al. 2019) and the spectrally normalised layers it is built from.

Convolutions see a k×k neighbourhood; a GAN that must keep distant parts of an image consistent (both eyes of
a face, the two ends of a stroke) needs many layers to relate them. Self-attention relates every position to
every other in one step:

  f(x) = W_f x,  g(x) = W_g x,  h(x) = W_h x       (1×1 convolutions to C/8 channels)
  s_ji = f(x_j)ᵀ g(x_i),  β_ji = softmax_i(s_ji)    (how much position j looks at position i; Σ_i β_ji = 1)
  o_j  = W_v Σ_i β_ji h(x_i)                         (W_v: 1×1 convolution back to C channels)
  y_j  = x_j + γ·o_j,  γ learned, starting at 0      (the block starts as the identity and learns to use it)

Every weight is spectrally normalised (Miyato et al. 2018) with torch's maintained parametrization: W/σ(W),
σ estimated by one power iteration per training forward pass, the vectors u and v kept as buffers (so they are
checkpointed and a restored run continues exactly).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

ATTENTION_REDUCTION = 8  # query, key and value have C/8 channels (SAGAN)


def init_orthogonal_(module: nn.Module) -> nn.Module:
    """Orthogonal weights and zero biases (BigGAN's initialisation); returns the module."""
    nn.init.orthogonal_(module.weight)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)
    return module


def sn(module: nn.Module) -> nn.Module:
    """`module` with orthogonally initialised, spectrally normalised weights."""
    return spectral_norm(init_orthogonal_(module))


def sn_conv(c_in: int, c_out: int, kernel: int, *, bias: bool = True) -> nn.Module:
    """A spectrally normalised k×k convolution that keeps the spatial size."""
    return sn(nn.Conv2d(c_in, c_out, kernel, 1, kernel // 2, bias=bias))


def sn_linear(d_in: int, d_out: int, *, bias: bool = True) -> nn.Module:
    return sn(nn.Linear(d_in, d_out, bias=bias))


class SelfAttention(nn.Module):
    """SAGAN's self-attention over the H×W positions of a feature map (shape-preserving: N×C×H×W → N×C×H×W).

    `attention(x)` gives the weights β (N × HW × HW, row j = query position j, summing to 1 over the key positions
    i; positions in row-major order): a viewer recomputes them from the layer's input (a forward hook), so the
    forward pass keeps nothing and training pays nothing for it.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        inner = max(1, channels // ATTENTION_REDUCTION)
        self.query = sn_conv(channels, inner, 1, bias=False)
        self.key = sn_conv(channels, inner, 1, bias=False)
        self.value = sn_conv(channels, inner, 1, bias=False)
        self.out = sn_conv(inner, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """β (N × HW × HW): the softmax over key positions of query · key, in float32 (also under autocast)."""
        q = self.query(x).flatten(2)  # N × C' × HW
        k = self.key(x).flatten(2)
        scores = torch.bmm(q.transpose(1, 2), k)  # N × HW(query j) × HW(key i)
        return torch.softmax(scores.float(), dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        beta = self.attention(x)
        v = self.value(x).flatten(2)  # N × C' × HW
        # o_j = Σ_i β_ji v_i as β·vᵀ (N × HW × C'): multiplying by βᵀ instead would copy the HW × HW matrix
        # in the backward pass
        o = torch.bmm(beta.to(v.dtype), v.transpose(1, 2)).transpose(1, 2)
        return x + self.gamma * self.out(o.reshape(n, -1, h, w))
