"""The one place where an unexpected exception in the window ends up: a red line in the status bar.

PySide6 hands an exception raised in a slot, a QTimer callback or a Qt virtual override (paintEvent…) to
`sys.excepthook` and carries on; Python hands one that ends a thread to `threading.excepthook`. By default
both print a traceback to a terminal the user may not have, and the window goes on as if nothing happened.
While the window lives, `ErrorReporter` owns both hooks (and gives the previous ones back when it closes): each
exception becomes a one-line message plus its traceback, marshalled to the GUI thread by a queued signal,
and shown by `ErrorIndicator` — non-modal, never blocking, with the traceback one click away.

A hook someone else installed before the window (a test harness, a debugger) still sees every exception; the
interpreter's defaults, which would only print it to stderr, are replaced. (For a virtual override PySide
itself also writes one line, "Error calling Python override of …", to the C-level stderr; the traceback
comes here.)
"""

from __future__ import annotations

import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QSizePolicy, QToolButton, QWidget

MAX_MESSAGE = 160  # characters of the one-line message; the rest is in the details
MAX_KEPT = 50  # the newest errors kept for the details box

_active: ErrorReporter | None = None  # the reporter whose hooks are installed (the window's), if any


def describe_exception(exc_type: type[BaseException], exc: BaseException | None,
                       tb: TracebackType | None, thread: str | None = None) -> tuple[str, str]:
    """(one-line message, details): "ValueError: bad value (in refresh, runs_panel.py:120)" and the traceback."""
    text = " ".join(str(exc).split()) if exc is not None else ""
    message = f"{exc_type.__name__}: {text}" if text else exc_type.__name__
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE - 1] + "…"
    frames = traceback.extract_tb(tb) if tb is not None else []
    if frames:
        last = frames[-1]
        message += f" (in {last.name}, {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
    if thread:
        message += f" [thread {thread}]"
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    return message, details


class ErrorReporter(QObject):
    """Installs the exception hooks while the window lives; `reported(message, details)` fires in the GUI thread.

    Create it in the GUI thread (it must live there: the hooks hand exceptions over by a queued signal).
    """

    reported = Signal(str, str)
    _handed_over = Signal(str, str)  # emitted in any thread, delivered to `report` in the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.errors: list[tuple[str, str]] = []  # (message, details), oldest first, at most MAX_KEPT
        self._previous_excepthook = None
        self._previous_threading_hook = None
        self._installed = False
        self._handed_over.connect(self.report, Qt.ConnectionType.QueuedConnection)

    # ---- hooks -------------------------------------------------------------------------------------------
    def install(self) -> None:
        if self._installed:
            return
        self._previous_excepthook, sys.excepthook = sys.excepthook, self._excepthook
        self._previous_threading_hook, threading.excepthook = threading.excepthook, self._threading_hook
        self._installed = True
        global _active
        _active = self

    def uninstall(self) -> None:
        """Give the previous hooks back (unless someone installed another one on top of ours meanwhile)."""
        if not self._installed:
            return
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self._threading_hook:
            threading.excepthook = self._previous_threading_hook
        self._installed = False
        global _active
        if _active is self:
            _active = None

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        previous = self._previous_excepthook
        if previous is not None and previous is not sys.__excepthook__:
            previous(exc_type, exc, tb)
        self._hand_over(exc_type, exc, tb, None)

    def _threading_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # a thread ending itself, as the default hook treats it
        previous = self._previous_threading_hook
        if previous is not None and previous is not threading.__excepthook__:
            previous(args)
        name = args.thread.name if args.thread is not None else threading.current_thread().name
        self._hand_over(args.exc_type, args.exc_value, args.exc_traceback, name)

    def _hand_over(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
                   thread: str | None) -> None:
        """Show it now in the GUI thread; from any other thread, through the queued signal."""
        try:
            in_gui_thread = QThread.currentThread() == self.thread()
            if not in_gui_thread and thread is None:
                thread = threading.current_thread().name
            message, details = describe_exception(exc_type, exc, tb, thread)
            if in_gui_thread:
                self.report(message, details)
            else:
                self._handed_over.emit(message, details)
        except RuntimeError:  # the window is already gone (its C++ object deleted): nothing left to show it in
            if sys.__stderr__ is not None:
                sys.__stderr__.write("".join(traceback.format_exception(exc_type, exc, tb)))

    # ---- the GUI thread ----------------------------------------------------------------------------------
    @Slot(str, str)
    def report(self, message: str, details: str) -> None:
        """Record an error and announce it (also for errors the window catches itself and wants shown)."""
        self.errors.append((message, details))
        del self.errors[:-MAX_KEPT]
        self.reported.emit(message, details)

    def clear(self) -> None:
        self.errors.clear()


