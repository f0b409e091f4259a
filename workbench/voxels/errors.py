"""The one error type the 3D (voxel) viewer raises for problems a user can cause."""

from __future__ import annotations


class VoxelError(ValueError):
    """A user-caused problem with voxel runs, grids or exports (not a voxel run, no checkpoint, bad file...).

    A ValueError so callers that already catch bad input keep working; the message is shown as is.
    """
