"""A preview of a dataset for the new-run form: a grid of examples and a one-line description of its size.

Image-to-image datasets show each example's input and target side by side; voxel datasets show each grid from
the front, the right side and the top (orthographic, nearer voxels brighter), without any 3-D renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from workbench.config import DataConfig


@dataclass(frozen=True)
class DatasetPreview:
    image: np.ndarray  # uint8 H×W×3
    description: str


def _points_image(points: torch.Tensor, size: int = 256) -> np.ndarray:
    """2-D points as a density image (log-scaled 2-D histogram), for point datasets."""
    xy = points.detach().float().cpu().numpy()
    extent = float(np.abs(xy).max()) * 1.1 or 1.0
    hist, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=size, range=[[-extent, extent], [-extent, extent]])
    density = np.log1p(hist[::-1])
    density = (255 * density / max(density.max(), 1e-12)).astype(np.uint8)
    return np.repeat(255 - density[..., None], 3, axis=2)


def _side_by_side(inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Each example's input and target next to each other (N×C×H×(2W+1)); a small input (super-resolution LR)
    is enlarged to the target's size with nearest neighbour, so its pixels stay visible."""
    if inputs.shape[-2:] != targets.shape[-2:]:
        inputs = torch.nn.functional.interpolate(inputs, size=targets.shape[-2:], mode="nearest")
    if inputs.shape[1] != targets.shape[1]:
        inputs, targets = inputs.expand(-1, 3, -1, -1), targets.expand(-1, 3, -1, -1)
    gap = torch.full((*targets.shape[:-1], 1), -0.5)
    return torch.cat([inputs, gap, targets], dim=3)


def _image_to_image_preview(dataset, count: int, seed: int) -> DatasetPreview:  # noqa: ANN001 - image_pairs sets
    from workbench.images import image_grid

    info = dataset.info
    n = len(dataset)
    examples = max(1, min(count // 4, 8, n))
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:examples]
    inputs, targets = dataset.get_batch(order)
    image = image_grid(_side_by_side(inputs, targets), nrow=2, padding=4)
    first, second = (*info.domains, "A", "B")[:2]
    shape = f"{info.channels}×{info.image_size}×{info.image_size}"
    if info.kind == "super_resolution":
        low = info.image_size // info.scale
        description = (f"{n:,} super-resolution pairs ×{info.scale}: input {low}×{low} (left, enlarged) → "
                       f"target {shape} (right)")
    elif info.kind == "unpaired":
        sizes = [dataset.domain_size(side) if hasattr(dataset, "domain_size") else n for side in ("A", "B")]
        description = (f"unpaired: {sizes[0]:,} {first} and {sizes[1]:,} {second} images, {shape}; a {first} "
                       f"image (left) next to an unrelated {second} image (right)")
    else:
        description = f"{n:,} pairs, {shape}: {first} (input, left) → {second} (target, right)"
    return DatasetPreview(image, description)


def _depth_views(grid: torch.Tensor) -> list[torch.Tensor]:
    """Front, right-side and top views of one occupancy grid D×H×W (axes as in workbench.data.voxel_shapes): the
    nearest occupied voxel along each line of sight, 1 near to 0.3 far, −1 where the line of sight is empty."""
    side = grid.shape[0]
    solid = grid > 0.5
    views = (
        (solid, 0),  # from the front (d = 0): rows = height, columns = width
        (solid.flip(2).permute(2, 1, 0), 0),  # from the right (w = last): rows = height, columns = front → back
        (solid.flip(0), 1),  # from above: rows = back → front, columns = width
    )
    out = []
    for volume, axis in views:
        hit = volume.any(dim=axis)
        depth = volume.to(torch.uint8).argmax(dim=axis).float() / max(side - 1, 1)
        view = torch.where(hit, 1.0 - 0.7 * depth, torch.tensor(-1.0))
        out.append(view)
    return out


def _voxel_preview(dataset, count: int, seed: int) -> DatasetPreview:  # noqa: ANN001 - a voxel dataset
    from workbench.images import image_grid

    info = dataset.info
    n = len(dataset)
    examples = max(1, min(count // 4, 8, n))
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:examples]
    grids, _ = dataset.get_batch(order)
    zoom = max(1, 32 // info.image_size)  # small grids are enlarged (nearest neighbour) so voxels stay visible
    tiles = []
    for grid in grids[:, 0]:
        views = _depth_views(grid)
        gap = torch.full((views[0].shape[0], 1), -0.5)
        tile = torch.cat([views[0], gap, views[1], gap, views[2]], dim=1)
        tiles.append(tile.repeat_interleave(zoom, 0).repeat_interleave(zoom, 1)[None])
    image = image_grid(torch.stack(tiles), nrow=2, padding=4)
    side = info.image_size
    classes = f", {info.num_classes} classes" if info.num_classes else ", unlabelled"
    description = (f"{n:,} voxel grids, {side}×{side}×{side}{classes}; each: front, side and top views "
                   "(nearer voxels brighter)")
    return DatasetPreview(image, description)


def dataset_preview(config: DataConfig, count: int = 32, seed: int = 0) -> DatasetPreview:
    """Build the dataset `config` names and describe it; raises ConfigError for a bad root or name."""
    from workbench.data import build_dataset
    from workbench.images import image_grid

    dataset = build_dataset(config)
    info = dataset.info
    if info.is_image_to_image:
        return _image_to_image_preview(dataset, count, seed)
    if info.kind == "voxels":
        return _voxel_preview(dataset, count, seed)
    n = len(dataset)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    if n and dataset.get_batch(order[:1])[0].ndim == 2:
        points, _ = dataset.get_batch(order[: min(n, 4000)])
        modes = f", {info.num_classes} modes" if info.num_classes else ""
        return DatasetPreview(_points_image(points), f"{n:,} points in 2-D{modes}")
    images, _ = dataset.get_batch(order[: min(count, n)])
    classes = f", {info.num_classes} classes" if info.num_classes else ", unlabelled"
    factors = getattr(info, "factor_names", ())
    factor_text = f", factors: {', '.join(factors)}" if factors else ""
    description = f"{n:,} images, {info.channels}×{info.image_size}×{info.image_size}{classes}{factor_text}"
    return DatasetPreview(image_grid(images, nrow=8), description)
