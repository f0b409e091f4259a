"""What every panel of the window shares: the interface the window drives it through, and the chrome around it.

The interface (MainWindow keeps one list of panels and loops over it; override what applies):
- `set_workspace(workspace)`: work on another workspace folder; the default forgets the selection
  (`show_run(None)`).
- `show_run(run)`: the Runs list's selection (None: nothing selected). Heavy panels remember it and load it when
  they are first shown.
- `closing_note()`: what the window says while `shutdown` waits ("" when it returns at once, the default).
- `shutdown()`: the window is closing: stop background work (threads, timers, folder jobs) and wait for it.

The chrome: a `MessageBar` (a red error line the user can dismiss, and a grey status line), a busy bar, a
`TaskGroup` that runs background work and drops results meant for an earlier selection, file drops (a panel that
overrides `drop_files(paths)` accepts dropped files), and the placeholder/content stack of panels that show
nothing until a run is loaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import ERROR_STYLE, HINT_STYLE, busy_bar, button, label, placeholder, row, title
from workbench.runs import Run, Workspace

USER_ERRORS = ("ConfigError: ", "FileNotFoundError: ", "EvaluationError: ", "LatentError: ", "TranslationError: ",
               "SuperResolutionError: ", "VoxelError: ")


def user_message(message: str, also: tuple[str, ...] = ()) -> str:
    """Drop the exception type from messages of errors a user caused: their text is written for users."""
    for prefix in (*USER_ERRORS, *also):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


class MessageBar(QWidget):
    """A red error line with a × to dismiss it (details in its tooltip) and, beside it, a grey status line."""

    def __init__(self, name: str, with_status: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error_label = label("", f"{name}-error", ERROR_STYLE, wrap=True, selectable=True)
        self.error_close = button("×", tip="Dismiss", on_click=self.clear_error, tool=True)
        self.status_label = label("", f"{name}-status", HINT_STYLE, selectable=True)
        self.with_status = with_status
        layout = row((self.error_label, 1), self.error_close, margins=0)
        if with_status:
            layout.addWidget(self.status_label, 1)
        self.setLayout(layout)
        self.clear_error()

    def show_error(self, message: str, details: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(details[-3000:] if details else "")
        self.error_label.show()
        self.error_close.show()
        self.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.error_close.hide()
        if not self.with_status:  # an empty bar takes no room
            self.hide()


class RunHeader(QGroupBox):
    """The line at the top of a checkpoint panel: the run (title), a status line, a busy bar and an action button;
    `add_row` puts more under it (the Latent panel's code sources)."""

    def __init__(self, name: str, action: str, tip: str, status: QLabel | None, busy: QWidget,
                 caption: str = "") -> None:
        super().__init__(caption)
        self.setObjectName(f"{name}-header")
        self.title = title(f"{name}-title")
        self.action_button = button(action, f"{name}-reload", tip)
        line = QHBoxLayout()
        line.addWidget(self.title, 3)
        if status is not None:
            status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            status.setWordWrap(True)
            line.addWidget(status, 1)
        line.addWidget(busy)
        line.addWidget(self.action_button)
        self.rows = QVBoxLayout(self)
        if not caption:
            self.rows.setContentsMargins(8, 4, 8, 4)
        self.rows.addLayout(line)

    def add_row(self, widget: QWidget) -> None:
        self.rows.addWidget(widget)


class TaskGroup(QObject):
    """A panel's background tasks: each runs `work()` in a `BackgroundTask` (on one torch thread unless told
    otherwise) and hands its result to `on_done` in the GUI thread — unless `invalidate()` was called meanwhile
    (another run selected or loaded): then the result is dropped. A task started with `newest="name"` also drops
    its result when a later task of that name was started (a second click on Invert while the first runs). Failures
    go to `error(message, details)` with the exception type dropped from user errors. `status(text)` hears "what…"
    and "what: done in 0.4 s"."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject, status: Callable[[str], None] | None = None,
                 error: Callable[[str, str], None] | None = None, also: tuple[str, ...] = (),
                 one_thread: bool = True) -> None:
        super().__init__(parent)
        self.generation = 0
        self.running = 0
        self._status = status
        self._error = error
        self._also = also
        self._one_thread = one_thread
        self._newest: dict[str, int] = {}  # per `newest` name: the number of the last task started with it

    @property
    def busy(self) -> bool:
        return self.running > 0

    def invalidate(self) -> None:
        """Results of the tasks running now will be dropped."""
        self.generation += 1

    def start(self, work: Callable[[], Any], on_done: Callable[[Any], None], what: str = "",
              on_failed: Callable[[str, str], None] | None = None, report: bool = True, newest: str = "") -> Any:
        """Run `work()` in the background; returns the started `BackgroundTask`. `report=False`: a failure goes to
        `on_failed` only (it words its own message). `newest`: see the class docstring."""
        from workbench.compat import one_torch_thread
        from workbench.gui.workers import BackgroundTask

        generation, started = self.generation, time.perf_counter()
        number = 0
        if newest:
            number = self._newest[newest] = self._newest.get(newest, 0) + 1

        def current() -> bool:
            return generation == self.generation and (not newest or self._newest[newest] == number)

        def wrapped() -> Any:
            if not self._one_thread:
                return work()
            with one_torch_thread():
                return work()

        def done(value: Any) -> None:
            self._ended()
            if current():
                on_done(value)
                if what:
                    self._say(f"{what}: done in {time.perf_counter() - started:.1f} s.")

        def failed(message: str, details: str) -> None:
            self._ended()
            if not current():
                return
            message = user_message(message, self._also)
            if report and self._error is not None:
                self._error(message, details)
            if on_failed is not None:
                on_failed(message, details)

        self.running += 1
        if self.running == 1:
            self.busy_changed.emit(True)
        if what:
            self._say(f"{what}…")
        task = BackgroundTask(wrapped, self)
        task.done.connect(done)
        task.failed.connect(failed)
        return task.start()

    def _say(self, text: str) -> None:
        if self._status is not None:
            self._status(text)

    def _ended(self) -> None:
        self.running -= 1
        if self.running == 0:
            self.busy_changed.emit(False)


class PanelBase(QWidget):
    """A panel of the window: its workspace and selected run, the message bar, a busy bar and background tasks.

    `name` prefixes the object names of the chrome ("latent" → "latent-error", "latent-status", "latent-busy").
    `status_in_bar=False` leaves `status_label` for the panel to place (e.g. in its header).
    """

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, *, name: str,
                 status_in_bar: bool = True, also: tuple[str, ...] = (), one_thread: bool = True) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None
        self.messages = MessageBar(name, with_status=status_in_bar)
        self.error_label = self.messages.error_label
        self.error_close = self.messages.error_close
        self.status_label = self.messages.status_label
        self.busy_bar = busy_bar(f"{name}-busy")
        self.tasks = TaskGroup(self, self.status_label.setText, self.show_error, also, one_thread)
        self.tasks.busy_changed.connect(lambda _busy: self.update_busy())
        self.placeholder: QLabel = placeholder(f"{name}-placeholder")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.setAcceptDrops(type(self).drop_files is not PanelBase.drop_files)

    # ---- the interface the window uses -------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        """Work on `workspace`; the old workspace's selection is forgotten."""
        self.workspace = workspace
        self.show_run(None)

    def show_run(self, run: Run | None) -> None:
        """The Runs list's selection (None: nothing selected)."""
        self.run = run

    def closing_note(self) -> str:
        """What the window shows while `shutdown` waits; "" when there is nothing to wait for."""
        return ""

    def shutdown(self) -> None:
        """The window is closing: stop background work and wait for it."""

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # ---- messages and busy state -------------------------------------------------------------------------
    def show_error(self, message: str, details: str = "") -> None:
        self.messages.show_error(message, details)

    def clear_error(self) -> None:
        self.messages.clear_error()

    @property
    def busy(self) -> bool:
        return self.tasks.busy

    def update_busy(self) -> None:
        """Show the busy bar while `busy` (panels with more kinds of work extend `busy`)."""
        self.busy_bar.setVisible(self.busy)

    def set_placeholder(self, text: str) -> None:
        """Show `text` (HTML) instead of the content."""
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    # ---- dropped files -----------------------------------------------------------------------------------
    def drop_files(self, paths: list[Path]) -> None:
        """Files dropped on the panel (only panels that override this accept drops)."""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        if paths:
            self.drop_files(paths)
