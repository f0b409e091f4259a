"""Voxel meshing and import/export."""
