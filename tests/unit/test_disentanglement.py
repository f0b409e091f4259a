"""Disentanglement metrics on the cases disentanglement_lib's own tests use, plus the stored report of a run.

Codes "equal to the factors" score high; a constant code and a randomly permuted one (rows shuffled, so the code
no longer belongs to its example, as in the reference tests) score low; a code holding every factor twice has
no gap between its two best dimensions, so MIG is low.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.evaluation.disentanglement import DisentanglementReport
from workbench.metrics.disentanglement import (
    beta_vae_score,
    dci,
    factor_vae_score,
    identity_sampler,
    mig,
    sap,
)

N = 1500
SIZES = (3, 6, 10, 8, 8)


@pytest.fixture(scope="module")
def factors() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([rng.integers(0, s, N) for s in SIZES], axis=1)


def _cases(factors: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {"constant": np.zeros((N, len(SIZES))), "permuted": rng.permutation(factors).astype(float),
            "noise": rng.normal(size=(N, len(SIZES)))}


def test_code_equal_to_factors_scores_high(factors):
    codes = factors.astype(float)
    assert mig(codes, factors) >= 0.9
    d, c, i = dci(codes, factors)
    assert d >= 0.9 and c >= 0.9 and i >= 0.9
    assert sap(codes, factors) >= 0.9


def test_scores_ignore_dimension_order_and_scale(factors):
    """A relabelled, rescaled, shifted code of the factors is just as disentangled."""
    codes = factors[:, ::-1] * np.array([0.1, -3.0, 2.0, 0.5, 7.0]) + 4.0
    assert mig(codes, factors) >= 0.9
    assert min(dci(codes, factors)[:2]) >= 0.9
    assert sap(codes, factors) >= 0.9


@pytest.mark.parametrize("case", ["constant", "permuted", "noise"])
def test_unrelated_codes_score_low(factors, case):
    codes = _cases(factors)[case]
    assert mig(codes, factors) <= 0.2
    d, c, _ = dci(codes, factors)
    assert d <= 0.2 and c <= 0.2
    assert sap(codes, factors) <= 0.2


def test_duplicated_factors_have_no_mutual_information_gap(factors):
    codes = np.hstack([factors, factors]).astype(float)
    assert mig(codes, factors) <= 0.1
    assert sap(codes, factors) <= 0.1  # the two copies predict equally well: no gap either
    assert dci(codes, factors)[1] <= 0.8  # each factor spread over two dimensions: incomplete


def test_mixed_code_scores_between(factors):
    """A rotation of the factors is informative but entangled: clearly below the perfect code."""
    mixing = np.linalg.qr(np.random.default_rng(3).normal(size=(5, 5)))[0]
    codes = (factors / np.array(SIZES)) @ mixing
    assert mig(codes, factors) < 0.6
    assert dci(codes, factors)[0] < 0.8


def test_bad_inputs_are_reported(factors):
    with pytest.raises(ValueError, match="one row per example"):
        mig(np.zeros((5, 2)), factors)
    with pytest.raises(ValueError, match="discrete"):
        dci(np.zeros((4, 2)), np.full((4, 1), 0.5))
    with pytest.raises(ValueError, match="model must be"):
        dci(factors.astype(float), factors, model="svm")


# ---- β-VAE and FactorVAE scores: an encoder and interventions -------------------------------------------------
SAMPLER = identity_sampler(SIZES)
OPTIONS = {"n_train": 150, "n_test": 90, "batch_size": 16}


def _noise(x: np.ndarray) -> np.ndarray:
    return np.random.default_rng(int(np.asarray(x).sum()) % 2**32).normal(size=np.shape(x))


@pytest.mark.parametrize("score", [beta_vae_score, factor_vae_score])
def test_intervention_scores_separate_perfect_from_noise(score):
    assert score(lambda x: x, SAMPLER, **OPTIONS) >= 0.9
    assert score(lambda x: x * np.array([2.0, -1, 0.5, 3, 1]) + 1, SAMPLER, **OPTIONS) >= 0.9
    chance = 1 / len(SIZES)
    assert score(_noise, SAMPLER, **OPTIONS) <= chance + 0.15
    assert score(lambda x: np.zeros_like(x), SAMPLER, **OPTIONS) <= chance + 0.15


def test_intervention_scores_are_seeded():
    a = beta_vae_score(_noise, SAMPLER, seed=4, **OPTIONS)
    assert a == beta_vae_score(_noise, SAMPLER, seed=4, **OPTIONS)
    assert factor_vae_score(_noise, SAMPLER, seed=4, **OPTIONS) == factor_vae_score(_noise, SAMPLER, seed=4,
                                                                                    **OPTIONS)


# ---- the report of a trained run ------------------------------------------------------------------------------
REPORT_OPTIONS = {"interventions": 30, "batch_size": 8}


def test_report_of_a_run_is_stored_and_loaded(tiny_run):
    from workbench.evaluation.disentanglement import (
        MATRIX_NAMES,
        SCORE_NAMES,
        evaluate_disentanglement,
        stored_disentanglement,
    )
    from workbench.evaluation.store import stored_evaluations

    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)
    assert stored_disentanglement(run) is None
    report = evaluate_disentanglement(run, n=300, seed=1, **REPORT_OPTIONS)
    assert isinstance(report, DisentanglementReport)
    assert set(report.scores) == set(SCORE_NAMES)
    assert all(0.0 <= v <= 1.0 for v in report.scores.values())
    assert report.factor_names == ("shape", "scale", "orientation", "posX", "posY")
    for name in MATRIX_NAMES:
        assert report.matrices[name].shape == (6, 5)
    assert report.metric_label("MIG") == "MIG [shapes2d, 300 codes]"
    assert report.step == 6

    loaded = stored_disentanglement(run)
    assert loaded is not None and loaded.scores == report.scores and loaded.label == report.label
    np.testing.assert_allclose(loaded.matrices["DCI importance"], report.matrices["DCI importance"])
    (evaluation,) = stored_evaluations(run)
    assert evaluation.metrics["MIG [shapes2d, 300 codes]"] == report.scores["MIG"]
    assert "eval/MIG [shapes2d, 300 codes]" in run.metrics_reader().read_new_scalars()


def test_report_merges_into_an_existing_evaluation(tiny_run):
    from workbench.evaluation.disentanglement import evaluate_disentanglement
    from workbench.evaluation.store import EvaluationResult, store_evaluation, stored_evaluations

    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)
    store_evaluation(run, EvaluationResult(run.id, 6, "vae", "shapes2d", {"PSNR dB [1k training images]": 12.0},
                                           1000, 0, 1.0))
    evaluate_disentanglement(run, n=200, **REPORT_OPTIONS)
    evaluate_disentanglement(run, n=100, **REPORT_OPTIONS)  # replaces the earlier disentanglement scores
    (evaluation,) = stored_evaluations(run)
    assert evaluation.metrics["PSNR dB [1k training images]"] == 12.0
    assert "MIG [shapes2d, 100 codes]" in evaluation.metrics
    assert not any("200 codes" in label for label in evaluation.metrics)


def test_report_refuses_runs_without_factors_or_encoder(tiny_run):
    from workbench.evaluation.disentanglement import evaluate_disentanglement
    from workbench.latent.errors import LatentError

    with pytest.raises(LatentError, match="known generative factors"):
        evaluate_disentanglement(tiny_run("vae", data="digits", steps=2, name="digits-vae"), n=50)
    with pytest.raises(LatentError, match="encoder"):
        evaluate_disentanglement(tiny_run("dcgan", data="shapes2d", image_size=16, steps=2), n=50)


def test_cli_eval_disentanglement(tiny_run, workspace, capsys, monkeypatch):
    from workbench.cli import main
    from workbench.evaluation import disentanglement as report_module

    monkeypatch.setattr(report_module, "INTERVENTIONS", 30)
    monkeypatch.setattr(report_module, "INTERVENTION_BATCH", 8)
    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)
    ws = ["--workspace", str(workspace.root)]
    assert main(["eval", run.id, "--disentanglement", "-n", "120", *ws]) == 0
    out = capsys.readouterr().out
    assert "MIG [shapes2d, 120 codes]" in out and "FactorVAE score [shapes2d, 30 votes × 8 images]" in out
    assert report_module.stored_disentanglement(run).codes == 120

    digits = tiny_run("autoencoder", data="digits", steps=2, name="digits-ae")
    assert main(["eval", digits.id, "--disentanglement", *ws]) == 2
    assert "known generative factors" in capsys.readouterr().err


# ---- curves during training ---------------------------------------------------------------------------------
def _train(workspace, method: str, data: str, every: int, name: str):
    import torch

    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.runner import run_training

    cls = method_settings_class(method)
    small = {k: v for k, v in {"channels": 8, "g_channels": 8, "d_channels": 8, "latent_dim": 4}.items()
             if k in cls.__dataclass_fields__}
    config = RunConfig(cls(**small), DataConfig(name=data, image_size=16, batch_size=16),
                       TrainConfig(steps=4, sample_every=4, checkpoint_every=4, sample_count=4,
                                   disentanglement_every=every))
    run = workspace.create_run(config, name=name)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        events = list(run_training(run))
    finally:
        torch.set_num_threads(previous)
    return run, events


def test_training_logs_disentanglement_curves(workspace, monkeypatch):
    from workbench.metrics.disentanglement import probe
    from workbench.runs.events import MetricEvent

    monkeypatch.setattr(probe, "PROBE_CODES", 200)
    run, events = _train(workspace, "vae", "shapes2d", every=2, name="curves")
    steps = sorted({e.step for e in events if isinstance(e, MetricEvent) and e.name == "mig"})
    assert steps == [0, 2, 4]
    scalars = run.metrics_reader().read_new_scalars()
    for name in probe.SCALAR_NAMES.values():
        assert scalars[name][:, 0].tolist() == [0, 2, 4]
        assert ((scalars[name][:, 2] >= 0) & (scalars[name][:, 2] <= 1)).all()

    _, off = _train(workspace, "vae", "shapes2d", every=0, name="no-curves")
    _, digits = _train(workspace, "vae", "digits", every=2, name="digits-curves")
    for events in (off, digits):
        assert not any(isinstance(e, MetricEvent) and e.name == "mig" for e in events)


def test_probe_leaves_the_random_state_alone(monkeypatch):
    import random

    import torch

    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.metrics.disentanglement.probe import DisentanglementProbe
    from workbench.training.session import TrainingSession

    config = RunConfig(method_settings_class("vae")(channels=8, latent_dim=4),
                       DataConfig(name="shapes2d-correlated", image_size=16), TrainConfig(steps=1))
    session = TrainingSession(config)
    p = DisentanglementProbe.for_session(session, n=150)
    torch_state, python_state = torch.get_rng_state(), random.getstate()
    scores = p.scores()
    assert set(scores) == {"mig", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap"}
    assert torch.equal(torch.get_rng_state(), torch_state) and random.getstate() == python_state
    assert p.scores() == scores  # a fixed sample and seeded classifiers


def test_dci_with_the_reference_gradient_boosting(factors):
    small = factors[:200, :2]
    d, c, i = dci(small.astype(float), small, model="boosting")
    assert d >= 0.9 and c >= 0.9 and i >= 0.9
    d, c, _ = dci(np.random.default_rng(5).permutation(small).astype(float), small, model="boosting")
    assert d <= 0.2 and c <= 0.2
