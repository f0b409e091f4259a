"""The Latent panel end to end on tiny trained runs: load, pin, interpolate, sliders, traversal, arithmetic,
export, inversion, dropped files, and the main window's wiring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

LOAD_TIMEOUT = 60_000


@pytest.fixture
def panel(latent_panel):
    return latent_panel


def load(panel, qtbot, run) -> None:
    panel.show_run(run)
    qtbot.waitUntil(lambda: panel.session.space is not None and not panel.session.loading, timeout=LOAD_TIMEOUT)
    assert not panel.error_label.isVisible(), panel.error_label.text()


def wait_idle(panel, qtbot) -> None:
    qtbot.waitUntil(lambda: not panel.session.busy, timeout=LOAD_TIMEOUT)


def pixels(label) -> np.ndarray:
    image = label.pixmap().toImage()
    return np.array([image.pixel(x, y) for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)])


def test_placeholder_without_run_and_without_checkpoint(panel, workspace):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class

    assert panel.stack.currentWidget() is panel.placeholder
    assert "No run loaded" in panel.placeholder.text()
    assert not panel.load_button.isEnabled() and not panel.sources.pin_prior_button.isEnabled()
    config = RunConfig(method_settings_class("vae")(latent_dim=4, channels=8), DataConfig(name="digits", image_size=8),
                       TrainConfig(steps=4))
    panel.show_run(workspace.create_run(config, name="untrained"))
    assert "No checkpoint yet" in panel.placeholder.text() and not panel.load_button.isEnabled()
    # checkpoint files that cannot be loaded are named, not passed off as "no checkpoint yet"
    import torch

    from workbench.runs.checkpoint_files import checkpoint_files
    from workbench.training.checkpoints import save_checkpoint

    damaged = workspace.create_run(config, name="damaged")
    save_checkpoint(damaged.checkpoints_dir, 2, {"w": torch.zeros(3), "step": 2})
    tensors = checkpoint_files(damaged.checkpoints_dir, 2).tensors
    tensors.write_bytes(tensors.read_bytes()[:-4])
    panel.show_run(damaged)
    text = panel.placeholder.text()
    assert "No usable checkpoint" in text and "step 2: 0000000002.safetensors has" in text
    assert "no complete checkpoint" in panel.title.text() and not panel.load_button.isEnabled()


def test_vae_pin_interpolate_export_sliders_traversal_arithmetic(panel, qtbot, tiny_run, tmp_path):
    run = tiny_run("vae", steps=4, latent_dim=4)
    load(panel, qtbot, run)
    assert panel.stack.currentWidget() is not panel.placeholder
    assert "4-D latent" in panel.title.text() and "encoder" in panel.title.text()

    # two seeded prior samples; the same seed gives the same code
    panel.sources.seed_spin.setValue(7)
    panel.sources.pin_prior_button.click()
    panel.sources.pin_prior_button.click()  # the seed stepped to 8
    session = panel.session
    assert [p.source for p in session.pins] == ["prior", "prior"]
    assert "7" in session.pins[0].name and "8" in session.pins[1].name
    assert panel.pinned.list.count() == 2
    panel.sources.pin_prior(7)
    assert np.allclose(session.pins[2].z.numpy(), session.pins[0].z.numpy())
    session.remove_pins([2])
    assert (Path(run.path) / "latent").is_dir()  # saved automatically

    # interpolation: the first two pins are checked by default; 5 steps → a strip of 5
    tool = panel.tool("Interpolation")
    assert [p.name for p in tool.chosen()] == [p.name for p in session.pins]
    tool.steps_spin.setValue(5)
    tool.interpolate_button.click()
    qtbot.waitUntil(lambda: tool.frames is not None, timeout=LOAD_TIMEOUT)
    assert len(tool.strip.image_labels) == 5 and tool.frames.shape[0] == 5
    first = tool.frames_uint8[0]
    assert np.array_equal(first, session.thumbnail(session.pins[0]))  # the strip starts at the first pin
    tool.play_button.click()
    assert tool.playing
    qtbot.waitUntil(lambda: tool.frame != 0, timeout=5000)
    tool.play_button.click()
    assert not tool.playing
    gif = tool.export("gif", tmp_path / "path.gif")
    import imageio.v2 as imageio

    frames = imageio.mimread(gif)
    assert gif.exists() and len(frames) == 5 + 3  # bounce: forward, then back without repeating the ends
    tool.bounce_box.setChecked(False)
    assert len(imageio.mimread(tool.export("gif", tmp_path / "once.gif"))) == 5
    assert tool.export("png", tmp_path / "strip.png").exists()
    assert len(imageio.mimread(tool.export("mp4", tmp_path / "path.mp4"))) == 5

    # sliders: moving one dimension changes the decoded image; the edited code can be pinned
    sliders = panel.tool("Sliders")
    sliders.start_pin.setCurrentIndex(0)
    assert len(sliders.dim_sliders) == 4 and sliders.image is not None
    before = sliders.image.copy()
    sliders.dim_sliders[0].setValue(sliders.dim_sliders[0].value() + 3.0)
    sliders.wait_until_idle()
    assert not np.array_equal(before, sliders.image)
    assert "decoded in" in sliders.timing_label.text()
    sliders.pin_button.click()
    assert session.pins[-1].source == "edited" and "z0" in session.pins[-1].detail

    # traversal: rows = dimensions ordered by KL, columns −k..+k
    traversal = panel.tool("Traversal")
    traversal.center.setCurrentIndex(0)
    assert traversal.order_combo.currentData() == "kl"
    traversal.max_rows.setValue(3)
    traversal.columns_spin.setValue(5)
    traversal.show_button.click()
    qtbot.waitUntil(lambda: traversal.images is not None, timeout=LOAD_TIMEOUT)
    assert len(traversal.grid.image_labels) == 15 and "KL" in traversal.rows[0]

    # arithmetic: A − B + C shows the three terms and the result
    arithmetic = panel.tool("Arithmetic")
    for term, index in zip("ABC", (0, 1, 2), strict=True):
        arithmetic.term_lists[term].set_checked([index])
    arithmetic.compute_button.click()
    assert len(arithmetic.grid.image_labels) == 4
    expected = session.pins[0].z - session.pins[1].z + session.pins[2].z
    assert np.allclose(arithmetic.result.result.numpy(), expected.numpy(), atol=1e-6)
    arithmetic.pin_result_button.click()
    assert session.pins[-1].source == "arithmetic"

    # class arithmetic on digits: class means from encoded images, the code moved to each of 10 classes
    arithmetic.samples_spin.setValue(200)
    arithmetic.means_button.click()
    qtbot.waitUntil(lambda: arithmetic.class_means is not None, timeout=LOAD_TIMEOUT)
    assert len(arithmetic.class_grid.image_labels) == 10


def test_dataset_browser_drop_and_saved_pins(panel, qtbot, tiny_run, tmp_path, workspace):
    from PIL import Image

    run = tiny_run("vae", steps=4, latent_dim=4)
    load(panel, qtbot, run)
    panel.sources.dataset_button.click()
    browser = panel.sources.browser
    qtbot.waitUntil(lambda: browser.list.count() > 0, timeout=LOAD_TIMEOUT)
    assert "1,797 images" in browser.info.text()
    browser.select([0, 3])
    browser.pin_button.click()
    assert [p.source for p in panel.session.pins] == ["encoded", "encoded"]
    assert panel.session.pins[1].name.endswith("#3")
    browser.close()

    # a broken file dropped on the panel: a clear message, nothing pinned, no crash
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    drop(panel, [broken])
    assert panel.error_label.isVisible() and "broken.png" in panel.error_label.text()
    assert len(panel.session.pins) == 2
    # a real image dropped on an encoder model is encoded and pinned
    good = tmp_path / "face.png"
    Image.fromarray(np.tile(np.arange(8, dtype=np.uint8) * 30, (8, 1))).save(good)
    drop(panel, [good])
    assert panel.session.pins[-1].source == "encoded" and "face.png" in panel.session.pins[-1].name

    # pins were saved automatically: a new panel on the same run loads them
    from workbench.gui.panels.latent.panel import LatentPanel

    again = LatentPanel(workspace)
    qtbot.addWidget(again)
    again.show()
    load(again, qtbot, run)
    assert [p.name for p in again.session.pins] == [p.name for p in panel.session.pins]
    assert again.pinned.list.count() == 3


def drop(panel, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(QPoint(10, 10)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)


def test_gan_inversion_reduces_loss_and_pins(panel, qtbot, tiny_run):
    run = tiny_run("dcgan", steps=4, latent_dim=8)
    load(panel, qtbot, run)
    assert not panel.sources.dataset_button.isEnabled()  # no encoder: browse → invert instead
    session = panel.session
    import torch

    with torch.no_grad():
        target = session.space.decode(session.space.prior(1, seed=123))
    dialog = panel.sources.open_inversion(target, "sample 123")
    dialog.steps_spin.setValue(40)
    dialog.restarts_spin.setValue(1)
    dialog.start_button.click()
    assert dialog.running
    qtbot.waitUntil(lambda: not dialog.running, timeout=LOAD_TIMEOUT)
    assert not dialog.error_label.isVisible(), dialog.error_label.text()
    assert len(dialog.losses) >= 2 and dialog.losses[-1] < dialog.losses[0]
    assert session.pins[-1].source == "inverted" and session.pins[-1].name == "inverted sample 123"
    assert "loss" in session.pins[-1].detail
    dialog.close()


def test_inversion_can_be_stopped(panel, qtbot, tiny_run):
    run = tiny_run("dcgan", steps=4, latent_dim=8)
    load(panel, qtbot, run)
    import torch

    target = torch.zeros(1, *panel.session.space.image_shape)
    dialog = panel.sources.open_inversion(target, "grey")
    dialog.steps_spin.setValue(100_000)
    dialog.restarts_spin.setValue(1)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: len(dialog.losses) > 0, timeout=LOAD_TIMEOUT)
    dialog.stop_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=LOAD_TIMEOUT)
    assert "stopped early" in panel.session.pins[-1].detail
    dialog.close()


def test_saved_direction_in_sliders_and_traversal(panel, qtbot, tiny_run):
    directions = pytest.importorskip("workbench.latent.directions")
    import torch

    run = tiny_run("vae", steps=4, latent_dim=4)
    vector = torch.tensor([1.0, 0.0, 0.0, 0.0])
    directions.save_directions(run, [directions.Direction("first", vector, "pca", "a test direction", 0.5)])
    load(panel, qtbot, run)
    panel.sources.pin_prior(3)
    sliders = panel.tool("Sliders")
    assert len(sliders.direction_sliders) == 1
    before = sliders.image.copy()
    base = sliders.edited_code().clone()
    sliders.direction_sliders[0].setValue(4.0)
    sliders.wait_until_idle()
    assert torch.allclose(sliders.edited_code(), base + 4.0 * vector)
    assert not np.array_equal(before, sliders.image)

    traversal = panel.tool("Traversal")
    traversal.rows_combo.setCurrentIndex(1)
    traversal.columns_spin.setValue(3)
    traversal.show_button.click()
    qtbot.waitUntil(lambda: traversal.images is not None, timeout=LOAD_TIMEOUT)
    assert len(traversal.grid.image_labels) == 3 and "first" in traversal.rows[0]


def test_main_window_latent_tab_loads_the_selected_run(window, qtbot, tiny_run):
    run = tiny_run("vae", steps=4, latent_dim=4)
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Latent" in tabs
    window.runs_panel.refresh()
    window.runs_panel.select_run(run.id)
    panel = window.latent_panel
    assert panel.run is not None and panel.run.id == run.id
    assert panel.session.space is None  # not loaded while another tab is shown
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.session.space is not None, timeout=LOAD_TIMEOUT)
    assert run.id in panel.title.text()


def test_generator_task_delivers_stops_and_fails(qtbot):
    import itertools
    import time

    from workbench.gui.workers import GeneratorTask

    received: list = []
    task = GeneratorTask(lambda: iter(range(5)))
    task.items.connect(received.extend)
    with qtbot.waitSignal(task.finished, timeout=5000) as finished:
        task.start()
    assert finished.args == ["finished"] and received == [0, 1, 2, 3, 4]

    closed = []

    def endless():
        try:
            for i in itertools.count():
                time.sleep(0.001)
                yield i
        finally:
            closed.append(True)  # the generator is closed when stopped

    task = GeneratorTask(endless)
    received.clear()
    task.items.connect(received.extend)
    task.start()
    qtbot.waitUntil(lambda: len(received) > 3, timeout=5000)
    with qtbot.waitSignal(task.finished, timeout=5000) as finished:
        task.stop()
    assert finished.args == ["stopped"] and closed == [True]

    def broken():
        yield 1
        raise RuntimeError("boom")

    task = GeneratorTask(broken)
    with qtbot.waitSignal(task.failed, timeout=5000) as failed:
        task.start()
    assert "boom" in failed.args[0] and "RuntimeError" in failed.args[1]


def test_conditional_gan_class_chooser_and_slow_decode_in_worker(panel, qtbot, tiny_run, monkeypatch):
    from workbench.gui.panels.latent import sliders_tool

    run = tiny_run("conditional_gan", steps=4, latent_dim=8)
    load(panel, qtbot, run)
    sources = panel.sources
    assert sources.class_combo.isVisibleTo(panel) and sources.class_combo.count() == 10
    sources.class_combo.setCurrentIndex(3)
    sources.pin_prior(5)
    sources.class_combo.setCurrentIndex(7)
    sources.pin_prior(5)
    pins = panel.session.pins
    assert [p.label for p in pins] == [3, 7] and "3" in pins[0].name
    assert not np.array_equal(panel.session.thumbnail(pins[0]), panel.session.thumbnail(pins[1]))  # class matters

    # pretend decoding is slow: after a few GUI-thread decodes the sliders hand values to the worker
    monkeypatch.setattr(sliders_tool, "FAST_MS", -1.0)
    sliders = panel.tool("Sliders")
    sliders.start_pin.setCurrentIndex(0)
    assert sliders.class_combo.currentIndex() == 3
    for value in (0.5, 1.0, 1.5):
        sliders.dim_sliders[1].setValue(value)
    assert sliders.worker_mode
    before = sliders.image.copy()
    for value in np.linspace(-3, 3, 20):  # a fast drag: intermediate values may be skipped
        sliders.dim_sliders[0].setValue(float(value))
    sliders.wait_until_idle()
    assert sliders._shown_seq == sliders._seq and not np.array_equal(before, sliders.image)
    qtbot.waitUntil(lambda: "worker thread" in sliders.timing_label.text(), timeout=2000)  # captions lag ≤ 150 ms
    expected = panel.session.decode(sliders.edited_code().reshape(1, -1), [3])[0]
    assert np.array_equal(sliders.image, expected)  # the last value wins


def test_a_run_without_latent_images_is_explained(panel, qtbot, tiny_run):
    run = tiny_run("toy_gan", data="gaussians2d-ring", steps=2)
    panel.show_run(run)
    qtbot.waitUntil(lambda: not panel.session.loading, timeout=LOAD_TIMEOUT)
    assert panel.session.space is None and panel.error_label.isVisible()
    assert "Could not load" in panel.placeholder.text() and panel.stack.currentWidget() is panel.placeholder
    assert panel.load_button.isEnabled()  # try again after fixing / training more
