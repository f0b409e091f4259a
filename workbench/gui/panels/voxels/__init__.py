"""Sub-widgets of the Voxels tab."""
