"""Quality metrics on plain arrays of features, whatever produced them.

Importing this package does not import torch: `frechet_distance`, `feature_statistics` and
`kernel_inception_distance` are numpy/scipy only. Feature extractors (`feature_extractors`), the one-call
evaluation (`evaluate`) and the nearest-neighbour memorization view (`memorization`) use torch and are imported
from their modules.
"""

from workbench.metrics.frechet import feature_statistics, frechet_distance
from workbench.metrics.kid import kernel_inception_distance

__all__ = ["feature_statistics", "frechet_distance", "kernel_inception_distance"]
