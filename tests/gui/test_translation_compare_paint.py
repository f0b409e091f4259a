"""The Translate panel's "Compare with" (another run's translation of the same input beside the loaded run's)
and its label-map painter (brush, class palette, undo, reset) on tiny trained runs of label-map data."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

TIMEOUT = 60_000
TINY = {"image_size": 16, "steps": 2, "batch_size": 2, "d_layers": 2}


@pytest.fixture
def panel(qtbot, workspace):
    from workbench.gui.panels.translation.panel import TranslationPanel

    widget = TranslationPanel(workspace)
    qtbot.addWidget(widget)
    widget.resize(1366, 820)
    widget.show()
    yield widget
    widget.shutdown(timeout=60)


def load(panel, qtbot, run) -> None:
    panel.show_run(run)
    qtbot.waitUntil(lambda: panel.model is not None and not panel.busy, timeout=TIMEOUT)
    assert not panel.error_label.isVisible(), panel.error_label.text()
    qtbot.waitUntil(lambda: bool(panel.rows), timeout=TIMEOUT)


def settle(panel, qtbot) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT)


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
    settle(panel, qtbot)
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
    settle(panel, qtbot)
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
    settle(panel, qtbot)
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
    settle(panel, qtbot)
    assert panel.painted is None and not painter.undo_button.isEnabled()
