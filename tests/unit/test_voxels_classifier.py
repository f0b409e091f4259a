"""The voxel classifier on 16³ voxels3d (a few real training steps): prediction shapes and dtypes, the
workspace cache's round trip, corrupt or mismatched cache files refused and retrained, class coverage on known
labels, and bench/voxel_quality.py's scoring of a tiny trained gan3d run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from workbench.data.voxel_shapes import CLASS_NAMES
from workbench.voxels.classifier import (
    VoxelClassifier,
    class_coverage,
    classifier_paths,
    load_or_train_voxel_classifier,
    load_voxel_classifier,
    save_voxel_classifier,
    train_voxel_classifier,
)
from workbench.voxels.errors import VoxelError

SIDE = 16
STEPS = 3


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def splits():
    from workbench.data.voxels3d import load_voxels3d

    return load_voxels3d(SIDE, "train"), load_voxels3d(SIDE, "test")


@pytest.fixture(scope="module")
def trained(splits):
    return train_voxel_classifier(*splits, steps=STEPS, batch_size=4)


def test_trains_and_predicts(trained, splits):
    train_set, test_set = splits
    assert trained.class_names == CLASS_NAMES and trained.num_classes == 7 and trained.side == SIDE
    record = trained.record
    assert (record.dataset, record.train_steps, record.test_shapes, record.test_split) == ("voxels3d", STEPS, 200,
                                                                                           "test")
    assert 0.0 <= trained.accuracy <= 1.0 and trained.accuracy == record.test_accuracy
    assert "voxels3d-CNN 16³" in trained.describe() and "200 test shapes" in trained.describe()

    grids, _labels = test_set.get_batch(torch.arange(5))  # N×1×16³ float tensor
    labels = trained.predict(grids)
    assert labels.shape == (5,) and labels.dtype == np.int64 and ((0 <= labels) & (labels < 7)).all()
    as_numpy = grids[:, 0].numpy()  # N×16³ numpy
    assert np.array_equal(trained.predict(as_numpy), labels)
    assert np.array_equal(trained.predict(as_numpy.astype(bool)), labels)
    probs = trained.probabilities(as_numpy)
    assert probs.shape == (5, 7) and probs.dtype == np.float32
    assert np.allclose(probs.sum(1), 1.0, atol=1e-5) and np.array_equal(probs.argmax(1), labels)
    assert trained.predict(np.zeros((0, SIDE, SIDE, SIDE), np.float32)).shape == (0,)
    # soft occupancy is thresholded at 0.5 by default: 0.6 reads as a voxel, 0.4 as none
    assert np.array_equal(trained.predict(as_numpy * 0.6 + (1 - as_numpy) * 0.4), labels)
    with pytest.raises(VoxelError, match="N×16×16×16"):
        trained.predict(np.zeros((2, 32, 32, 32), np.float32))


def test_learns_the_classes_with_enough_steps(splits):
    """60 steps at 16³ already tell the seven classes apart well above chance (1/7)."""
    classifier = train_voxel_classifier(*splits, steps=60, batch_size=16)
    assert classifier.accuracy > 0.5


def test_save_load_round_trip(trained, splits, tmp_path):
    weights = save_voxel_classifier(trained, tmp_path)
    assert weights == tmp_path / "feature_extractors" / "voxel-voxels3d-16.safetensors"
    meta = json.loads(weights.with_suffix(".json").read_text())
    assert meta["class_names"] == list(CLASS_NAMES) and meta["side"] == SIDE and meta["train_steps"] == STEPS
    assert meta["test_accuracy"] == trained.accuracy

    loaded = load_voxel_classifier(tmp_path, "voxels3d", SIDE, CLASS_NAMES)
    assert isinstance(loaded, VoxelClassifier) and loaded.origin == "loaded"
    assert loaded.record == trained.record
    grids = splits[1].get_batch(torch.arange(8))[0]
    assert np.array_equal(loaded.probabilities(grids), trained.probabilities(grids))

    again = load_or_train_voxel_classifier(tmp_path, "voxels3d", SIDE, steps=STEPS, batch_size=4)
    assert again.origin == "loaded" and again.replaced_because == ""
    assert load_voxel_classifier(tmp_path / "elsewhere", "voxels3d", SIDE) is None  # nothing cached there


def test_trains_and_caches_when_missing(tmp_path):
    calls: list[tuple[int, int]] = []
    classifier = load_or_train_voxel_classifier(tmp_path, "voxels3d", SIDE, progress=lambda *a: calls.append(a),
                                                steps=STEPS, batch_size=4)
    assert classifier.origin == "trained" and calls[-1] == (STEPS, STEPS)
    weights, meta = classifier_paths(tmp_path, "voxels3d", SIDE)
    assert weights.is_file() and meta.is_file()


@pytest.mark.parametrize("damage", ["garbage weights", "truncated weights", "bad json", "other side",
                                    "other classes", "weights swapped", "json missing"])
def test_corrupt_cache_refused_and_retrained(trained, tmp_path, damage):
    weights = save_voxel_classifier(trained, tmp_path)
    meta = weights.with_suffix(".json")
    record = json.loads(meta.read_text())
    if damage == "garbage weights":
        weights.write_bytes(b"not a safetensors file at all")
        expected = "not a readable safetensors file"
    elif damage == "truncated weights":
        weights.write_bytes(weights.read_bytes()[:200])
        expected = "not a readable safetensors file"
    elif damage == "bad json":
        meta.write_text("{ not json")
        expected = "not valid JSON"
    elif damage == "other side":
        meta.write_text(json.dumps({**record, "side": 32}))
        expected = "at 32³, not 'voxels3d' at 16³"
    elif damage == "other classes":
        meta.write_text(json.dumps({**record, "class_names": ["a", "b"]}))
        expected = "differ from the dataset's"
    elif damage == "weights swapped":  # right shapes, other values: not the weights the JSON describes
        from safetensors.torch import load_file, save_file

        state = {k: v + 0.01 for k, v in load_file(str(weights)).items()}
        save_file(state, str(weights))
        expected = "SHA-256 differs"
    else:
        meta.unlink()
        expected = "is missing while its companion file exists"

    with pytest.raises(VoxelError, match=expected) as refused:
        load_voxel_classifier(tmp_path, "voxels3d", SIDE, CLASS_NAMES)
    assert str(weights.parent) in str(refused.value)  # the message names the file

    retrained = load_or_train_voxel_classifier(tmp_path, "voxels3d", SIDE, steps=STEPS, batch_size=4)
    assert retrained.origin == "trained" and expected in retrained.replaced_because
    reloaded = load_voxel_classifier(tmp_path, "voxels3d", SIDE, CLASS_NAMES)  # the cache is whole again
    assert reloaded is not None and reloaded.record == retrained.record


def test_class_coverage_on_known_labels():
    uniform = class_coverage(np.arange(700) % 7, 7)
    assert uniform["n"] == 700 and uniform["counts"] == [100] * 7 and uniform["covered"] == 7
    assert uniform["entropy"] == pytest.approx(1.0)

    collapsed = class_coverage(np.full(50, 3), 7)
    assert collapsed["counts"] == [0, 0, 0, 50, 0, 0, 0] and collapsed["covered"] == 1 and collapsed["entropy"] == 0

    # 1% rule: 5 of 1,000 (0.5%) does not count as covered, 10 of 1,000 (1%) does
    labels = np.concatenate([np.zeros(985, int), np.ones(5, int), np.full(10, 2)])
    mixed = class_coverage(labels, 4)
    assert mixed["counts"] == [985, 5, 10, 0] and mixed["covered"] == 2 and mixed["min_share"] == 0.01
    p = np.array([985, 5, 10]) / 1000
    assert mixed["entropy"] == pytest.approx(float(-(p * np.log(p)).sum() / np.log(4)))
    assert mixed["shares"][1] == pytest.approx(0.005)

    two = class_coverage(np.array([0, 1]), 2)
    assert two["entropy"] == pytest.approx(1.0) and two["covered"] == 2
    empty = class_coverage(np.array([], dtype=np.int64), 7)
    assert empty["n"] == 0 and empty["covered"] == 0 and empty["entropy"] == 0.0
    with pytest.raises(ValueError, match=r"\[0, 7\)"):
        class_coverage(np.array([0, 7]), 7)


def _bench_module():
    path = Path(__file__).resolve().parents[2] / "bench" / "voxel_quality.py"
    spec = importlib.util.spec_from_file_location("voxel_quality_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_bench_scores_a_tiny_run(tiny_run, trained, splits):
    bench = _bench_module()
    run = tiny_run("gan3d", data="voxels3d", image_size=16, steps=2, batch_size=4, latent_dim=8)
    scores = bench.score_run(run, trained, samples=6, seed=3, checked=3)

    samples = scores.samples
    assert samples.n == 6 and sum(samples.coverage["counts"]) == 6 and len(samples.coverage["counts"]) == 7
    assert 1 <= samples.coverage["covered"] <= 7 and 0.0 <= samples.coverage["entropy"] <= 1.0
    assert 0.0 <= samples.mean_iou <= 1.0 and 0 <= samples.empty <= 6 and 1 / 7 <= samples.confidence <= 1.0
    assert scores.steps == 2 and scores.d_updates_skipped in (0, 1, 2)
    assert 0.0 <= scores.d_update_fraction <= 1.0
    assert scores.checked == 3 and scores.max_iou_difference < 1e-9  # same IoU as VoxelModel's own search

    # real shapes: the vectorised search finds a held-out shape's nearest training shape as a plain loop does
    train_set, test_set = splits
    bank = bench.training_bank(train_set)
    real = test_set.get_batch(torch.arange(3))[0][:, 0].numpy()
    ious, index = bench.nearest_iou(*bench.pack(real), bank)
    everything = train_set.grids(torch.arange(len(train_set)))
    for grid, best, where in zip(real.astype(bool), ious, index, strict=True):
        inter = (everything & grid).sum(axis=(1, 2, 3))
        union = (everything | grid).sum(axis=(1, 2, 3))
        plain = inter / union
        assert best == pytest.approx(plain.max()) and where == int(plain.argmax())
    train_copy = bench.nearest_iou(*bench.pack(everything[:2].astype(np.float32)), bank)
    assert np.allclose(train_copy[0], 1.0) and list(train_copy[1]) == [0, 1]  # a training shape finds itself

    real_scores = bench.score_grids("real", bench.split_chunks(test_set), trained, bank)
    assert real_scores.n == 200 and real_scores.empty == 0 and 0 < real_scores.mean_iou < 1
    fresh = bench.score_grids("fresh", bench.fresh_shapes(14, SIDE), trained, bank)
    assert fresh.n == 14 and sum(fresh.coverage["counts"]) == 14
