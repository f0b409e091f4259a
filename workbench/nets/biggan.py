"""SAGAN/BigGAN networks for square power-of-two images (Zhang et al. 2019; Brock et al. 2019).

Generator: z → (first chunk of z) linear → 4×4 → residual up-blocks (each doubles the side) → BN, ReLU,
3×3 convolution, tanh. Each up-block is BN-ReLU-upsample-conv-BN-ReLU-conv plus a 1×1-convolution shortcut; its
batch norms are *conditional*: per-channel gain 1 + W_γ c and bias W_β c from a conditioning vector c (BigGAN's
ccbn). c is the shared class embedding (one nn.Embedding for every block) concatenated, with the hierarchical
latent, with the block's own chunk of z, so noise reaches every resolution directly.

Discriminator: residual down-blocks (conv-ReLU-conv-average pool, 1×1 shortcut; pre-activated except the first),
a last block at 4×4 without pooling, ReLU, a sum over positions, then a projection head (Miyato & Koyama 2018):
D(x, y) = wᵀh + embed(y)ᵀh, the inner product of D's own class embedding with the pooled features h. Without
classes the head is wᵀh alone.

Self-attention (workbench/nets/self_attention.py) sits where the feature maps are `attention_at`×`attention_at`,
in both networks. Every weight is spectrally normalised (SAGAN applies it to G as well as D); weights start
orthogonal (BigGAN).

Widths follow BigGAN's: G's maps at side r have width·min(16, S/r) channels and D's blocks mirror them, so at
128×128 width 96 is BigGAN's architecture (width 64 SAGAN's); small widths keep CPU runs fast.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from workbench.nets.self_attention import SelfAttention, init_orthogonal_, sn, sn_conv, sn_linear

MAX_WIDTH_FACTOR = 16


def up_sides(image_size: int) -> list[int]:
    """The sides G's up-blocks produce: 8, 16, ..., image_size."""
    if image_size < 8 or image_size & (image_size - 1):
        raise ValueError(f"image size must be a power of two ≥ 8, got {image_size}")
    sides, side = [], 8
    while side <= image_size:
        sides.append(side)
        side *= 2
    return sides


def attention_sides(image_size: int) -> list[int]:
    """Sides where both networks have feature maps, so where attention may go: 4, 8, ..., image_size/2."""
    return [4, *up_sides(image_size)[:-1]]


def latent_chunks(latent_dim: int, blocks: int, hierarchical: bool) -> list[int]:
    """Sizes of z's chunks: one for the 4×4 input and one per up-block (BigGAN's hierarchical latent; the first
    takes the remainder), or z whole for the input."""
    if not hierarchical:
        return [latent_dim]
    base = latent_dim // (blocks + 1)
    if base < 1:
        raise ValueError(f"a hierarchical latent for {blocks} up-blocks needs latent_dim ≥ {blocks + 1}, "
                         f"got {latent_dim}")
    return [latent_dim - base * blocks] + [base] * blocks


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose gain and bias come from a conditioning vector (plain affine batch norm without one)."""

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=cond_dim == 0)
        self.gain = sn_linear(cond_dim, channels, bias=False) if cond_dim else None
        self.bias = sn_linear(cond_dim, channels, bias=False) if cond_dim else None

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None) -> torch.Tensor:
        h = self.bn(x)
        if self.gain is None or self.bias is None or cond is None:
            return h
        return h * (1 + self.gain(cond))[:, :, None, None] + self.bias(cond)[:, :, None, None]


class UpBlock(nn.Module):
    """BigGAN's residual up-block: the side doubles (nearest neighbour), channels c_in → c_out."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int) -> None:
        super().__init__()
        self.bn1 = ConditionalBatchNorm(c_in, cond_dim)
        self.conv1 = sn_conv(c_in, c_out, 3)
        self.bn2 = ConditionalBatchNorm(c_out, cond_dim)
        self.conv2 = sn_conv(c_out, c_out, 3)
        self.shortcut = sn_conv(c_in, c_out, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None) -> torch.Tensor:
        h = F.interpolate(F.relu(self.bn1(x, cond)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h), cond)))
        # a 1×1 convolution commutes with nearest upsampling: convolve at the low resolution, 4× cheaper
        return h + F.interpolate(self.shortcut(x), scale_factor=2, mode="nearest")


class DownBlock(nn.Module):
    """BigGAN's residual down-block: channels c_in → c_out, the side halved (average pooling) when `down`."""

    def __init__(self, c_in: int, c_out: int, *, preactivation: bool, down: bool) -> None:
        super().__init__()
        self.preactivation, self.down = preactivation, down
        self.conv1 = sn_conv(c_in, c_out, 3)
        self.conv2 = sn_conv(c_out, c_out, 3)
        self.shortcut = sn_conv(c_in, c_out, 1) if c_in != c_out or down else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(x) if self.preactivation else x
        h = self.conv2(F.relu(self.conv1(h)))
        skip = x
        if self.down:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)  # pooling first: the 1×1 shortcut runs 4× cheaper
        return h + (self.shortcut(skip) if self.shortcut is not None else skip)


def _check_attention(attention_at: int, image_size: int) -> None:
    if attention_at and attention_at not in attention_sides(image_size):
        raise ValueError(f"attention_at must be 0 or one of {attention_sides(image_size)} for {image_size}×"
                         f"{image_size} images, got {attention_at}")


