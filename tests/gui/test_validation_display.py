"""A validation error is shown next to its field (red border, tooltip, the message under it) and beside Start,
and the field is scrolled into view, even when the form is scrolled away from it on a laptop-sized window."""

from __future__ import annotations

from PySide6.QtCore import QPoint


def _visible_in_window(widget, window) -> bool:
    """Painted and inside the window's rectangle (not scrolled away, not hidden)."""
    if not widget.isVisible() or widget.visibleRegion().isEmpty():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(top_left) and top_left.y() + widget.height() <= window.height()


def test_invalid_field_is_marked_scrolled_to_and_said_beside_start(window, qtbot):
    window.resize(1366, 740)
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    scroll = panel.settings_scroll
    form = panel.train_form
    editor = form.editor("steps")  # the last box of the form: below the fold on a laptop screen
    form.set_value("steps", 0)
    scroll.verticalScrollBar().setValue(0)
    qtbot.waitUntil(lambda: editor.visibleRegion().isEmpty())  # scrolled out of sight

    panel.start_button.click()
    message = "train.steps must be a value in [1, 1e+08], got 0"
    assert panel.error_label.text() == message
    assert _visible_in_window(panel.error_label, window), "the message is beside Start, without scrolling"
    assert form.invalid_fields() == ["steps"] and form.message_of("steps") == message
    assert message in editor.toolTip() and "d9534f" in editor.styleSheet()
    qtbot.waitUntil(lambda: _visible_in_window(editor, window))
    line = form.findChild(type(panel.error_label), "invalid-steps")
    assert line is not None and line.text() == message
    qtbot.waitUntil(lambda: _visible_in_window(line, window))  # the message under the field is in view too
    assert editor.hasFocus()
    assert window.workspace.runs() == []

    editor.setText("200")  # editing it clears the mark
    assert form.invalid_fields() == [] and editor.styleSheet() == ""
    assert message not in editor.toolTip()


def test_the_issues_example(window):
    panel = window.training_panel
    panel._method_form.set_value("lr_g", -1)
    panel.start_button.click()
    message = "method.lr_g must be a value in [1e-07, 1], got -1.0"
    assert panel.error_label.text() == message and panel._method_form.message_of("lr_g") == message


def test_a_field_of_each_form_and_the_dataset_are_marked(window, qtbot):
    panel = window.training_panel
    panel.train_form.set_value("steps", "lots")
    panel.start_button.click()
    assert panel.train_form.invalid_fields() == ["steps"]
    assert "train.steps must be a whole number" in panel.train_form.message_of("steps")

    panel.train_form.set_value("steps", 10)
    panel.data_form.set_value("batch_size", 0)
    panel.start_button.click()
    assert panel.train_form.invalid_fields() == []
    assert panel.data_form.invalid_fields() == ["batch_size"]

    panel.data_form.set_value("batch_size", 16)
    message = panel.form.show_invalid("data.name: method 'pix2pix' trains on pairs, but dataset 'digits' holds images")
    assert message is panel.dataset_combo and "d9534f" in panel.dataset_combo.styleSheet()
    panel.dataset_combo.setCurrentIndex((panel.dataset_combo.currentIndex() + 1) % panel.dataset_combo.count())
    assert panel.dataset_combo.styleSheet() == ""


def test_a_message_naming_two_fields_marks_the_one_it_is_about(window):
    form = window.training_panel.train_form
    assert form.field_in("train.mixed_precision needs train.device = 'cuda' or 'cpu'") == "mixed_precision"
    assert form.field_in("train.device: 'cuda' is not available on this machine; available: cpu") == "device"
    assert form.field_in("train.steps_per_epoch is unknown") is None, "a longer name is not its prefix"
