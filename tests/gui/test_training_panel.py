"""The Training panel end to end inside one process: real training threads, real run store, offscreen Qt."""

from __future__ import annotations

import subprocess
import sys
import time

from PySide6.QtWidgets import QMessageBox

from workbench.runs import Run

WAIT_MS = 120_000


def _step(panel) -> int:
    event = panel.worker.latest_step
    return 0 if event is None else event.step


def test_start_shows_curves_samples_and_status(window, qtbot, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "dcgan", steps=20)
    with qtbot.waitSignal(panel.run_created, timeout=10_000):
        panel.start_button.click()
    qtbot.waitUntil(lambda: panel.run is not None and panel.run.info().status == "finished", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_g") == 20 and panel.samples_view.steps()[-1] == 20,
                    timeout=10_000)  # a step's curves and its samples may come in consecutive batches
    assert set(panel.loss_plot.series_names()) == {"loss_d", "loss_g"}
    assert {"d_real", "d_fake"} <= set(panel.diagnostics_plot.series_names())
    assert {"grad_norm_d", "grad_norm_g"} <= set(panel.gradient_plot.series_names())
    assert panel.samples_view.steps() == [0, 5, 10, 15, 20]
    assert panel.samples_view.current_image() is not None
    assert "real" in panel.visual_views
    assert window.runs_panel.selected_run_id() == panel.run.id
    assert "step 20 / 20" in window.status_labels["step"].text()
    assert "cpu" in window.status_labels["device"].text()


def test_vae_shows_reconstructions_and_kl(window, qtbot, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "vae", steps=10)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.run is not None and panel.run.info().status == "finished", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("kl") == 10, timeout=10_000)
    assert {"loss", "reconstruction", "kl"} <= set(panel.loss_plot.series_names())
    assert "reconstruction" in panel.visual_views
    assert panel.visual_views["reconstruction"].steps()


def test_invalid_value_names_field_and_range(window, qtbot, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "dcgan")
    panel.train_form.set_value("steps", 0)
    panel.start_button.click()
    assert "train.steps" in panel.error_label.text()
    assert "[1," in panel.error_label.text()
    panel._method_form.set_value("lr_g", "fast")
    panel.train_form.set_value("steps", 5)
    panel.start_button.click()
    assert "method.lr_g must be a number" in panel.error_label.text()
    assert window.workspace.runs() == []


def test_pause_step_resume_stop(window, qtbot, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "dcgan", steps=100_000, checkpoint_every=100_000)
    panel.start_button.click()
    qtbot.waitUntil(lambda: _step(panel) >= 3, timeout=WAIT_MS)
    panel.pause_button.click()
    assert panel.worker.is_paused and panel.step_button.isEnabled()
    paused_at = _step(panel)
    qtbot.wait(300)
    paused_at = _step(panel)  # at most one iteration was in flight when Pause was pressed
    qtbot.wait(300)
    assert _step(panel) == paused_at
    panel.step_button.click()
    qtbot.waitUntil(lambda: _step(panel) == paused_at + 1, timeout=10_000)
    qtbot.wait(400)
    assert _step(panel) == paused_at + 1, "Step must run exactly one iteration"
    panel.resume_button.click()
    qtbot.waitUntil(lambda: _step(panel) >= paused_at + 4, timeout=WAIT_MS)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: not panel.worker.is_alive, timeout=WAIT_MS)
    stopped_at = _step(panel)
    run = panel.run
    assert run.info().status == "stopped"
    assert run.latest_checkpoint_step() == stopped_at


def test_exception_in_step_is_reported_and_app_stays_usable(window, qtbot, fill_tiny, monkeypatch):
    from workbench.methods.dcgan.method import DCGAN

    original = DCGAN.train_step
    calls = {"n": 0}

    def failing_step(self, batch):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("simulated failure inside a training step")
        return original(self, batch)

    monkeypatch.setattr(DCGAN, "train_step", failing_step)
    panel = window.training_panel
    fill_tiny(panel, "dcgan", steps=50, checkpoint_every=2)
    with qtbot.waitSignal(panel.error_occurred, timeout=WAIT_MS) as blocker:
        panel.start_button.click()
    assert "simulated failure" in blocker.args[0]
    assert "Traceback" in blocker.args[1]
    run = panel.run
    assert run.info().status == "failed"
    assert "simulated failure" in run.info().error
    assert run.latest_checkpoint_step() == 2
    assert "simulated failure" in panel.error_label.text()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "training-error-dialog") is not None, timeout=5_000)
    # still usable: the failed run resumes from its checkpoint and finishes
    monkeypatch.setattr(DCGAN, "train_step", original)
    panel.resume_button.click()
    qtbot.waitUntil(lambda: run.info().status == "finished", timeout=WAIT_MS)
    assert run.info().step == 50


