"""The digits classifier as feature extractor (trained, cached, reloaded), evaluate_generator, memorization."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from workbench.config import DataConfig
from workbench.data import build_dataset
from workbench.metrics.evaluate import count_text, evaluate_generator, metric_label, reference_features
from workbench.metrics.feature_extractors import classifier_paths, dataset_classifier, load_classifier
from workbench.metrics.memorization import nearest_neighbours, nearest_training_images


@pytest.fixture(scope="module")
def one_thread():
    # the machines are shared: one intra-op thread is as fast alone and far faster when the cores are busy
    from workbench.compat import one_blas_thread

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with one_blas_thread():
        yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def digits():
    return build_dataset(DataConfig(name="digits", image_size=32))


@pytest.fixture(scope="module")
def extractor(digits, tmp_path_factory, one_thread):
    folder = tmp_path_factory.mktemp("ws")
    ex = dataset_classifier(digits, folder, steps=150, batch_size=32)
    ex.cache_folder = folder
    return ex


def test_digits_cnn_trains_caches_and_reloads(extractor, digits):
    assert extractor.name == "digits-cnn" and extractor.num_classes == 10
    assert extractor.test_accuracy >= 0.9
    weights, meta = classifier_paths(extractor.cache_folder, "digits", 32, 1)
    record = json.loads(meta.read_text())
    assert weights.is_file() and record["test_accuracy"] == extractor.test_accuracy
    assert record["dataset"] == "digits" and record["image_size"] == 32 and record["name"] == "digits-cnn"
    again = dataset_classifier(digits, extractor.cache_folder, steps=150)  # from the cache: no training
    assert again.record.train_seconds == extractor.record.train_seconds
    images, _ = digits.get_batch(torch.arange(20))
    assert torch.allclose(again.features(images), extractor.features(images), atol=1e-5)
    assert extractor.features(images).shape == (20, 128)
    probs = extractor.probabilities(images)
    assert probs.shape == (20, 10) and torch.allclose(probs.sum(1), torch.ones(20), atol=1e-5)
    assert extractor.features(images.expand(-1, 3, -1, -1)).shape == (20, 128)  # RGB input is accepted
    assert load_classifier(extractor.cache_folder, "digits", 64, 1) is None


def test_evaluate_generator_labels_and_sanity(extractor, digits):
    real = digits.get_batch(torch.arange(len(digits)))[0]

    def copy_data(count, seed):  # a "generator" that returns real digits: near-perfect scores
        g = torch.Generator().manual_seed(seed)
        return real[torch.randint(0, real.shape[0], (count,), generator=g)]

    def noise(count, seed):
        return torch.rand(count, 1, 32, 32, generator=torch.Generator().manual_seed(seed)) * 2 - 1

    kw = dict(n=200, kid_subsets=10, kid_subset_size=100, batch_size=100)
    ref = reference_features(digits, extractor, 200)
    good = evaluate_generator(copy_data, ref, extractor, **kw)
    bad = evaluate_generator(noise, ref, extractor, **kw)
    fid = "FID [digits-cnn, 200]"
    assert set(good) >= {fid, "KID [digits-cnn, 200]", "IS [digits-cnn, 200]", "precision [digits-cnn, 200]",
                         "recall [digits-cnn, 200]", "classes covered (of 10) [digits-cnn, 200]",
                         "KL from uniform [digits-cnn, 200]"}
    assert not any("inception" in key.lower() for key in good)
    assert bad[fid] > 5 * good[fid]
    assert good["classes covered (of 10) [digits-cnn, 200]"] == 10
    assert good["precision [digits-cnn, 200]"] > 0.8 > bad["precision [digits-cnn, 200]"]
    from_tensor = evaluate_generator(copy_data, real[:150], extractor, **kw)
    assert "FID [digits-cnn, 200, 150 real]" in from_tensor


def test_labels_and_counts():
    assert count_text(5000) == "5k" and count_text(10_000) == "10k" and count_text(1797) == "1797"
    assert metric_label("FID", "digits-cnn", 5000) == "FID [digits-cnn, 5k]"


def test_nearest_neighbours_and_memorization_view(extractor, digits):
    ref = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    idx, dist = nearest_neighbours(np.array([[0.9, 0.0]]), ref, k=2)
    assert idx.tolist() == [[1, 0]] and np.allclose(dist, [[0.1, 0.9]])
    idx, _ = nearest_neighbours(ref, ref, k=1, exclude_self=True)
    assert idx[:, 0].tolist() == [1, 0, 1]
    samples = digits.get_batch(torch.tensor([5, 17, 300]))[0]  # exact copies of training images
    report = nearest_training_images(samples, digits, extractor, k=2)
    assert report.indices[:, 0].tolist() == [5, 17, 300]
    assert np.allclose(report.distances[:, 0], 0, atol=1e-3) and report.typical_distance > 0
    assert report.neighbours.shape == (3, 2, 1, 32, 32)
    assert torch.equal(report.neighbours[:, 0], samples) and (report.ratio[:, 0] < 0.01).all()
