"""The newest-request-wins worker behind the live previews: a burst of requests computes only the first (already
running) and the newest, results arrive in the GUI thread, an exception reaches the window's error display, and
shutdown joins the thread."""

from __future__ import annotations

import threading
import time

from workbench.gui.latest_request import LatestRequestWorker


def test_a_burst_computes_only_the_newest_request_and_delivers_in_the_gui_thread(qtbot):
    started = threading.Event()
    release = threading.Event()
    computed: list[int] = []

    def compute(request: int) -> int:
        computed.append(request)
        if request == 1:
            started.set()
            release.wait(10)  # the first request is still being computed while the burst arrives
        return request * 10

    worker = LatestRequestWorker(compute, "test-newest")
    delivered: list[tuple[int, int, str]] = []
    worker.ready.connect(lambda request_id, result: delivered.append(
        (request_id, result, threading.current_thread().name)))
    worker.submit(1)
    assert started.wait(10)
    ids = [worker.submit(n) for n in range(2, 51)]
    assert worker.busy
    release.set()
    assert worker.wait_idle(10)
    assert computed == [1, 50], "only the running request and the newest one are computed"
    assert worker.skipped == 48 and ids[-1] == worker.latest_id == 50
    assert [(i, r) for i, r, _ in delivered] == [(1, 10), (50, 500)]
    assert {name for _, _, name in delivered} == {threading.main_thread().name}
    assert worker.shutdown(5)


def test_discard_drops_what_was_asked_before(qtbot):
    release = threading.Event()

    def compute(request: str) -> str:
        release.wait(10)
        return request

    worker = LatestRequestWorker(compute, "test-discard")
    delivered: list[str] = []
    worker.ready.connect(lambda _id, result: delivered.append(result))
    worker.submit("for the old model")
    worker.discard()  # e.g. the model was unloaded while it was computing
    worker.submit("for the new model")
    release.set()
    assert worker.wait_idle(10)
    assert delivered == ["for the new model"]
    worker.shutdown(5)


def test_an_exception_reaches_the_window_error_display(window, qtbot):
    def compute(request: int) -> int:
        raise ValueError(f"cannot compute request {request}")

    worker = LatestRequestWorker(compute, "test-failing", window)
    failures: list[tuple[int, str, str]] = []
    worker.failed.connect(lambda request_id, message, details: failures.append((request_id, message, details)))
    worker.submit(7)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    request_id, message, details = failures[0]
    assert request_id == 1 and message == "ValueError: cannot compute request 7" and "Traceback" in details
    indicator = window.error_indicator
    qtbot.waitUntil(lambda: "cannot compute request 7" in indicator.text(), timeout=5_000)
    assert "[thread test-failing]" in indicator.text()
    assert window.error_reporter.errors[-1][1] == details
    worker.submit(8)  # the thread survives a failure
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=10_000)
    assert worker.shutdown(5)


def test_shutdown_joins_the_thread(qtbot):
    def compute(request: float) -> float:
        time.sleep(request)
        return request

    worker = LatestRequestWorker(compute, "test-shutdown")
    delivered: list[float] = []
    worker.ready.connect(lambda _id, result: delivered.append(result))
    worker.submit(0.2)
    worker.submit(0.2)  # pending when shutdown comes: never computed
    thread = worker.thread
    assert thread is not None and thread.is_alive()
    assert worker.shutdown(timeout=5)
    assert not thread.is_alive()
    worker.submit(0.0)  # after shutdown a request starts nothing
    qtbot.wait(50)
    assert delivered == [] and not thread.is_alive()
