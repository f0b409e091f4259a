"""Edge agreement: do a translation's edges fall where its input's edges are?

The analogue for edges → photos of Pix2Pix's FCN-score (Isola et al. 2017, §4.2): run a fixed analyser on the
generated photo (here the same Canny detector that drew the input edge maps) and compare what it finds with the
input. Boundary F-measure with a pixel tolerance, as in the BSDS benchmark: an edge pixel counts as matched when
the other map has an edge within `tolerance` pixels (a square neighbourhood). A real photo scores 1 against its own
edge map by construction; a flat image has no edges and scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import binary_dilation


@dataclass(frozen=True)
class EdgeAgreement:
    """Precision (found edges near an input edge), recall (input edges near a found edge) and their F1, pooled
    over every pixel of the batch."""

    precision: float
    recall: float
    f1: float


def edge_agreement(found: np.ndarray, expected: np.ndarray, tolerance: int = 1) -> EdgeAgreement:
    """`found`, `expected`: bool N×H×W edge maps. A side without edges has precision (or recall) 0."""
    if found.shape != expected.shape or found.ndim != 3:
        raise ValueError(f"edge maps must both be N×H×W, got {found.shape} and {expected.shape}")
    found, expected = found.astype(bool), expected.astype(bool)
    near = np.ones((1, 2 * tolerance + 1, 2 * tolerance + 1), dtype=bool)  # within each image, not across
    matched_found = np.logical_and(found, binary_dilation(expected, structure=near)).sum()
    matched_expected = np.logical_and(expected, binary_dilation(found, structure=near)).sum()
    precision = float(matched_found / found.sum()) if found.any() else 0.0
    recall = float(matched_expected / expected.sum()) if expected.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return EdgeAgreement(precision, recall, f1)
