"""`evaluate_run` and `workbench eval` on tiny trained runs (8×8 digits, tiny nets, ~200 samples).

The digits classifier feature extractor is trained once per module with few steps and cached in the
workspace, as the app does on first use; the evaluations then load it from the cache.
"""

from __future__ import annotations

import json
import math
import sqlite3

import numpy as np
import pytest
import torch

from workbench.cli import main
from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.vae import VAESettings
from workbench.runs import Workspace

SAMPLES = 200


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def train_tiny(ws: Workspace, settings, name: str, steps: int = 6):
    from workbench.training.runner import run_training

    cfg = RunConfig(settings, DataConfig(name="digits", image_size=8, batch_size=16),
                    TrainConfig(steps=steps, sample_every=steps, checkpoint_every=steps, sample_count=4))
    run = ws.create_run(cfg, name=name)
    for _ in run_training(run):
        pass
    return run


@pytest.fixture(scope="module")
def ws(tmp_path_factory, one_thread):
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier

    workspace = Workspace(tmp_path_factory.mktemp("eval") / "ws")
    dataset = build_dataset(DataConfig(name="digits", image_size=8, batch_size=16))
    dataset_classifier(dataset, workspace.root, steps=60, batch_size=32)  # cached: evaluate_run reuses it
    train_tiny(workspace, DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), "dcgan-run")
    train_tiny(workspace, VAESettings(latent_dim=4, channels=8), "vae-run")
    workspace.create_run(RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8),
                                   DataConfig(name="digits", image_size=8), TrainConfig(steps=5)), name="untrained")
    return workspace


def test_dcgan_evaluation_is_labelled_finite_and_stored(ws):
    from workbench.evaluation.run_evaluation import evaluate_run, stored_evaluations

    run = ws.run("dcgan-run")
    messages = []
    result = evaluate_run(run, samples=SAMPLES, progress=messages.append)
    assert messages and result.step == 6 and result.method == "dcgan" and result.dataset == "digits"
    assert result.extractor == "digits-cnn" and 0 < result.extractor_accuracy <= 1
    expected = [f"{m} [digits-cnn, {SAMPLES}]" for m in ("KID", "precision", "recall", "IS")]
    for label in [f"FID [digits-cnn, {SAMPLES}]", *expected, f"classes covered (of 10) [digits-cnn, {SAMPLES}]"]:
        assert label in result.metrics, sorted(result.metrics)
        assert math.isfinite(result.metrics[label])
    assert not any("nception" in label for label in result.metrics)  # a classifier FID is never "Inception"
    assert not any("PSNR" in label for label in result.metrics)  # a GAN has no encoder

    stored = json.loads((run.path / "evaluations" / "6.json").read_text())
    assert stored["step"] == 6 and stored["samples"] == SAMPLES and stored["seconds"] > 0
    assert stored["extractor"]["name"] == "digits-cnn" and stored["extractor"]["test_accuracy"] > 0
    assert {m["label"]: m["value"] for m in stored["metrics"]} == pytest.approx(result.metrics)
    with sqlite3.connect(run.metrics_path) as conn:
        rows = dict(conn.execute("SELECT tag, value FROM scalars WHERE tag LIKE 'eval/%' AND step = 6"))
    assert rows[f"eval/FID [digits-cnn, {SAMPLES}]"] == pytest.approx(result.metrics[f"FID [digits-cnn, {SAMPLES}]"])
    again = stored_evaluations(run)
    assert [r.step for r in again] == [6] and again[0].metrics == pytest.approx(result.metrics)


def test_vae_evaluation_adds_reconstruction(ws):
    from workbench.evaluation.run_evaluation import evaluate_run

    result = evaluate_run(ws.run("vae-run"), samples=SAMPLES)
    psnr = [v for k, v in result.metrics.items() if k.startswith("PSNR dB [")]
    mse = [v for k, v in result.metrics.items() if k.startswith("reconstruction MSE")]
    assert len(psnr) == 1 and math.isfinite(psnr[0]) and 0 < mse[0] < 1
    assert psnr[0] == pytest.approx(10 * math.log10(1 / mse[0]))
    assert f"FID [digits-cnn, {SAMPLES}]" in result.metrics


