"""Silhouettes of occupancy grids: what an image → 3D encoder sees, and what a user draws for it.

A silhouette is the orthographic projection of the occupancy seen from the front: the largest occupancy along
each line of sight, white (+1) where the shape is and black (−1) where it is not, N×1×S×S in [−1, 1] with
S = the grid side. Axes follow `workbench.voxels.meshing` and `workbench.voxels.render` (x = W, y = H up,
z = D): the viewer looks along the D axis (from +z towards −z), so image rows run from the top of the shape
(largest H index) down and columns run along W left to right. Binary grids give a binary mask; a generator's
soft grids give grey where their occupancy is below 1.
"""

from __future__ import annotations

import torch

VIEWING_AXIS = 2  # D, of an N×1×D×H×W batch


def silhouettes(grids: torch.Tensor) -> torch.Tensor:
    """Front-view silhouettes of occupancy grids N×1×D×H×W in [0, 1] → images N×1×H×W in [−1, 1]."""
    if grids.ndim != 5 or grids.shape[1] != 1:
        raise ValueError(f"voxel grids must be N×1×D×H×W; got shape {tuple(grids.shape)}")
    mask = grids.amax(dim=VIEWING_AXIS)  # N×1×H×W
    mask = mask.flip(2)  # row 0 = the top of the shape (the largest H index)
    return mask.mul(2.0).sub(1.0)
