"""Ctrl-C in the terminal that started the window closes it as its close button does.

Python runs a signal handler only between bytecodes of the main thread, and Qt's event loop waits in C++: by
default a Ctrl-C surfaced, whenever some timer next ran Python code, as a KeyboardInterrupt inside that slot,
which PySide reports and swallows, so the window went on. Here the C-level handler also writes to a socket
(`signal.set_wakeup_fd`) that a QSocketNotifier watches, so the event loop wakes at once and our handler runs.

The first Ctrl-C closes the window (training stops after its current step and writes a checkpoint, helper
threads end); a second one while that is under way ends the process at once, as SIGINT does by default.
"""

from __future__ import annotations

import os
import signal
import socket
import threading

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer, Slot
from PySide6.QtWidgets import QWidget

INTERRUPTED_STATUS = 130  # the exit status of a command ended by Ctrl-C (128 + SIGINT)


class CtrlCCloses(QObject):
    """While installed, SIGINT closes `window`; `interrupted` says whether it did."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self._window = window
        self.interrupted = False
        self._previous_handler = None
        self._previous_wakeup_fd = -1
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None

    def install(self) -> bool:
        """Take over SIGINT (only possible in the main thread); False where it cannot."""
        if threading.current_thread() is not threading.main_thread() or self._sockets is not None:
            return False
        read_end, write_end = socket.socketpair()
        read_end.setblocking(False)
        write_end.setblocking(False)
        self._sockets = (read_end, write_end)
        self._previous_wakeup_fd = signal.set_wakeup_fd(write_end.fileno(), warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(read_end.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake_up)
        self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)
        return True

    def uninstall(self) -> None:
        if self._sockets is None:
            return
        signal.signal(signal.SIGINT, self._previous_handler or signal.default_int_handler)
        signal.set_wakeup_fd(self._previous_wakeup_fd)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        for sock in self._sockets:
            sock.close()
        self._sockets = None

    @Slot()
    def _wake_up(self) -> None:
        """Running any Python code here lets the interpreter call `_on_sigint`; the bytes only woke us."""
        try:
            while self._sockets is not None and self._sockets[0].recv(512):
                pass
        except OSError:  # drained (BlockingIOError) or closed meanwhile
            pass

    def _on_sigint(self, signum: int, frame: object) -> None:
        if self.interrupted:  # a second Ctrl-C while closing: stop now, as SIGINT does by default
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
            return
        self.interrupted = True
        QTimer.singleShot(0, self._close_window)  # not from inside whatever bytecode the signal interrupted

    @Slot()
    def _close_window(self) -> None:
        self._window.close()  # its closeEvent stops training and the helper threads
        QCoreApplication.quit()  # even if another top-level window (a details box) is still open
