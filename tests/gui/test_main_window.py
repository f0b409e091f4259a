"""The main window's wiring: a run started with Start reaches every tab, a new workspace reaches every panel,
and an exception anywhere in the window (a timer, a slot, a thread) ends in its error display, not on stderr."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from workbench.config import RunConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.runs import Workspace

WAIT_MS = 120_000


def test_start_tells_every_tab_about_the_new_run(window, qtbot, fill_tiny):
    panel = window.training_panel
    fill_tiny(panel, "dcgan", steps=20)
    window.tabs.setCurrentWidget(panel)
    panel.start_button.click()
    run = panel.run
    assert window.runs_panel.selected_run_id() == run.id
    for tab in (window.evaluate_panel, window.latent_panel, window.translation_panel, window.voxels_panel):
        assert tab.run is not None and tab.run.id == run.id, type(tab).__name__  # was None: "No run selected"
    assert "No run selected" not in window.latent_panel.title.text()
    assert run.id in window.evaluate_panel.title.text()
    assert panel.worker is not None and panel.worker.run.path == run.path, "the Training panel trains it"

    qtbot.waitUntil(lambda: run.info().status == "finished", timeout=WAIT_MS)
    # a step's curves and its samples may come in consecutive batches of the worker's events
    qtbot.waitUntil(lambda: panel.loss_plot.point_count("loss_g") == 20 and panel.samples_view.steps()[-1] == 20,
                    timeout=10_000)
    assert panel.run.path == run.path, "not reloaded or stopped"
    # The tabs were told before the first checkpoint; now that there is one, showing them is enough.
    window.tabs.setCurrentWidget(window.evaluate_panel)
    assert window.evaluate_panel.evaluate_button.isEnabled()
    window.tabs.setCurrentWidget(window.latent_panel)
    latent = window.latent_panel
    qtbot.waitUntil(lambda: latent.session.space is not None and not latent.session.loading, timeout=WAIT_MS)
    assert latent.run.id == run.id


def test_set_workspace_reaches_every_panel(window, workspace, tmp_path):
    old_run = workspace.create_run(RunConfig(DCGANSettings()), name="in-the-old-workspace")
    window.runs_panel.select_run(old_run.id)
    assert window.evaluate_panel.run is not None

    other = Workspace(tmp_path / "other")
    window.set_workspace(other)
    tabs = [window.tabs.widget(i) for i in range(window.tabs.count())]
    assert all(tab in window.panels for tab in tabs) and window.runs_panel in window.panels
    for panel in window.panels:
        assert panel.workspace is other, type(panel).__name__
    assert window.evaluate_panel.run is None, "the old workspace's run is not shown any more"
    assert window.runs_panel.table.rowCount() == 0
    new_run = other.create_run(RunConfig(DCGANSettings()), name="in-the-new-workspace")
    window.runs_panel.select_run(new_run.id)
    assert window.evaluate_panel.run.path == new_run.path


@pytest.mark.qt_no_exception_capture  # as in the real app: no test harness hook in front of the window's
def test_exceptions_in_timers_slots_and_threads_are_shown_in_the_window(qtbot, workspace, monkeypatch, capfd):
    from workbench.gui.main_window import MainWindow

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    indicator = win.error_indicator
    assert indicator.text() == "" and not indicator.isVisible()
    shown_in: list[str] = []
    win.error_reporter.reported.connect(lambda *_: shown_in.append(threading.current_thread().name))

    def timer_callback() -> None:
        raise RuntimeError("raised in a timer callback")

    QTimer.singleShot(0, timer_callback)
    qtbot.waitUntil(lambda: "raised in a timer callback" in indicator.text(), timeout=5_000)
    assert indicator.text().startswith("⚠ Error: RuntimeError: raised in a timer callback (in timer_callback")

    def broken_slot() -> None:
        {}["missing key in a slot"]  # noqa: B018 - the KeyError is the point

    button = QPushButton("broken", win)
    button.clicked.connect(broken_slot)
    button.click()
    qtbot.waitUntil(lambda: "missing key in a slot" in indicator.text(), timeout=5_000)
    assert "KeyError" in indicator.text() and "(+1 earlier)" in indicator.text()

    def thread_body() -> None:
        raise ValueError("raised in a thread")

    worker = threading.Thread(target=thread_body, name="helper-thread")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "raised in a thread" in indicator.text(), timeout=5_000)  # handed to the GUI thread
    assert "[thread helper-thread]" in indicator.text()
    assert set(shown_in) == {threading.main_thread().name}, "reported in the GUI thread only"

    class BrokenPaint(QWidget):  # a Qt virtual override: PySide hands its exception to sys.excepthook too
        def paintEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
            raise ZeroDivisionError("raised in paintEvent")

    broken = BrokenPaint(win)
    broken.setGeometry(0, 0, 20, 20)
    broken.show()
    qtbot.waitUntil(lambda: "raised in paintEvent" in indicator.text(), timeout=5_000)
    broken.hide()
    kinds = [m.split(":")[0] for m, _ in win.error_reporter.errors]
    assert kinds[:3] == ["RuntimeError", "KeyError", "ValueError"] and set(kinds[3:]) == {"ZeroDivisionError"}

    indicator.button.click()  # the details: non-modal, the traceback as detailed text
    box = win.findChild(QMessageBox, "error-details-dialog")
    assert box is not None and box.isVisible() and not box.isModal()
    assert "raised in paintEvent" in box.text()
    assert "Traceback" in box.detailedText() and "paintEvent" in box.detailedText()
    assert "raised in a thread" in box.informativeText()
    box.close()
    indicator.dismiss_button.click()
    assert indicator.text() == ""

    captured = capfd.readouterr()  # (for the override, PySide itself writes one line naming it, no traceback)
    assert "Traceback" not in captured.err and "raised in" not in captured.err, captured.err
    win.close()
    assert sys.excepthook is sys.__excepthook__, "closing the window gives the previous hooks back"
    assert threading.excepthook is threading.__excepthook__


def test_training_failure_still_opens_its_dialog(window, qtbot):
    window.training_panel.error_occurred.emit("RuntimeError: simulated", "Traceback (most recent call last): …")
    box = window.findChild(QMessageBox, "training-error-dialog")
    assert box is not None and box.text() == "RuntimeError: simulated"
    assert "Traceback" in box.detailedText()