def active_reporter() -> ErrorReporter | None:
    """The window's reporter while its hooks are installed (None without a window, e.g. a panel on its own)."""
    return _active


class ErrorIndicator(QWidget):
    """A red line in the status bar naming the latest error (and how many came before); clicking it opens the
    traceback in a non-modal box, × dismisses it. Hidden while there is nothing to report."""

    def __init__(self, reporter: ErrorReporter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reporter = reporter
        self._count = 0
        self._text = ""  # the whole line; the button shows it elided to the width the status bar leaves
        self.button = QToolButton()
        self.button.setObjectName("error-indicator")
        self.button.setAutoRaise(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setStyleSheet("QToolButton { color: #c62828; font-weight: bold; text-align: left; }")
        self.button.clicked.connect(self.show_details)
        # never widens the window: the line is elided instead (the whole of it is in the tooltip)
        self.button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.button.setMinimumWidth(120)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setText("×")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.setToolTip("Dismiss (the errors stay listed in the details)")
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button, 1)
        layout.addWidget(self.dismiss_button)
        self.details_box: QMessageBox | None = None
        reporter.reported.connect(self.show_error)
        self.hide()

    def text(self) -> str:
        """The line the status bar shows now, before eliding ("" while hidden)."""
        return self._text if self.isVisible() else ""

    @Slot(str, str)
    def show_error(self, message: str, details: str) -> None:
        self._count += 1
        more = f"  (+{self._count - 1} earlier)" if self._count > 1 else ""
        self._text = f"⚠ Error: {message}{more}"
        self.button.setToolTip(f"{self._text}\nSomething went wrong in the window; click for the details.")
        self.show()
        self._elide()
        if self.details_box is not None and self.details_box.isVisible():
            self._fill_details(self.details_box)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(40, self.button.width() - 16)
        self.button.setText(self.button.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, room))

    def dismiss(self) -> None:
        self._count = 0
        self.hide()

    def show_details(self) -> None:
        """The latest error with its traceback, and the earlier ones' messages, in a non-modal box."""
        if self.details_box is None:
            box = QMessageBox(QMessageBox.Icon.Critical, "Error in the window", "", parent=self.window())
            box.setObjectName("error-details-dialog")
            box.setModal(False)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.finished.connect(self._details_closed)
            self.details_box = box
        self._fill_details(self.details_box)
        self.details_box.show()
        self.details_box.raise_()

    def _fill_details(self, box: QMessageBox) -> None:
        errors = self.reporter.errors
        if not errors:
            box.setText("No errors.")
            box.setDetailedText("")
            return
        message, details = errors[-1]
        box.setText(message)
        earlier: list[str] = []  # the latest few other messages (a paint error repeats on every repaint)
        for other, _ in reversed(errors[:-1]):
            if other != message and other not in earlier and len(earlier) < 5:
                earlier.append(other)
        box.setInformativeText("The window carried on; what it was doing may be incomplete."
                               + ("\n\nEarlier:\n" + "\n".join(earlier) if earlier else ""))
        box.setDetailedText(details)

    def _details_closed(self) -> None:
        if self.details_box is not None:
            self.details_box.deleteLater()
            self.details_box = None
