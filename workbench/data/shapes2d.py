"""Built-in `shapes2d` and `shapes2d-correlated`: the dSprites factor grid, rendered on the fly by index.

The five factors and their values follow dSprites (Matthey et al. 2017), in dSprites' index order (posY fastest):

    shape        3   square, ellipse, heart
    scale        6   linspace(0.5, 1, 6)
    orientation 40   linspace(0, 2π, 40)  (as in dSprites the first and last value are the same angle)
    posX        32   linspace(0, 1, 32), left → right
    posY        32   linspace(0, 1, 32), top → bottom

3 × 6 × 40 × 32 × 32 = 737,280 images, one white shape on black, one channel (replicated for RGB). Nothing is
stored: `get_batch` turns indices into factor tuples and renders them with a vectorised occupancy test on a
pixel-centre grid (inverse-translate, inverse-rotate and inverse-scale the grid, then test the canonical shape:
max-norm for the square, an ellipse with axis ratio 2:1, the implicit heart curve (x²+y²−1)³ − x²y³ ≤ 0).
Pixels are fully on or off, like dSprites. 64×64 is dSprites' size; any power-of-two image size renders the
same scene at that resolution (e.g. data.image_size = 32).

`shapes2d-correlated` draws a fixed table of 100,000 factor tuples (seed `CORRELATED_SEED`) in which scale
depends on shape: with probability 0.9 a square takes one of the two smallest scales, an ellipse one of the two
middle ones and a heart one of the two largest (uniformly within the pair); otherwise the scale is uniform over
all six. Orientation and position stay uniform and independent. The Pearson correlation between the shape and
scale indices is about 0.86 (0.864 in the fixed table), so "shape" and "size" are entangled attributes.
"""

from __future__ import annotations

import math

import torch

from workbench.data.dataset import DataInfo

SHAPE_NAMES = ("square", "ellipse", "heart")
FACTOR_NAMES = ("shape", "scale", "orientation", "posX", "posY")
FACTOR_SIZES = (3, 6, 40, 32, 32)
GRID_SIZE = math.prod(FACTOR_SIZES)  # 737,280
NATIVE_SIZE = 64

SCALES = torch.linspace(0.5, 1.0, 6, dtype=torch.float64)
ORIENTATIONS = torch.linspace(0.0, 2 * math.pi, 40, dtype=torch.float64)
POSITIONS = torch.linspace(0.0, 1.0, 32, dtype=torch.float64)

# Geometry in image coordinates [-1, 1] (x right, y down). Centres span ±CENTER_RANGE; at scale 1 a shape's
# half-extent along its own axes is HALF_SIZE, so even a 45°-rotated square stays inside the image.
CENTER_RANGE = 0.6
HALF_SIZE = 0.28
_HEART_HALF_WIDTH = 1.139  # extent of (x²+y²−1)³ − x²y³ ≤ 0: x in ±1.139, y in [−1, 1.236]
_HEART_Y_SHIFT = 0.118  # centre of its y extent

CORRELATED_SEED = 0
CORRELATED_SIZE = 100_000
CORRELATED_PROBABILITY = 0.9


def _strides() -> torch.Tensor:
    strides = [1]
    for size in reversed(FACTOR_SIZES[1:]):
        strides.insert(0, strides[0] * size)
    return torch.tensor(strides, dtype=torch.long)  # (30720·… , …, 32, 1)


