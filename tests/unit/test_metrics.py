"""Metric functions on cases with known answers (numpy/scipy only, no torch needed)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import linalg

from workbench.metrics import feature_statistics, frechet_distance, kernel_inception_distance
from workbench.metrics.inception_score import inception_score
from workbench.metrics.mode_coverage import mode_coverage, points_mode_coverage
from workbench.metrics.precision_recall import precision_recall


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # shared 2-core machines: multi-threaded OpenBLAS spins against other processes (see metrics/_threads.py)
    from workbench.compat import one_blas_thread

    with one_blas_thread():
        yield


def reference_fid(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's formula, with scipy.linalg.sqrtm and its ε-offset fallback."""
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def test_metrics_package_imports_without_torch():
    code = "import sys, workbench.metrics as m; m.frechet_distance; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fid_of_identical_statistics_is_zero():
    rng = np.random.default_rng(0)
    mu, sigma = feature_statistics(rng.normal(size=(500, 16)))
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("dim", [8, 32, 64])
def test_fid_matches_the_scipy_sqrtm_reference(seed, dim):
    rng = np.random.default_rng(seed * 100 + dim)
    a = rng.normal(size=(4 * dim, dim)) @ rng.normal(size=(dim, dim))
    b = rng.normal(loc=0.3, size=(4 * dim, dim)) @ rng.normal(size=(dim, dim)) * 0.8
    stats = (*feature_statistics(a), *feature_statistics(b))
    ours, ref = frechet_distance(*stats), reference_fid(*stats)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_fid_known_value_and_singular_covariances():
    # N(0, I) vs N(m, 4I) in d dims: ‖m‖² + d + 4d − 2·2d = ‖m‖² + d
    d, m = 5, np.full(5, 2.0)
    assert frechet_distance(np.zeros(d), np.eye(d), m, 4 * np.eye(d)) == pytest.approx(20 + 5)
    rng = np.random.default_rng(3)
    few = feature_statistics(rng.normal(size=(10, 40)))  # rank 9 covariance
    assert np.isfinite(frechet_distance(*few, *feature_statistics(rng.normal(size=(10, 40)))))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full(2, np.nan), np.eye(2), np.zeros(2), np.eye(2))


def test_kid_same_distribution_near_zero_shifted_positive():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    same_mean, same_std = kernel_inception_distance(a, b, subsets=20, subset_size=200)
    shifted_mean, _ = kernel_inception_distance(a, b + 1.0, subsets=20, subset_size=200)
    assert abs(same_mean) < 0.05 and same_std >= 0
    assert shifted_mean > 0.5 and shifted_mean > 20 * abs(same_mean)
    assert kernel_inception_distance(a, b, subsets=5, subset_size=100, seed=3) == \
        kernel_inception_distance(a, b, subsets=5, subset_size=100, seed=3)
    # subset size larger than the sets is capped, not an error
    assert np.isfinite(kernel_inception_distance(a[:50], b[:50], subsets=3, subset_size=1000)[0])


def test_kid_matches_a_direct_unbiased_mmd():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(30, 4)), rng.normal(0.5, size=(30, 4))
    k = lambda x, y: (x @ y.T / 4 + 1) ** 3  # noqa: E731
    m = 30
    direct = sum(k(a[i:i + 1], a[j:j + 1])[0, 0] + k(b[i:i + 1], b[j:j + 1])[0, 0]
                 for i in range(m) for j in range(m) if i != j) / (m * (m - 1)) - 2 * k(a, b).mean()
    mean, std = kernel_inception_distance(a, b, subsets=1, subset_size=30)
    assert mean == pytest.approx(direct, rel=1e-10) and std == 0


@pytest.mark.parametrize("classes", [2, 10])
def test_inception_score_known_values(classes):
    one_hot = np.eye(classes)[np.tile(np.arange(classes), 50)]
    mean, std = inception_score(one_hot, splits=10 if classes == 10 else 5)
    assert mean == pytest.approx(classes) and std == pytest.approx(0, abs=1e-9)
    constant = np.tile(np.full(classes, 1 / classes), (100, 1))
    assert inception_score(constant)[0] == pytest.approx(1.0)
    collapsed = np.eye(classes)[np.zeros(100, dtype=int)]
    assert inception_score(collapsed)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="softmax"):
        inception_score(np.ones((4, classes)))


def test_precision_recall_identical_and_disjoint_sets():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 8))
    assert precision_recall(real, real.copy(), k=3) == (1.0, 1.0)
    assert precision_recall(real, real + 100.0, k=3) == (0.0, 0.0)
    # generated samples covering half the real distribution: full precision, recall well below 1
    # (above one half: the sparser set's k-NN balls are larger and reach across the border)
    half = real[real[:, 0] > 0]
    p, r = precision_recall(real, half, k=3)
    assert p == 1.0 and 0.45 < r < 0.9


def test_mode_coverage_counts_and_kl():
    cov = mode_coverage(np.array([0, 0, 1, 1, 2, 2]), num_classes=4)
    assert cov.covered == 3 and cov.histogram.tolist() == [2, 2, 2, 0] and cov.num_classes == 4
    assert cov.kl_from_uniform == pytest.approx(np.log(4 / 3))
    assert mode_coverage(np.arange(10).repeat(3), 10).kl_from_uniform == pytest.approx(0.0)
    assert mode_coverage(np.zeros(7), 10).kl_from_uniform == pytest.approx(np.log(10))
    with pytest.raises(ValueError):
        mode_coverage(np.array([11]), 10)


def test_points_mode_coverage():
    angles = np.arange(8) * np.pi / 4
    centers = np.stack([2 * np.cos(angles), 2 * np.sin(angles)], 1)
    rng = np.random.default_rng(0)
    labels = np.array([0, 1, 2]).repeat(100)  # three modes only
    points = centers[labels] + 0.02 * rng.normal(size=(300, 2))
    points = np.concatenate([points, np.zeros((100, 2))])  # 100 samples in the empty middle: low quality
    res = points_mode_coverage(points, centers, std=0.02)
    assert res.covered == 3 and res.num_modes == 8
    # a 2-D Gaussian puts 1 − exp(−9/2) ≈ 98.9% of its mass within 3 std
    assert res.high_quality_fraction == pytest.approx(300 * (1 - np.exp(-4.5)) / 400, abs=0.015)
    assert res.counts[:3].sum() >= 295 and res.counts[3:].sum() == 0
    assert points_mode_coverage(points, centers, std=0.02, min_samples=200).covered == 0
