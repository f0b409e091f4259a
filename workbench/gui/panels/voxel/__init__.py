"""Sub-widgets of the 3D (voxel) pane."""
