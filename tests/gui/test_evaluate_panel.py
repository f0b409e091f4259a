"""The Evaluate panel on its own: stored results, "Evaluate now" in the background, the neighbours view."""

from __future__ import annotations

import pytest
import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings


@pytest.fixture
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def tiny_config(steps: int = 4) -> RunConfig:
    return RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8),
                     DataConfig(name="digits", image_size=8, batch_size=16),
                     TrainConfig(steps=steps, sample_every=steps, checkpoint_every=steps, sample_count=4))


@pytest.fixture
def trained_run(workspace, one_thread):
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier
    from workbench.training.runner import run_training

    dataset_classifier(build_dataset(tiny_config().data), workspace.root, steps=25, batch_size=32)
    run = workspace.create_run(tiny_config(), name="tiny-dcgan")
    for _ in run_training(run):
        pass
    return run


@pytest.fixture
def panel(qtbot, workspace):
    from workbench.gui.panels.evaluate_panel import EvaluatePanel

    widget = EvaluatePanel(workspace)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    return widget


def test_placeholders_without_run_or_checkpoint(panel, workspace):
    assert not panel.evaluate_button.isEnabled()
    assert "Select a run" in panel.placeholder.text() and panel.neighbours.placeholder.isVisible()
    panel.show_run(workspace.create_run(tiny_config(), name="untrained"))
    assert not panel.evaluate_button.isEnabled()
    assert "no checkpoint" in panel.placeholder.text()
    assert "no checkpoint" in panel.neighbours.placeholder.text()


def test_stored_results_evaluate_now_and_neighbours(panel, trained_run, qtbot):
    from workbench.evaluation.run_evaluation import EvaluationResult, store_evaluation

    stored = {"FID [digits-cnn, 300]": 123.456, "precision [digits-cnn, 300]": 0.5}
    store_evaluation(trained_run, EvaluationResult(trained_run.id, 4, "dcgan", "digits", stored, 300, 0, 1.5,
                                                   extractor="digits-cnn", extractor_accuracy=0.9,
                                                   extractor_test_images=359))
    panel.show_run(trained_run)
    assert panel.metric_rows() == [("FID [digits-cnn, 300]", "123.5"), ("precision [digits-cnn, 300]", "0.5")]
    assert "digits-cnn (test accuracy 90.0%" in panel.evaluation_info.text()
    # a stored evaluation means the extractor is cached: the neighbours are looked up right away
    qtbot.waitUntil(lambda: panel.neighbours.view is not None, timeout=60_000)

    panel.samples_spin.setValue(100)
    panel.evaluate_button.click()
    assert panel.busy and panel.busy_bar.isVisible() and not panel.evaluate_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    labels = [label for label, _ in panel.metric_rows()]
    assert "FID [digits-cnn, 100]" in labels and "KID [digits-cnn, 100]" in labels and "IS [digits-cnn, 100]" in labels
    assert panel.evaluation_combo.currentData() == 4 and panel.evaluation_combo.count() == 1  # same step: replaced
    assert len(panel.neighbours.image_labels) == 8 * 4  # 8 samples, each with 3 neighbours
    assert not panel.neighbours.image_labels[0].pixmap().isNull()
    assert "digits-cnn" in panel.neighbours.caption.text()


def test_errors_are_shown_not_raised(panel, trained_run, qtbot, tmp_path):
    bad = tmp_path / "not-inception.pth"
    bad.write_bytes(b"not a weights file")
    panel.show_run(trained_run)
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)
    panel.inception_edit.setText(str(bad))
    panel.samples_spin.setValue(50)
    panel.evaluate_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)
    assert panel.error_label.isVisible() and "not-inception.pth" in panel.error_label.text()
    assert panel.evaluate_button.isEnabled()


def test_main_window_has_the_tab(window, trained_run):
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Evaluate" in tabs
    window.runs_panel.refresh()
    window.runs_panel.select_run(trained_run.id)
    assert window.evaluate_panel.run is not None and window.evaluate_panel.run.id == trained_run.id
    assert window.evaluate_panel.evaluate_button.isEnabled()
