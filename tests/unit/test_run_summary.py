"""A run's figures for the runs table and the HParams view (workbench/evaluation/summary.py), against what its real
store holds: last and best of each loss and metric, evaluations stored late, a resume that drops rows, the cache."""

from __future__ import annotations

import math
import time

import pytest

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.evaluation.store import EvaluationResult, store_evaluation
from workbench.evaluation.summary import (
    config_fields,
    differing_fields,
    figure_parts,
    metric_direction,
    run_summary,
)
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.vae import VAESettings
from workbench.runs.events import LayoutEvent
from workbench.runs.reader import RunReader

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_losses_last_and_best_match_the_store(tiny_run):
    run = tiny_run("vae", steps=8)
    figures = run_summary(run)
    frame = RunReader(run).scalars()
    for loss in ("loss", "reconstruction", "kl"):
        rows = frame[frame.tag == loss].sort_values("step")
        assert figures[f"{loss} (last)"] == pytest.approx(rows.value.iloc[-1])
        assert figures[f"{loss} (best)"] == pytest.approx(rows.value.min())  # a loss: the lowest
    assert "grad_norm (last)" in figures and "grad_norm (best)" not in figures  # not a loss, not a metric
    assert figures["sample_diversity (best)"] == pytest.approx(frame[frame.tag == "sample_diversity"].value.max())
    assert run_summary(run) is figures, "nothing changed: the cached figures, nothing read"


def _evaluation(run, step: int, fid: float, inception: float) -> EvaluationResult:
    return EvaluationResult(run.id, step, "vae", "digits", {"FID [digits-cnn, 50]": fid, "IS [digits-cnn, 50]":
                                                            inception, "KID std [digits-cnn, 50]": 0.1}, 50, 0, 0.1)


def test_evaluations_best_follows_the_metric_and_last_is_the_newest_step(tiny_run):
    run = tiny_run("vae", steps=4)
    store_evaluation(run, _evaluation(run, 4, fid=30.0, inception=2.0))
    assert run_summary(run)["FID [digits-cnn, 50] (last)"] == 30.0  # the store changed: read again
    store_evaluation(run, _evaluation(run, 2, fid=20.0, inception=3.0))  # an earlier checkpoint, evaluated later
    figures = run_summary(run)
    assert figures["FID [digits-cnn, 50] (last)"] == 30.0  # the newest step's, not the newest row's
    assert figures["FID [digits-cnn, 50] (best)"] == 20.0  # lower is better
    assert figures["IS [digits-cnn, 50] (best)"] == 3.0  # higher is better
    assert "KID std [digits-cnn, 50] (best)" not in figures  # a spread has no best
    assert figure_parts("FID [digits-cnn, 50] (best)") == ("FID [digits-cnn, 50]", "best")
    assert metric_direction("eval/PSNR [x]") == 1 and metric_direction("KL from uniform [x]") == -1


def test_a_resume_that_drops_rows_is_read_afresh_and_nan_is_kept(workspace):
    run = workspace.create_run(RunConfig(VAESettings()), name="resumed")
    writer = run.metrics_writer()
    writer.add(LayoutEvent(0, time.time(), ("loss",)))
    for step, value in enumerate([5.0, 4.0, 0.5, 3.0], start=1):
        writer.add_scalars(step, time.time(), {"loss": value})
    writer.flush()
    assert run_summary(run)["loss (best)"] == 0.5
    writer.truncate_after(2)  # a resume from step 2: the 0.5 of step 3 is gone
    writer.add(LayoutEvent(2, time.time(), ("loss",)))
    writer.add_scalars(3, time.time(), {"loss": float("nan")})
    writer.close()
    figures = run_summary(run)
    assert figures["loss (best)"] == 4.0
    assert math.isnan(figures["loss (last)"])


def test_config_fields_are_flat_and_differences_name_the_changed_fields():
    a = RunConfig(DCGANSettings(lr_g=2e-4), DataConfig(batch_size=32), TrainConfig(steps=10))
    b = RunConfig(DCGANSettings(lr_g=1e-4), DataConfig(batch_size=32), TrainConfig(steps=10))
    c = RunConfig(VAESettings(beta=4.0), DataConfig(batch_size=32), TrainConfig(steps=10))
    fields = config_fields(a)
    assert fields["method.name"] == "dcgan" and fields["method.lr_g"] == 2e-4 and fields["data.batch_size"] == 32
    assert fields["train.steps"] == 10
    assert differing_fields([config_fields(a), config_fields(b)]) == ["method.lr_g"]
    changed = differing_fields([config_fields(a), config_fields(c)])
    assert {"method.name", "method.lr_g", "method.beta"} <= set(changed) and "data.batch_size" not in changed
    assert differing_fields([fields]) == []