def test_close_reopen_resume_continues_step_counter(qtbot, workspace, fill_tiny):
    from workbench.gui.main_window import MainWindow

    first = MainWindow(workspace)
    qtbot.addWidget(first)
    panel = first.training_panel
    fill_tiny(panel, "dcgan", steps=40, checkpoint_every=1000)
    panel.start_button.click()
    qtbot.waitUntil(lambda: _step(panel) >= 5, timeout=WAIT_MS)
    run_id = panel.run.id
    first.close()  # stops training: one iteration + one checkpoint
    run = Run(workspace.runs_dir / run_id)
    stopped_at = run.latest_checkpoint_step()
    assert run.info().status == "stopped" and stopped_at >= 5

    second = MainWindow(workspace)
    qtbot.addWidget(second)
    second.runs_panel.select_run(run_id)
    panel2 = second.training_panel
    assert panel2.run.id == run_id and panel2.resume_button.isEnabled()
    panel2.resume_button.click()
    qtbot.waitUntil(lambda: run.info().status == "finished", timeout=WAIT_MS)
    steps = run.metrics_reader().read_new_scalars()["loss_d"][:, 0]
    assert list(steps) == list(range(1, 41)), "resumed steps continue the counter without gaps or repeats"
    second.training_panel.shutdown()


def test_run_trained_by_another_process_is_watched_live(window, qtbot, workspace):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings

    cfg = RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8),
                    DataConfig(image_size=8, batch_size=16),
                    TrainConfig(steps=400, sample_every=50, checkpoint_every=1000))
    run = workspace.create_run(cfg)
    code = ("import sys; from workbench.runs import Run; from workbench.training.runner import run_training;"
            "[None for _ in run_training(Run(sys.argv[1]))]")
    proc = subprocess.Popen([sys.executable, "-c", code, str(run.path)])
    try:
        qtbot.waitUntil(lambda: run.info().status == "running", timeout=WAIT_MS)
        window.runs_panel.refresh()
        window.runs_panel.select_run(run.id)
        panel = window.training_panel
        assert panel.run.id == run.id
        qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") > 0, timeout=WAIT_MS)
        seen = panel.loss_plot.point_count("loss_d")
        qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") > seen, timeout=WAIT_MS)
        panel.poll()
        banner = panel.run_banner.text()
        if run.info().status == "running":  # still running after the poll, so it was running at the poll too
            assert "another process" in banner, banner
        assert not panel.pause_button.isEnabled(), "a run trained elsewhere can be watched, not controlled"
    finally:
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            qtbot.wait(200)
        proc.kill()
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") == 400 and panel.samples_view.steps()[-1] == 400,
                    timeout=WAIT_MS)


def test_unavailable_devices_are_greyed_out(window, qtbot):
    panel = window.training_panel
    qtbot.waitUntil(lambda: panel.available_devices is not None, timeout=60_000)
    combo = panel.train_form.editor("device")
    for row in range(combo.count()):
        name = combo.itemData(row)
        assert combo.model().item(row).isEnabled() == (name in panel.available_devices)
    assert "cpu" in panel.available_devices


def test_data_form_shows_only_the_settings_the_dataset_uses(window):
    panel = window.training_panel
    form = panel.data_form

    def choose(method: str, dataset: str | None = None) -> None:
        panel.method_combo.setCurrentIndex(panel.method_combo.findData(method))
        if dataset is not None:
            panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData(dataset))

    visible = lambda: {name for name in ("root", "direction", "scale") if form.is_field_visible(name)}  # noqa: E731
    choose("dcgan", "digits")
    assert visible() == set()
    choose("srresnet")  # moves to the first super-resolution dataset
    assert panel.dataset_combo.currentData() == "sr-photos" and visible() == {"scale"}
    choose("srresnet", "sr-folder")
    assert visible() == {"root", "scale"}
    choose("pix2pix", "edges2photos")
    assert visible() == {"direction"}
    form.set_value("direction", "BtoA")  # a hidden field keeps its value and is still built
    choose("pix2pix", "pix2pix-folder")
    assert visible() == {"root", "direction"}
    choose("dcgan", "digits")
    assert panel.build_config().data.direction == "BtoA"


