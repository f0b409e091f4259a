"""Python's cycle collector runs only in the window's thread.

Left automatic, the collector runs in whichever thread happens to allocate, a worker thread included, and frees
the Qt objects caught in reference cycles there: a QObject's destructor then takes Qt's lock and waits for the
interpreter's lock, which the window's thread holds while it waits for Qt's lock in turn (a deadlock seen when
an export thread imported tensorboard while the window deleted a panel). pyqtgraph's GarbageCollector turns
automatic collection off and collects from a timer in the window's thread instead.
"""

from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication

INTERVAL_S = 1.0  # a collection of the youngest generation costs well under a millisecond


def collect_garbage_in_main_thread(app: QCoreApplication) -> GarbageCollector:
    """Start (once per application) collecting cycles from a timer in the application's thread."""
    collector = getattr(app, "_workbench_gc", None)
    if collector is None:
        collector = GarbageCollector(interval=INTERVAL_S)
        app._workbench_gc = collector  # kept as long as the application: its timer keeps collecting
    return collector
