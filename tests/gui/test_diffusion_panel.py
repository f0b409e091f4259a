"""The Diffusion tab in the real window with a tiny trained ddpm run: inversion (input | noise | reconstruction),
interpolation frames, the guidance grid and the step sweep's FID with the extractor named; another kind of run
is refused with a message, an unconditional run has no guidance controls, and a broken image file is a message in
the tab, never a traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("one_torch_thread")
WAIT_MS = 120_000


@pytest.fixture
def ddpm_run(tiny_run, workspace):
    """A tiny conditional ddpm run on 8×8 digits, and the digits classifier cached in the workspace (few steps)."""
    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier

    dataset_classifier(build_dataset(DataConfig(name="digits", image_size=8, batch_size=16, channels=1)),
                       workspace.root, steps=25, batch_size=32)
    return tiny_run("ddpm", steps=4, timesteps=20, sample_steps=3, channels=8, ema_decay=0.9)


def open_tab(window, qtbot, run):
    window.runs_panel.refresh()
    window.runs_panel.select_run(run.id)
    panel = window.diffusion_panel
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Diffusion" in titles
    window.tabs.setCurrentWidget(panel)
    return panel


def loaded(window, qtbot, run):
    panel = open_tab(window, qtbot, run)
    qtbot.waitUntil(lambda: panel.model is not None and not panel.busy, timeout=WAIT_MS)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    return panel


def test_the_diffusion_tab_inverts_interpolates_sweeps_and_guides(window, qtbot, ddpm_run):
    panel = loaded(window, qtbot, ddpm_run)
    assert panel.stack.currentWidget() is panel.tools and "DDPM" in panel.title.text()

    inversion = panel.inversion  # the first dataset image is inverted when loaded
    assert inversion.strip.count() > 0
    qtbot.waitUntil(lambda: len(inversion.views.image_labels) == 3 and not panel.busy, timeout=WAIT_MS)
    assert "PSNR" in inversion.summary.text() and "std" in inversion.summary.text()
    inversion.steps_spin.setValue(3)
    inversion.invert_button.click()
    qtbot.waitUntil(lambda: inversion.result is not None and inversion.result.steps == 3 and not panel.busy,
                    timeout=WAIT_MS)
    inversion.a_button.click()

    panel.show_tool("Interpolation")
    interpolation = panel.interpolation
    assert interpolation.a.uses_inverted() and not interpolation.b.uses_inverted()
    interpolation.frames_spin.setValue(5)
    interpolation.run_button.click()
    qtbot.waitUntil(lambda: interpolation.frames_shown == 5 and not panel.busy, timeout=WAIT_MS)
    assert len(interpolation.strip.image_labels) == 5 and "slerp" in interpolation.summary.text()
    assert not interpolation.class_note.isVisible()  # inverted without a class, sampled without one
    interpolation.class_combo.setCurrentIndex(interpolation.class_combo.findData(3))
    assert interpolation.class_note.isVisible() and "not be its reconstruction" in interpolation.class_note.text()

    panel.show_tool("Guidance")
    guidance = panel.guidance
    assert guidance.controls.isVisible()
    guidance.scales_edit.setText("0, 4")
    guidance.steps_spin.setValue(2)
    guidance.run_button.click()
    qtbot.waitUntil(lambda: guidance.rows_shown == 10 and not panel.busy, timeout=WAIT_MS)
    assert guidance.columns_shown == 2 and len(guidance.grid.image_labels) == 20
    guidance.live_slider.setValue(35)  # live: the ticked classes again at w = 3.5 (the newest position wins)
    assert guidance.live_value.text() == "w = 3.5"
    qtbot.waitUntil(lambda: len(guidance.live_strip.image_labels) == 10 and not panel.busy, timeout=WAIT_MS)
    guidance.scales_edit.setText("0, much")
    guidance.run_button.click()
    assert "much" in panel.error_label.text()

    panel.show_tool("Step sweep")
    sweep = panel.step_sweep
    sweep.steps_edit.setText("1, 3")
    sweep.samples_spin.setValue(16)
    sweep.run_button.click()
    assert sweep.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: sweep.result is not None and not panel.busy, timeout=WAIT_MS)
    assert sweep.table.rowCount() == 2 and [p.steps for p in sweep.result.points] == [1, 3]
    assert "FID (digits-cnn features, 16 samples)" in sweep.title.text()
    assert "digits-cnn" in sweep.summary.text() and sweep.table.item(0, 1).text()
    assert not panel.error_label.isVisible(), panel.error_label.text()
    assert not window.error_reporter.errors


def test_a_broken_image_file_is_a_message_not_a_traceback(window, qtbot, ddpm_run, tmp_path):
    panel = loaded(window, qtbot, ddpm_run)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    panel.inversion.open_file(broken)
    qtbot.waitUntil(lambda: panel.error_label.isVisible() and not panel.busy, timeout=WAIT_MS)
    text = panel.error_label.text()
    assert "broken.png" in text and "Traceback" not in text and "Error:" not in text
    assert not window.error_reporter.errors


def test_another_kind_of_run_is_told_it_needs_a_diffusion_run(window, qtbot, tiny_run):
    panel = open_tab(window, qtbot, tiny_run("vae", steps=2, latent_dim=4))
    assert "Not a diffusion run" in panel.placeholder.text() and "DDPM" in panel.placeholder.text()
    assert panel.stack.currentWidget() is panel.placeholder and panel.model is None


def test_an_unconditional_run_says_guidance_needs_classes(window, qtbot, tiny_run):
    run = tiny_run("ddpm", steps=2, timesteps=20, sample_steps=3, channels=8, conditional="no", name="plain")
    panel = loaded(window, qtbot, run)
    panel.show_tool("Guidance")
    assert panel.guidance.unconditional.isVisible() and not panel.guidance.controls.isVisible()
    assert "class-conditional" in panel.guidance.unconditional.text()
    assert not panel.interpolation.class_combo.isVisible()