def test_evaluation_scalars_stay_out_of_the_training_curves(window, qtbot, workspace):
    from workbench.config import RunConfig
    from workbench.methods.dcgan import DCGANSettings

    run = workspace.create_run(RunConfig(DCGANSettings()))
    writer = run.metrics_writer()
    writer.add_scalars(1, 0.0, {"loss_d": 1.0, "d_real": 0.5, "eval/FID [digits-cnn, 2k]": 80.0})
    writer.close()
    window.runs_panel.select_run(run.id)
    panel = window.training_panel
    assert panel.loss_plot.point_count("loss_d") == 1
    assert panel.diagnostics_plot.series_names() == ["d_real"]


def _tiny_config(steps: int, checkpoint_every: int):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings

    return RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), DataConfig(image_size=8, batch_size=16),
                     TrainConfig(steps=steps, sample_every=5, checkpoint_every=checkpoint_every, sample_count=16))


def _interrupted_run(workspace, name: str, at: int):
    """A run whose trainer went away at step `at`, after its checkpoint at step 4: steps 5..at are on record."""
    from workbench.runs.events import StepEvent
    from workbench.training.runner import run_training

    run = workspace.create_run(_tiny_config(steps=12, checkpoint_every=4), name=name)
    events = run_training(run)
    for event in events:
        if isinstance(event, StepEvent) and event.step == at:
            break
    events.close()
    assert run.info().status == "interrupted" and run.latest_checkpoint_step() == 4
    return run


def _plotted_steps(panel, tag: str = "loss_d") -> list[int]:
    return [int(s) for s in panel.loss_plot.data(tag)[0]] if panel.loss_plot.point_count(tag) else []


def test_the_run_trained_here_keeps_its_view_while_another_run_is_shown(window, qtbot, fill_tiny, workspace):
    other = _interrupted_run(workspace, "other", at=6)
    panel = window.training_panel
    fill_tiny(panel, "dcgan", steps=100_000, checkpoint_every=100_000)
    panel.start_button.click()
    ours, view = panel.run, panel.view
    qtbot.waitUntil(lambda: _step(panel) >= 5, timeout=WAIT_MS)
    window.runs_panel.select_run(other.id)
    assert panel.run.id == other.id and panel.view is not view
    assert _plotted_steps(panel) == list(range(1, 7))
    assert not any(b.isEnabled() for b in (panel.pause_button, panel.resume_button, panel.step_button)), \
        "one run trains in a window at a time, and this one is not it"
    at = _step(panel)
    qtbot.waitUntil(lambda: _step(panel) >= at + 5, timeout=WAIT_MS)  # ours goes on while it is not shown
    window.runs_panel.select_run(ours.id)
    assert panel.view is view and panel.pause_button.isEnabled()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: not panel.worker.is_alive, timeout=WAIT_MS)
    stopped_at = ours.latest_checkpoint_step()
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") == stopped_at, timeout=10_000)
    assert _plotted_steps(panel) == list(range(1, stopped_at + 1)), "every step once, none lost while hidden"
    assert panel.view.alerts.item(panel.view.alerts.count() - 1).text() == f"Run stopped at step {stopped_at}."


def test_resuming_an_interrupted_run_here_redraws_the_replayed_steps_once(window, qtbot, workspace):
    run = _interrupted_run(workspace, "crashed", at=7)
    window.runs_panel.select_run(run.id)
    panel = window.training_panel
    assert _plotted_steps(panel) == list(range(1, 8))
    panel.resume_button.click()  # replays steps 5..7 from the checkpoint at 4
    qtbot.waitUntil(lambda: run.info().status == "finished", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") >= 12, timeout=10_000)
    assert _plotted_steps(panel) == list(range(1, 13))
    assert panel.samples_view.steps() == [0, 5, 10, 12]


def test_a_run_resumed_by_another_process_is_redrawn_from_its_checkpoint(window, qtbot, workspace):
    run = _interrupted_run(workspace, "elsewhere", at=7)
    window.runs_panel.select_run(run.id)
    panel = window.training_panel
    assert _plotted_steps(panel) == list(range(1, 8)) and panel.resume_button.isEnabled()
    code = ("import sys; from workbench.runs import Run; from workbench.training.runner import run_training;"
            "[None for _ in run_training(Run(sys.argv[1]))]")
    subprocess.run([sys.executable, "-c", code, str(run.path)], check=True, timeout=WAIT_MS / 1000)
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_d") >= 12 and panel.view.progress.end is not None,
                    timeout=10_000)
    assert _plotted_steps(panel) == list(range(1, 13)), "the replayed steps are drawn once"
    qtbot.waitUntil(lambda: "finished" in panel.run_banner.text(), timeout=5_000)
    assert not panel.resume_button.isEnabled()
