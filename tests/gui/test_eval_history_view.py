"""Metric history in the window: a run trained with `train.eval_every` shows its eval/ curves in the Training panel
(one tab per metric, the sample count in each series' name, a stored 5k-style evaluation beside them), its
evaluation notes as notes (no alert banner), and the Evaluate tab lists the evaluations made during training."""

from __future__ import annotations

import threading
import time

import pytest

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings


@pytest.fixture
def evaluated_run(workspace):
    from workbench.compat import one_torch_thread
    from workbench.data import build_dataset
    from workbench.evaluation.run_evaluation import evaluate_run
    from workbench.metrics.feature_extractors import dataset_classifier
    from workbench.runs.events import AlertEvent, StepEvent
    from workbench.training.runner import run_training

    data = DataConfig(name="digits", image_size=8, batch_size=16)
    config = RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), data,
                       TrainConfig(steps=6, sample_every=6, checkpoint_every=6, sample_count=4, eval_every=2,
                                   eval_samples=100))
    with one_torch_thread():
        dataset_classifier(build_dataset(data), workspace.root, steps=25, batch_size=32)
        run = workspace.create_run(config, name="history")
        for event in run_training(run):
            if isinstance(event, StepEvent):  # let each evaluation finish before the next step: none is skipped
                for thread in threading.enumerate():
                    if thread.name.startswith("eval-step-"):
                        thread.join()
        evaluate_run(run, samples=200)  # a stored evaluation at the last checkpoint (step 6)
    writer = run.metrics_writer()
    writer.add(AlertEvent(6, time.time(), "evaluation", "evaluation of step 8 skipped: a note"))
    writer.close()
    return run


def test_the_training_panel_plots_eval_curves_and_the_evaluate_tab_lists_them(window, qtbot, evaluated_run):
    window.runs_panel.select_run(evaluated_run.id)
    view = window.training_panel.view
    plots = view.eval_plots
    qtbot.waitUntil(lambda: "FID" in plots.plots)
    assert {"FID", "KID", "IS", "precision", "recall"} <= set(plots.plots)
    assert plots.isVisibleTo(window)
    fid = plots.plots["FID"]
    assert set(fid.series_names()) == {"eval/FID [digits-cnn, 100]", "eval/FID [digits-cnn, 200]"}
    assert [int(s) for s in fid.data("eval/FID [digits-cnn, 100]")[0]] == [2, 4, 6]
    assert "eval/KID std [digits-cnn, 100]" in plots.plots["KID"].series_names()  # a spread shares its tab
    assert not any(tag.startswith("eval/") for plot in view.plots for tag in plot.series_names())
    notes = [view.alerts.item(i).text() for i in range(view.alerts.count())]
    assert any(text.startswith("ℹ step 6: evaluation of step 8 skipped") for text in notes)
    assert not view.alert_banner.isVisibleTo(window)  # a note, not a warning

    panel = window.evaluate_panel
    panel.show_run(evaluated_run)
    entries = [panel.evaluation_combo.itemText(i) for i in range(panel.evaluation_combo.count())]
    assert entries == ["step 2 · 100 samples · during training", "step 4 · 100 samples · during training",
                       "step 6 · 200 samples"]
    panel.evaluation_combo.setCurrentIndex(0)
    rows = dict(panel.metric_rows())
    assert "FID [digits-cnn, 100]" in rows and "during training" in panel.evaluation_info.text()
    assert any(label.startswith("note: computed during training") for label in rows)
    window.training_panel.view.clear()
    assert not plots.plots and not plots.isVisibleTo(window)
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)  # its neighbour search (a stored evaluation) ends
