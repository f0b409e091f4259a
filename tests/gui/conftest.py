"""Fixtures for GUI tests: the real main window on a throwaway workspace, and tiny run settings."""

from __future__ import annotations

import gc

import pytest
from dialogs import answer_next_dialog as _answer_next_dialog
from dialogs import close_stray_dialogs


@pytest.fixture(autouse=True)
def _no_dialog_outlives_its_test(qapp):
    from workbench.gui.main_thread_gc import collect_garbage_in_main_thread

    collect_garbage_in_main_thread(qapp)  # as in the app: cycles of Qt objects are never freed by a worker
    gc.disable()
    yield
    close_stray_dialogs()
    gc.collect()  # this test's widgets go now, in the window's thread
    gc.enable()  # the tests that follow without a window collect as usual


@pytest.fixture
def answer_next_dialog():
    """The function that answers the next modal dialog shown (see dialogs.py)."""
    return _answer_next_dialog


@pytest.fixture
def window(qtbot, workspace):
    from workbench.gui.main_window import MainWindow

    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.training_panel.shutdown(timeout=60)
    for panel in win.panels:  # no worker thread outlives its test (one still in torch at exit aborts the process)
        if panel is not win.training_panel:
            panel.shutdown()


TINY = {
    "dcgan": {"method": {"latent_dim": 8, "g_channels": 8, "d_channels": 8}},
    "vae": {"method": {"latent_dim": 4, "channels": 8}},
}


@pytest.fixture
def fill_tiny():
    """The function that fills the Training panel's forms with tiny settings."""
    return fill_tiny_settings


def fill_tiny_settings(panel, method: str = "dcgan", **train) -> None:
    """Choose `method` on digits at 8×8 with tiny networks; `train` overrides training fields."""
    panel.method_combo.setCurrentIndex(panel.method_combo.findData(method))
    panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData("digits"))
    for name, value in TINY[method]["method"].items():
        panel._method_form.set_value(name, value)
    panel.data_form.set_value("image_size", 8)
    panel.data_form.set_value("batch_size", 16)
    settings = {"steps": 20, "sample_every": 5, "checkpoint_every": 10, "sample_count": 16, **train}
    for name, value in settings.items():
        panel.train_form.set_value(name, value)


@pytest.fixture
def latent_panel(qtbot, workspace):
    """A Latent panel on its own (no main window) at a desktop size; its worker threads stopped after the test."""
    from workbench.gui.panels.latent.panel import LatentPanel

    widget = LatentPanel(workspace)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    yield widget
    widget.shutdown()
