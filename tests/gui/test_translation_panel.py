"""The Translate panel on tiny trained runs: load, translate held-out examples, the difference map, CycleGAN's
direction switch and reverse row, image files (a corrupt one included), folder translation with progress and
a skipped file, the messages for runs that do not translate, "Compare with" (another run's translation beside the
loaded run's) and the label-map painter (brush, class palette, undo, reset)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

TIMEOUT = 60_000
TINY = {"image_size": 16, "steps": 2, "batch_size": 2, "d_layers": 2}


@pytest.fixture
def panel(qtbot, workspace):
    from workbench.gui.panels.translation.panel import TranslationPanel

    widget = TranslationPanel(workspace)
    qtbot.addWidget(widget)
    widget.resize(1300, 850)
    widget.show()
    yield widget
    widget.shutdown(timeout=60)


def load(panel, qtbot, run) -> None:
    panel.show_run(run)
    qtbot.waitUntil(lambda: panel.model is not None and not panel.busy, timeout=TIMEOUT)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    qtbot.waitUntil(lambda: bool(panel.rows), timeout=TIMEOUT)  # the first example is translated on load


def wait_idle(panel, qtbot) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT)


def shown(view) -> bool:
    """The labelled view is visible and paints an image (not a hint text)."""
    pixmap = view.view.pixmap()
    return view.isVisible() and pixmap is not None and not pixmap.isNull() and pixmap.width() >= 16


def test_placeholders_for_no_run_other_methods_and_untrained_runs(panel, tiny_run, workspace):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class

    assert panel.stack.currentWidget() is panel.placeholder and "No run loaded" in panel.placeholder.text()
    assert not panel.reload_button.isEnabled()
    panel.show_run(tiny_run("vae", steps=2))
    assert "Not a translation run" in panel.placeholder.text()
    assert panel.error_label.isVisible() and f"select a {panel.choices()} run" in panel.error_label.text()
    assert "Pix2Pix" in panel.choices() and "CycleGAN" in panel.choices()
    assert panel.model is None and not panel.reload_button.isEnabled()
    settings = method_settings_class("pix2pix")(g_channels=8, d_channels=8, d_layers=2)
    config = RunConfig(settings, DataConfig(name="edges2photos", image_size=16, channels=3), TrainConfig(steps=2))
    panel.show_run(workspace.create_run(config, name="untrained"))
    assert "No checkpoint yet" in panel.placeholder.text() and not panel.error_label.isVisible()


def test_pix2pix_examples_difference_files_and_batch(panel, qtbot, tiny_run, tmp_path):
    run = tiny_run("pix2pix", data="edges2photos", **TINY)
    load(panel, qtbot, run)
    title = panel.title.text()
    assert run.id in title and "Pix2Pix on edges2photos" in title and "edges → photos" in title and "step 2" in title
    assert panel.stack.currentWidget() is panel.content
    assert panel.strip.list.count() == 8 and "held-out (test) split" in panel.strip.info.text()
    assert not panel.direction_combo.isEnabled() and panel.direction_combo.count() == 1
    assert not panel.reverse_row.isVisible()

    # the first held-out example: input, translation and ground truth shown, no reconstruction for Pix2Pix
    row = panel.forward_row
    assert shown(row.input_view) and shown(row.translation_view) and shown(row.truth_view)
    assert not row.reconstruction_view.isVisible() and not row.difference_view.isVisible()
    assert "edges" in row.input_view.title.text() and "photos" in row.translation_view.title.text()
    assert row.input_view.view.zoom >= 2  # enlarged by a whole number, nearest neighbour

    # a different example gives a different input
    first = panel.rows[0].input.copy()
    panel.strip.select(3)
    qtbot.waitUntil(lambda: not np.array_equal(panel.rows[0].input, first), timeout=TIMEOUT)

    # the difference toggle: |translation − ground truth| with its colour scale
    panel.difference_box.setChecked(True)
    assert shown(row.difference_view) and row.difference_view.colour_bar.isVisible()
    assert "ground truth" in row.difference_view.title.text() and "mean" in row.difference_view.stats
    assert f"|translation − ground truth|: {row.difference_view.stats}" in row.title()
    assert row.difference_view.view.zoom == row.input_view.view.zoom  # the whole row at one zoom
    assert row.difference_view.values.shape == (16, 16)
    assert row.difference_view.colour_bar.maximum >= float(row.difference_view.values.max())
    panel.difference_box.setChecked(False)
    assert not row.difference_view.isVisible()

    # paging through the held-out split
    panel.strip.next_button.click()
    qtbot.waitUntil(lambda: panel.strip.start == 8, timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    assert panel.strip.items[0].name == "test #8"

    # image files: a good one is added and translated, a corrupt one is reported in red, nothing dies
    good, broken = tmp_path / "mine.png", tmp_path / "broken.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)).save(good)
    broken.write_bytes(b"not an image")
    drop(panel, [good, broken])
    qtbot.waitUntil(lambda: panel.strip.current() is not None and panel.strip.current().name == "mine.png",
                    timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    assert panel.error_label.isVisible() and "broken.png" in panel.error_label.text()
    assert shown(row.input_view) and shown(row.translation_view) and not row.truth_view.isVisible()
    panel.difference_box.setChecked(True)
    assert not row.difference_view.isVisible() and "no ground truth" in row.note.text()
    panel.clear_error()

    # batch: a folder the test writes, one bad file; progress runs to the end and the summary lists the skip
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for i in range(4):
        Image.fromarray(np.full((16, 16, 3), 40 * i, np.uint8)).save(source / f"img{i}.png")
    (source / "bad.jpg").write_bytes(b"broken")
    batch = panel.batch
    batch.source_edit.setText(str(source))
    batch.output_edit.setText(str(source))
    batch.run_button.click()  # the source as output is refused
    assert not batch.running and "output folder is the source folder" in panel.error_label.text()
    batch.output_edit.setText(str(out))
    batch.run_button.click()
    assert batch.running and batch.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not batch.running, timeout=TIMEOUT)
    assert batch.outcome == "finished"
    assert batch.progress_bar.value() == batch.progress_bar.maximum() == 5
    assert sorted(p.name for p in out.iterdir()) == [f"img{i}.png" for i in range(4)]
    assert "Wrote 4 of 5 files; skipped 1" in batch.summary.text() and "bad.jpg" in batch.summary.text()
    assert "bad.jpg" in panel.error_label.text()


def test_cyclegan_directions_reverse_row_and_cancelled_batch(panel, qtbot, tiny_run, tmp_path):
    run = tiny_run("cyclegan", data="photo2stylized", residual_blocks=1, **TINY)
    load(panel, qtbot, run)
    assert panel.direction_combo.isEnabled() and panel.direction_combo.count() == 2
    assert "photo → stylized" in panel.direction_combo.itemText(0)
    forward, reverse = panel.forward_row, panel.reverse_row
    assert shown(forward.reconstruction_view) and not forward.truth_view.isVisible()
    assert reverse.isVisible() and shown(reverse.input_view) and shown(reverse.reconstruction_view)
    assert panel.rows[0].direction == "AtoB" and panel.rows[1].direction == "BtoA"
    assert "stylized" in reverse.input_view.title.text()

    # difference without ground truth: |reconstruction − input|, in both rows
    panel.difference_box.setChecked(True)
    assert shown(forward.difference_view) and "reconstruction − input" in forward.difference_view.title.text()
    assert shown(reverse.difference_view)

    # B→A: the example's stylized image is the input now; the rows swap
    a_input = panel.rows[0].input.copy()
    panel.set_direction("BtoA")
    qtbot.waitUntil(lambda: panel.rows[0].direction == "BtoA", timeout=TIMEOUT)
    assert np.array_equal(panel.rows[1].input, a_input) and "stylized → photo" in forward.title()
    assert "Input · stylized" in forward.input_view.title.text()

    # a cancelled batch stops early and says so
    source = tmp_path / "in"
    source.mkdir()
    for i in range(40):
        Image.fromarray(np.full((16, 16, 3), i * 6, np.uint8)).save(source / f"{i:02d}.png")
    panel.batch.source_edit.setText(str(source))
    panel.batch.output_edit.setText(str(tmp_path / "out"))
    panel.batch.run_button.click()
    panel.batch.cancel()
    qtbot.waitUntil(lambda: not panel.batch.running, timeout=TIMEOUT)
    assert panel.batch.outcome == "stopped" and "Cancelled" in panel.batch.summary.text()
    assert len(list((tmp_path / "out").iterdir())) < 40


def drop(panel, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(QPoint(10, 10)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)


def test_the_panel_builds_and_takes_a_run_without_importing_torch(tmp_path):
    """The window builds every panel at start-up: the model is imported only when the tab loads a run."""
    import os
    import subprocess
    import sys

    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "from workbench.runs import Workspace; "
            "from workbench.gui.panels.translation.panel import TranslationPanel; "
            f"panel = TranslationPanel(Workspace({str(tmp_path)!r})); panel.show_run(None); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr


def test_compare_with_lists_runs_on_the_same_data_and_shows_their_translation(panel, qtbot, tiny_run):
    first = tiny_run("pix2pix", data="edges2photos", name="p2p-a", **TINY)
    second = tiny_run("pix2pix", data="edges2photos", name="p2p-b", **TINY)
    tiny_run("pix2pix", data="gray2color", name="p2p-gray", **TINY)  # other data: not offered
    tiny_run("vae", steps=2)  # not a translation run: not offered
    load(panel, qtbot, first)
    choice = panel.partner_choice
    assert [choice.itemText(i) for i in range(choice.count())] == ["nothing (this run only)", f"Pix2Pix · {second.id}"]
    assert not panel.forward_row.comparison_view.isVisible()

    panel.compare_with(second)
    qtbot.waitUntil(lambda: panel.partner is not None and panel.rows and panel.rows[0].comparison is not None,
                    timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    view = panel.forward_row.comparison_view
    assert view.isVisible() and second.id in view.title.text()
    assert first.id in panel.forward_row.translation_view.title.text()
    # The comparison is the second run's own translation of the same input.
    import torch

    from workbench.translation.images import to_uint8
    from workbench.translation.model import TranslationModel

    item = panel.strip.current()
    expected = to_uint8(TranslationModel.from_run(second).translate(torch.from_numpy(item.a).unsqueeze(0)))[0]
    assert np.array_equal(panel.rows[0].comparison, expected)

    # A run that appears while the panel is open is offered when the list is read again.
    third = tiny_run("pix2pix", data="edges2photos", name="p2p-c", **TINY)
    choice.refresh()
    assert choice.findData(str(third.path)) > 0 and choice.currentData() == str(second.path)

    panel.compare_with(None)
    qtbot.waitUntil(lambda: panel.rows and panel.rows[0].comparison is None, timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    assert panel.partner is None and not panel.forward_row.comparison_view.isVisible()


def test_painter_appears_only_for_label_map_data(panel, qtbot, tiny_run):
    load(panel, qtbot, tiny_run("pix2pix", data="edges2photos", **TINY))
    assert not panel.painter.isVisible()


def test_painting_the_label_map_translates_the_painted_map(panel, qtbot, tiny_run):
    from workbench.data.label_maps import ids_to_rgb

    run = tiny_run("pix2pix", data="labels2scenes", **TINY)
    load(panel, qtbot, run)
    painter = panel.painter
    assert painter.isVisible() and len(painter.class_group.buttons()) == len(panel.model.label_names)
    start = painter.ids.copy()
    assert start.shape == (16, 16)
    # The painter starts from the example's own map.
    assert np.array_equal(ids_to_rgb(start, panel.model.label_colors), panel.rows[0].input)

    painter.choose_class(2)
    painter.brush_spin.setValue(4)
    qtbot.mousePress(painter.canvas, Qt.MouseButton.LeftButton,
                     pos=painter.canvas.rect().center())
    qtbot.mouseRelease(painter.canvas, Qt.MouseButton.LeftButton,
                       pos=painter.canvas.rect().center())
    assert (painter.ids == 2).sum() > (start == 2).sum()
    assert painter.ids[8, 8] == 2
    qtbot.waitUntil(lambda: panel.rows and panel.rows[0].ground_truth is None, timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    assert np.array_equal(panel.rows[0].input, ids_to_rgb(painter.ids, panel.model.label_colors))
    assert panel.painted is not None and painter.undo_button.isEnabled() and painter.reset_button.isEnabled()

    painter.undo()
    assert np.array_equal(painter.ids, start) and not painter.undo_button.isEnabled()
    painter.fill()
    assert (painter.ids == 2).all()
    painter.reset()
    assert np.array_equal(painter.ids, start)

    # Choosing another example starts the painter from that example's map, and its ground truth is back.
    panel.strip.select(1)
    qtbot.waitUntil(lambda: panel.rows and panel.rows[0].ground_truth is not None, timeout=TIMEOUT)
    wait_idle(panel, qtbot)
    assert panel.painted is None and not painter.undo_button.isEnabled()
