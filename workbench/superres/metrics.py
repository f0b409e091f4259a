"""PSNR and SSIM of an upscaled image against the high-resolution original, by the convention of SR papers.

Both are computed on RGB (not on the Y channel some papers use) after cropping `border` pixels from every
edge (the upscaling factor: the pixels a convolution padded at the border never saw), on images in [0, 1].
SSIM is Wang et al.'s: an 11×11 Gaussian window with σ = 1.5 and population covariances (scikit-image's
`gaussian_weights=True, use_sample_covariance=False`), averaged over the three channels.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

CONVENTION = "PSNR / SSIM on RGB in [0, 1], {border}-pixel border cropped (the upscaling factor), SSIM σ = 1.5"


def _prepared(image: np.ndarray, reference: np.ndarray, border: int) -> tuple[np.ndarray, np.ndarray]:
    """Float64 H×W×C copies in [0, 1] with `border` pixels cropped; uint8 input is scaled by 1/255."""
    if image.shape != reference.shape:
        raise ValueError(f"image {image.shape} and reference {reference.shape} must have the same shape")
    if image.ndim == 2:
        image, reference = image[..., None], reference[..., None]

    def as_float(a: np.ndarray) -> np.ndarray:
        return a.astype(np.float64) / 255.0 if a.dtype == np.uint8 else np.clip(a.astype(np.float64), 0.0, 1.0)

    image, reference = as_float(image), as_float(reference)
    if border > 0:
        if min(image.shape[:2]) <= 2 * border:
            raise ValueError(f"a {image.shape[0]}×{image.shape[1]} image is too small to crop a {border}-pixel border")
        image = image[border:-border, border:-border]
        reference = reference[border:-border, border:-border]
    return image, reference


def sr_psnr(image: np.ndarray, reference: np.ndarray, border: int) -> float:
    """PSNR in dB of H×W×C `image` against `reference` (uint8, or float in [0, 1]); inf when they are equal."""
    a, b = _prepared(image, reference, border)
    if np.array_equal(a, b):
        return float("inf")
    return float(peak_signal_noise_ratio(b, a, data_range=1.0))


def sr_ssim(image: np.ndarray, reference: np.ndarray, border: int) -> float:
    """Mean SSIM of H×W×C `image` against `reference` (uint8, or float in [0, 1])."""
    a, b = _prepared(image, reference, border)
    return float(structural_similarity(b, a, data_range=1.0, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False))