class BigGANGenerator(nn.Module):
    """(z N×latent_dim, labels N) → images N×C×S×S in [-1, 1]; `embedding` replaces the labels' class
    embedding (class interpolation). Unconditional when `num_classes` is 0."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int, *, num_classes: int = 0,
                 embedding_dim: int = 0, hierarchical: bool = True, attention_at: int = 0) -> None:
        super().__init__()
        _check_attention(attention_at, image_size)
        sides = up_sides(image_size)
        self.image_size, self.num_classes, self.attention_at = image_size, num_classes, attention_at
        self.chunks = latent_chunks(latent_dim, len(sides), hierarchical)
        self.hierarchical = hierarchical
        self.shared = init_orthogonal_(nn.Embedding(num_classes, embedding_dim)) if num_classes else None
        cond_dim = (embedding_dim if num_classes else 0) + (self.chunks[-1] if hierarchical else 0)

        def width_at(side: int) -> int:
            return width * min(MAX_WIDTH_FACTOR, image_size // side)

        self.linear = sn_linear(self.chunks[0], width_at(4) * 16)
        self.blocks = nn.ModuleList(UpBlock(width_at(side // 2), width_at(side), cond_dim) for side in sides)
        self.sides = [4, *sides]  # the side after the input layer, then after each block
        self.attention = SelfAttention(width_at(attention_at)) if attention_at else None
        self.out_bn = nn.BatchNorm2d(width_at(image_size))
        self.out_conv = sn_conv(width_at(image_size), channels, 3)

    def class_embedding(self, labels: torch.Tensor) -> torch.Tensor:
        """The shared class embedding of integer labels (N × embedding_dim)."""
        if self.shared is None:
            raise ValueError("this generator is unconditional: it has no class embedding")
        return self.shared(labels.long())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None,
                embedding: torch.Tensor | None = None) -> torch.Tensor:
        zs = torch.split(z, self.chunks, dim=1)
        if self.shared is not None and embedding is None:
            if labels is None:
                raise ValueError("a class-conditional generator needs labels or a class embedding")
            embedding = self.class_embedding(labels)
        h = self.linear(zs[0]).view(z.shape[0], -1, 4, 4)
        for i, side in enumerate(self.sides):
            if i:
                parts = [p for p in (embedding, zs[i] if self.hierarchical else None) if p is not None]
                h = self.blocks[i - 1](h, torch.cat(parts, dim=1) if parts else None)
            if side == self.attention_at and self.attention is not None:
                h = self.attention(h)
        return torch.tanh(self.out_conv(F.relu(self.out_bn(h))))

    def orthogonal_penalty(self) -> torch.Tensor:
        """Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F over G's weight matrices (BigGAN's orthogonal regularisation: filters pushed
        towards orthogonality without constraining their norms). W is each raw weight (before spectral
        normalisation) seen as out × in; the shared class embedding is left out, as in BigGAN."""
        skip = {id(p) for p in self.shared.parameters()} if self.shared is not None else set()
        weights = [p for p in self.parameters() if p.ndim >= 2 and id(p) not in skip]
        return torch.stack([off_diagonal_gram_penalty(p.float().flatten(1)) for p in weights]).sum()


def off_diagonal_gram_penalty(w: torch.Tensor) -> torch.Tensor:
    """‖W Wᵀ ⊙ (1 − I)‖²_F for W (out × in). A tall W (out > in, e.g. G's first linear layer) uses
    ‖W Wᵀ‖²_F = ‖Wᵀ W‖²_F minus the squared diagonal Σ_i ‖w_i‖⁴, so the Gram matrix is in × in, not out × out
    (BigGAN at 128 px would otherwise build a 24,576² matrix each step); its rows cannot all be orthogonal, so
    the difference loses no precision that matters."""
    if w.shape[0] <= w.shape[1]:
        gram = w @ w.T
        return (gram * (1 - torch.eye(gram.shape[0], device=w.device, dtype=w.dtype))).pow(2).sum()
    return (w.T @ w).pow(2).sum() - w.pow(2).sum(dim=1).pow(2).sum()


class ProjectionDiscriminator(nn.Module):
    """(images N×C×S×S, labels N) → one score per image (N,); unconditional when `num_classes` is 0."""

    def __init__(self, channels: int, image_size: int, width: int, *, num_classes: int = 0,
                 attention_at: int = 0) -> None:
        super().__init__()
        _check_attention(attention_at, image_size)
        sides = [side // 2 for side in up_sides(image_size)][::-1]  # each block's output side: S/2, ..., 4

        def width_at(side: int) -> int:  # mirrors G: the block producing side r has G's width at 2r
            return width * min(MAX_WIDTH_FACTOR, image_size // (2 * side))

        blocks, c_in = [], channels
        for i, side in enumerate(sides):
            blocks.append(DownBlock(c_in, width_at(side), preactivation=i > 0, down=True))
            c_in = width_at(side)
        blocks.append(DownBlock(c_in, c_in, preactivation=True, down=False))
        self.blocks = nn.ModuleList(blocks)
        self.sides = [*sides, 4]
        self.attention_at = attention_at
        self.attention_index = sides.index(attention_at) if attention_at else -1
        self.attention = SelfAttention(width_at(attention_at)) if attention_at else None
        self.linear = sn_linear(c_in, 1)
        self.embed = sn(nn.Embedding(num_classes, c_in)) if num_classes else None

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = x
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attention_index and self.attention is not None:
                h = self.attention(h)
        h = F.relu(h).sum(dim=(2, 3))
        out = self.linear(h).squeeze(1)
        if self.embed is not None:
            if labels is None:
                raise ValueError("a class-conditional discriminator needs labels")
            out = out + (self.embed(labels.long()) * h).sum(dim=1)
        return out
