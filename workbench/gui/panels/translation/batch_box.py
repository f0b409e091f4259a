"""The Translate pane's batch group: translate every image of a folder into another folder, with progress and
Cancel.

The work is `workbench.translation.translate_folder` (the same generator `workbench translate` uses) run in a
`GeneratorTask`; a cancel closes the generator after the file being written. Unreadable files are skipped and
listed in the summary, never the end of the batch.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QProgressBar, QWidget

from workbench.gui.widgets.factory import button, hint, line_edit, row
from workbench.gui.widgets.file_dialogs import ask_folder


class BatchBox(QGroupBox):
    """Source folder, output folder, Translate folder, progress, Cancel and a summary of written/skipped files."""

    error = Signal(str, str)  # message, details
    status = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, model_getter: Callable[[], Any], direction_getter: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__("Translate a folder", parent)
        self.setObjectName("translate-batch")
        self._model = model_getter
        self._direction = direction_getter
        self.task = None  # the running GeneratorTask
        self.progress: list = []  # FileProgress items of the current or last batch
        self.outcome = ""  # "finished", "stopped" or "failed" after a batch

        self.source_edit = line_edit("translate-source", "folder of images to translate")
        self.source_button = button("Browse…", "translate-source-browse",
                                    on_click=lambda: self._browse(self.source_edit, "Folder of images to translate"))
        self.output_edit = line_edit("translate-output", "folder for the translations (PNG, same names; created if "
                                     "needed)")
        self.output_button = button("Browse…", "translate-output-browse",
                                    on_click=lambda: self._browse(self.output_edit, "Folder for the translations"))
        self.run_button = button("Translate folder", "translate-run-batch", "Translate every image of the source "
                                 "folder in the direction chosen above; each is centre-cropped and resized to the "
                                 "model's image size", self.start)
        self.cancel_button = button("Cancel", "translate-cancel", on_click=self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("translate-progress")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%v / %m files")
        self.progress_bar.setTextVisible(False)  # "0 / 1 files" before any batch would be misleading
        self.summary = hint("Choose a folder of images and an output folder.", "translate-summary", selectable=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        grid = QGridLayout(self)
        grid.addWidget(QLabel("Source folder"), 0, 0)
        grid.addWidget(self.source_edit, 0, 1)
        grid.addWidget(self.source_button, 0, 2)
        grid.addWidget(QLabel("Output folder"), 1, 0)
        grid.addWidget(self.output_edit, 1, 1)
        grid.addWidget(self.output_button, 1, 2)
        grid.addLayout(row(self.run_button, (self.progress_bar, 1), self.cancel_button), 0, 3, 1, 1)
        grid.addWidget(self.summary, 1, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 3)

    # ---- actions ----------------------------------------------------------------------------------------
    def _browse(self, edit: QLineEdit, title: str) -> None:
        folder = ask_folder(self, title, edit.text())
        if folder is not None:
            edit.setText(str(folder))

    @property
    def running(self) -> bool:
        return self.task is not None

    def set_model_ready(self, ready: bool) -> None:
        self.run_button.setEnabled(ready and not self.running)

    def start(self) -> None:
        """Check the folders (a clear message when they do not fit), then translate in the background."""
        from workbench.compat import one_torch_thread
        from workbench.gui.workers import GeneratorTask
        from workbench.translation.batch import translate_folder
        from workbench.translation.errors import TranslationError

        model = self._model()
        if model is None or self.running:
            return
        direction = self._direction()
        try:
            generator = translate_folder(model, self.source_edit.text().strip(), self.output_edit.text().strip(),
                                         direction)
        except TranslationError as err:
            self.summary.setText("Nothing translated.")
            self.error.emit(str(err), "")
            return

        def work():  # noqa: ANN202 - background thread: no Qt
            with one_torch_thread():
                yield from generator

        self.progress = []
        self.outcome = ""
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.summary.setText(f"Translating {model.direction_label(direction)}…")
        self.task = GeneratorTask(work, self)
        self.task.items.connect(self._items)
        self.task.finished.connect(self._finished)
        self.task.failed.connect(self._failed)
        self.task.start()
        self._set_running(True)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.stop()
            self.cancel_button.setEnabled(False)
            self.summary.setText("Cancelling after the current file…")

    def shutdown(self, timeout: float = 30) -> None:
        """Stop a running batch and wait for it (the pane or window is closing)."""
        if self.task is not None:
            self.task.stop()
            self.task.wait(timeout)

    # ---- progress ---------------------------------------------------------------------------------------
    def _items(self, items: list) -> None:
        self.progress.extend(items)
        last = items[-1]
        self.progress_bar.setRange(0, last.total)
        self.progress_bar.setValue(last.done)
        skipped = sum(1 for p in self.progress if p.problem)
        self.summary.setText(f"{last.done} of {last.total}: {html.escape(last.path.name)}"
                             + (f" · {skipped} skipped" if skipped else ""))

    def _finished(self, how: str) -> None:
        from workbench.translation.batch import summarize

        self.outcome = how
        self._set_running(False)
        text = summarize(self.progress, limit=5) if self.progress else "Nothing translated."
        if how == "stopped":
            text = "Cancelled. " + text
        lines = text.splitlines() + ([f"Output: {self.output_edit.text().strip()}"] if self.progress else [])
        self.summary.setText("<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in lines))
        skipped = [p for p in self.progress if p.problem]
        if skipped:
            self.error.emit(f"{len(skipped)} file{'s' if len(skipped) != 1 else ''} could not be translated: "
                            + "; ".join(f"{p.path.name}: {p.problem}" for p in skipped[:3])
                            + (" …" if len(skipped) > 3 else ""), summarize(self.progress, limit=1000))
        self.status.emit(text.splitlines()[0].rstrip(":") + ("." if skipped else ""))

    def _failed(self, message: str, details: str) -> None:
        self.outcome = "failed"
        self._set_running(False)
        self.summary.setText(f"Stopped by an error after {len(self.progress)} file(s).")
        self.error.emit(f"Folder translation failed: {message}", details)

    def _set_running(self, running: bool) -> None:
        if not running:
            self.task = None
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running and self._model() is not None)
        for widget in (self.source_edit, self.output_edit, self.source_button, self.output_button):
            widget.setEnabled(not running)
        self.running_changed.emit(running)