def decode_index(indices: torch.Tensor) -> torch.Tensor:
    """Grid indices N → factor indices N×5 (shape, scale, orientation, posX, posY)."""
    indices = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= GRID_SIZE):
        raise IndexError(f"shapes2d indices must lie in [0, {GRID_SIZE})")
    sizes = torch.tensor(FACTOR_SIZES, dtype=torch.long)
    return (indices[:, None] // _strides()) % sizes


def encode_factors(factors: torch.Tensor) -> torch.Tensor:
    """Factor indices N×5 → grid indices N (the inverse of `decode_index`)."""
    factors = torch.as_tensor(factors, dtype=torch.long).reshape(-1, len(FACTOR_SIZES))
    return (factors * _strides()).sum(1)


def factor_values(factors: torch.Tensor) -> torch.Tensor:
    """Factor indices N×5 → their values N×5: shape index, scale, angle in radians, posX, posY in [0, 1]."""
    f = torch.as_tensor(factors, dtype=torch.long)
    return torch.stack(
        [f[:, 0].double(), SCALES[f[:, 1]], ORIENTATIONS[f[:, 2]], POSITIONS[f[:, 3]], POSITIONS[f[:, 4]]], 1
    )


def _pixel_grid(size: int) -> torch.Tensor:
    return (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1  # pixel centres in [-1, 1]


def _occupancy(shape: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Inside test of the canonical shape, in its own axes (units of its half-size)."""
    if shape == 0:  # square
        return torch.maximum(u.abs(), v.abs()) <= 1
    if shape == 1:  # ellipse, semi-axes 1 and 0.5
        return u.square() + (2 * v).square() <= 1
    x = u * _HEART_HALF_WIDTH  # heart, lobes up in its own frame, fitted to the unit box
    y = v * _HEART_HALF_WIDTH + _HEART_Y_SHIFT
    x2 = x.square()
    return (x2 + y.square() - 1).pow(3) - x2 * y.pow(3) <= 0


# Images are rendered in chunks of at most this many pixels: below torch's parallel grain size each operation
# stays on the calling thread, which is as fast alone and much faster when the cores are busy (training).
_CHUNK_PIXELS = 32_768


def render_factors(factors: torch.Tensor, image_size: int = NATIVE_SIZE, *,
                   levels: tuple[float, float] = (0.0, 1.0)) -> torch.Tensor:
    """Render factor tuples N×5 as images N×1×S×S: `levels` = (background, shape) values, 0 and 1 by default."""
    f = torch.as_tensor(factors, dtype=torch.long).reshape(-1, len(FACTOR_SIZES))
    values = factor_values(f).float()
    grid = _pixel_grid(image_size)
    cx = (values[:, 3] * 2 - 1) * CENTER_RANGE
    cy = (values[:, 4] * 2 - 1) * CENTER_RANGE
    half = values[:, 1] * HALF_SIZE
    cos, sin = torch.cos(values[:, 2]), torch.sin(values[:, 2])
    out = torch.empty(f.shape[0], image_size, image_size)  # every row is written below, chunk by chunk
    off, on = torch.tensor(levels[0]), torch.tensor(levels[1])
    chunk = max(1, _CHUNK_PIXELS // (image_size * image_size))
    for k in range(len(SHAPE_NAMES)):
        for sel in (f[:, 0] == k).nonzero().squeeze(1).split(chunk):
            n = sel.numel()
            # Offsets from the centre, with y pointing up so that a positive angle turns the shape
            # counter-clockwise; then rotate back and divide by the half-size.
            dx = grid.view(1, 1, -1) - cx[sel].view(n, 1, 1)  # n×1×W
            dy = cy[sel].view(n, 1, 1) - grid.view(1, -1, 1)  # n×H×1
            c, s, h = cos[sel].view(n, 1, 1), sin[sel].view(n, 1, 1), half[sel].view(n, 1, 1)
            u = (c * dx + s * dy) / h  # n×H×W
            v = (c * dy - s * dx) / h
            out.index_copy_(0, sel, torch.where(_occupancy(k, u, v), on, off))
    return out.unsqueeze(1)


def correlated_factor_table(size: int = CORRELATED_SIZE, seed: int = CORRELATED_SEED,
                            probability: float = CORRELATED_PROBABILITY) -> torch.Tensor:
    """The factor tuples of `shapes2d-correlated` (N×5), scale tied to shape as the module docstring says."""
    g = torch.Generator().manual_seed(seed)
    shape = torch.randint(0, 3, (size,), generator=g)
    tied = shape * 2 + torch.randint(0, 2, (size,), generator=g)  # square → 0-1, ellipse → 2-3, heart → 4-5
    free = torch.randint(0, 6, (size,), generator=g)
    scale = torch.where(torch.rand(size, generator=g) < probability, tied, free)
    rest = [torch.randint(0, n, (size,), generator=g) for n in FACTOR_SIZES[2:]]
    return torch.stack([shape, scale, *rest], 1)


class Shapes2DDataset:
    """shapes2d images rendered on demand; labels are the shape index; `factors` gives all five factors."""

    factor_names = FACTOR_NAMES
    factor_sizes = FACTOR_SIZES

    def __init__(self, image_size: int = NATIVE_SIZE, channels: int = 1, factor_table: torch.Tensor | None = None,
                 name: str = "shapes2d") -> None:
        self.image_size = image_size
        self.channels = channels
        self.factor_table = None if factor_table is None else factor_table.long().contiguous()
        self.info = DataInfo(
            name=name,
            size=len(self),
            channels=channels,
            image_size=image_size,
            class_names=SHAPE_NAMES,
            factor_names=FACTOR_NAMES,
            factor_sizes=FACTOR_SIZES,
        )

    def __len__(self) -> int:
        return GRID_SIZE if self.factor_table is None else self.factor_table.shape[0]

    def factors(self, indices: torch.Tensor) -> torch.Tensor:
        """Factor indices N×5 (shape, scale, orientation, posX, posY) of the given dataset items."""
        indices = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
        if self.factor_table is None:
            return decode_index(indices)
        return self.factor_table.index_select(0, indices)

    def render(self, factors: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] for arbitrary factor tuples (for traversals and disentanglement metrics)."""
        images = render_factors(factors, self.image_size, levels=(-1.0, 1.0))
        return images.expand(-1, self.channels, -1, -1).contiguous() if self.channels != 1 else images

    def get_batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.factors(indices)
        return self.render(f), f[:, 0].clone()
