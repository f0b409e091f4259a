"""Guards against PySide6 6.12.0's reference-count bug: each Signal(bool).emit() dropped a reference to True,
and the interpreter aborted with "Fatal Python error: bool_dealloc" after a few hundred emits
(see shared/ENVIRONMENT.md). Runs in a subprocess because the failure is an abort, not an exception.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

    class Emitter(QObject):
        toggled = Signal(bool)

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.count = 0
            self.trues = 0

        @Slot(bool)
        def on_toggled(self, value):
            self.count += 1
            self.trues += value is True

    app = QCoreApplication(sys.argv)
    emitter, receiver = Emitter(), Receiver()
    emitter.toggled.connect(receiver.on_toggled)
    for i in range(10_000):
        emitter.toggled.emit(i % 2 == 0)
    app.processEvents()
    assert receiver.count == 10_000 and receiver.trues == 5_000, (receiver.count, receiver.trues)
    print("emitted", receiver.count)
    sys.exit(0)
    """
)


def test_ten_thousand_bool_signals_do_not_abort_the_interpreter():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    assert "emitted 10000" in result.stdout
