"""Silhouettes of occupancy grids: what an image → 3D encoder sees, and what a user draws for it.

A silhouette is the orthographic projection of the occupancy seen from the front: the largest occupancy along
each line of sight, white (+1) where the shape is and black (−1) where it is not, N×1×S×S in [−1, 1] with
S = the grid side. Axes follow the app's grid convention (`workbench.data.voxel_shapes`): axis 0 = depth front →
back, axis 1 = height top → bottom, axis 2 = width left → right. The viewer looks along the depth axis from the
front, so the projection is the maximum over depth and comes out upright: rows run from the top of the shape
down (axis 1), columns from left to right (axis 2), as in the Voxels tab's front view. Binary grids give a binary
mask; a generator's soft grids give grey where their occupancy stays below 1.
"""

from __future__ import annotations

import torch

VIEWING_AXIS = 2  # depth (front → back), of an N×1×D×H×W batch


def silhouettes(grids: torch.Tensor) -> torch.Tensor:
    """Front-view silhouettes of occupancy grids N×1×D×H×W in [0, 1] → images N×1×H×W in [−1, 1]."""
    if grids.ndim != 5 or grids.shape[1] != 1:
        raise ValueError(f"voxel grids must be N×1×D×H×W; got shape {tuple(grids.shape)}")
    mask = grids.amax(dim=VIEWING_AXIS)  # N×1×H×W, upright: row 0 is the top of the shape
    return mask.mul(2.0).sub(1.0)
