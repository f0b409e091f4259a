"""A panel's TaskGroup: results of tasks started before `invalidate()` are dropped, and of tasks started with the
same `newest` name only the last one's result is shown, however the tasks finish."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from workbench.gui.panels.base import TaskGroup


def test_only_the_newest_task_of_a_name_is_delivered(qtbot):
    owner = QObject()
    tasks = TaskGroup(owner, one_thread=False)
    release = threading.Event()
    shown: list[str] = []

    def slow() -> str:
        release.wait(10)  # the first click's task ends after the second click's
        return "first"

    tasks.start(slow, shown.append, newest="invert")
    tasks.start(lambda: "second", shown.append, newest="invert")
    tasks.start(lambda: "other kind", shown.append, newest="grid")  # another name is not affected
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)
    release.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert sorted(shown) == ["other kind", "second"]

    tasks.start(lambda: "before", shown.append, newest="invert")
    tasks.invalidate()  # another run loaded: the result of what ran before is dropped too
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert "before" not in shown