def test_points_and_conditional_metrics_on_stub_methods(ws):
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier
    from workbench.metrics.model_scores import conditional_accuracy, points_metrics

    class Ring:  # samples exactly on 4 of 8 ring modes
        def sample(self, n, *, seed):
            angles = torch.arange(n) % 4 * (2 * math.pi / 8)
            return torch.stack([2 * torch.cos(angles), 2 * torch.sin(angles)], 1)

    info = build_dataset(DataConfig(name="gaussians2d-ring")).info
    out = points_metrics(Ring(), info, 400, 0)
    assert out == {"modes covered (of 8) [within 3σ, 400]": 4.0, "high-quality fraction [within 3σ, 400]": 1.0}

    digits = build_dataset(DataConfig(name="digits", image_size=8))
    classifier = dataset_classifier(digits, ws.root)  # from the cache

    class Copier:  # "generates" real digits of the requested class
        def sample(self, n, *, seed, labels):
            pool = (digits.labels == labels[0]).nonzero().squeeze(1)
            return digits.get_batch(pool[:n])[0]

    acc = conditional_accuracy(Copier(), classifier, 100, 0)
    assert list(acc) == ["conditional accuracy [digits-cnn, 100]"]
    assert acc["conditional accuracy [digits-cnn, 100]"] == pytest.approx(classifier.test_accuracy, abs=0.25)


def test_nearest_neighbour_view(ws):
    from workbench.evaluation.run_evaluation import nearest_neighbour_view

    view = nearest_neighbour_view(ws.run("dcgan-run"), count=8, k=3)
    assert view.samples.shape == (8, 8, 8, 1) and view.samples.dtype == np.uint8
    assert view.neighbours.shape == (8, 3, 8, 8, 1) and view.distances.shape == (8, 3)
    assert (np.diff(view.distances, axis=1) >= 0).all() and view.typical_distance > 0
    assert view.likely_copies.shape == (8,)


def test_cli_eval(ws, capsys):
    assert main(["--workspace", str(ws.root), "eval", "dcgan-run", "-n", str(SAMPLES), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert f"FID [digits-cnn, {SAMPLES}]" in out and f"precision [digits-cnn, {SAMPLES}]" in out
    assert "feature extractor: digits-cnn (test accuracy" in out and "evaluations/6.json" in out
    assert main(["--workspace", str(ws.root), "eval", "vae", "-n", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run"] == "vae-run" and any(m["label"].startswith("PSNR dB") for m in doc["metrics"])


def test_cli_eval_errors(ws, capsys):
    assert main(["--workspace", str(ws.root), "eval", "untrained"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: run untrained has no checkpoint yet; train it first")
    assert main(["--workspace", str(ws.root), "eval", "no-such-run"]) == 2
    assert "no run 'no-such-run'" in capsys.readouterr().err
    assert main(["--workspace", str(ws.root), "eval", "dcgan-run", "--inception", "/nonexistent.pth"]) == 2
    assert "never downloaded" in capsys.readouterr().err


def test_a_new_evaluation_of_the_same_step_keeps_other_kinds_of_metrics(workspace):
    from workbench.evaluation.store import EvaluationResult, store_evaluation, stored_evaluations

    run = workspace.create_run(RunConfig(DCGANSettings(), DataConfig(name="digits"), TrainConfig(steps=10)))
    first = EvaluationResult(run.id, 10, "dcgan", "digits", {"MIG [shapes2d, 5k codes]": 0.3,
                                                              "FID [digits-cnn, 5k]": 50.0}, 5000, 0, 1.0,
                             notes=["disentanglement: β-VAE score on 450 votes"])
    store_evaluation(run, first)
    again = EvaluationResult(run.id, 10, "dcgan", "digits", {"FID [digits-cnn, 10k]": 40.0}, 10000, 0, 1.0)
    store_evaluation(run, again)
    (stored,) = stored_evaluations(run)
    assert stored.metrics == {"FID [digits-cnn, 10k]": 40.0, "MIG [shapes2d, 5k codes]": 0.3}
    assert stored.notes == ["disentanglement: β-VAE score on 450 votes"]
