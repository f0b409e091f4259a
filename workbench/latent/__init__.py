"""Latent-space operations, headless (no Qt): interpolation, arithmetic, traversals and export.

    from workbench.latent import lerp, slerp, interpolation_path
    path = interpolation_path([z0, z1, z2], steps=10, mode="slerp")   # (19, D)

The model-facing pieces (LatentSpace, codes, inversion, directions...) live in their own modules
(`workbench.latent.model`, ...) and are imported from there.
"""

from workbench.latent.arithmetic import AnalogyResult, analogy, analogy_grid_codes, class_arithmetic, class_means
from workbench.latent.interpolation import interpolate, interpolation_path, lerp, slerp
from workbench.latent.traversal import (
    dimension_directions,
    dimension_order,
    kl_per_dimension,
    traversal_codes,
    variance_per_dimension,
)

__all__ = [
    "AnalogyResult",
    "analogy",
    "analogy_grid_codes",
    "class_arithmetic",
    "class_means",
    "dimension_directions",
    "dimension_order",
    "interpolate",
    "interpolation_path",
    "kl_per_dimension",
    "lerp",
    "slerp",
    "traversal_codes",
    "variance_per_dimension",
]
