"""uint8 images (numpy, H×W×C) → QPixmaps, enlarged only by whole-number factors with nearest-neighbour sampling.

Smoothing would hide the pixel-level artefacts a researcher looks for in samples, reconstructions and latent
edits, so every image view of the window goes through these few functions.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def rgb_array(image: np.ndarray) -> np.ndarray:
    """uint8 H×W, H×W×1 or H×W×3 (or more channels, cut to 3) → C-contiguous H×W×3."""
    image = np.asarray(image, dtype=np.uint8)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])


def array_pixmap(image: np.ndarray, scale: int = 1) -> QPixmap:
    """The image as a pixmap, enlarged `scale` times (nearest neighbour)."""
    image = rgb_array(image)
    h, w, _ = image.shape
    pixmap = QPixmap.fromImage(QImage(image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())
    if scale > 1:
        pixmap = pixmap.scaled(w * scale, h * scale, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.FastTransformation)
    return pixmap


def pixmap_at_least(image: np.ndarray, min_size: int) -> QPixmap:
    """Enlarged by the smallest whole-number factor that makes the longer side at least `min_size` pixels."""
    h, w = np.shape(image)[:2]
    return array_pixmap(image, max(1, math.ceil(min_size / max(h, w))))


def pixmap_near(image: np.ndarray, size: int) -> QPixmap:
    """Enlarged by the whole-number factor that brings the longer side closest to `size` pixels."""
    h, w = np.shape(image)[:2]
    return array_pixmap(image, max(1, round(size / max(h, w))))
