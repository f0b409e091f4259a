"""Translate panel: look at what a trained Pix2Pix or CycleGAN run does to images, and translate folders.

A header names the selected run, its method, domains and checkpoint step. The input strip offers held-out
examples of the run's dataset (paged), opened image files and files dropped on the panel. The chosen input is
shown in a row of labelled views: input → translation, the cycle reconstruction (CycleGAN), the ground truth
(paired data) and, on demand, the absolute-difference map with its colour scale. For CycleGAN a second row runs
the other direction on the example's image of the other domain. A batch group translates a whole folder.

The window builds this panel at start-up without importing torch: the model (`workbench.translation`) is loaded
in a background thread when the tab is first shown with a run selected, as the Latent panel does.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.config import ConfigError
from workbench.gui.panels.run_header import (
    missing_checkpoint_placeholder,
    run_checkpoint_step,
    run_method_name,
    run_title_html,
)
from workbench.gui.panels.translation.batch_box import BatchBox
from workbench.gui.panels.translation.input_strip import InputStrip
from workbench.gui.panels.translation.rows import ResultRow
from workbench.gui.panels.translation.views import ZoomGroup, nice_ceiling
from workbench.runs import Run, Workspace

ERROR_STYLE = "color: #c62828;"
METHOD_NAMES = {"pix2pix": "Pix2Pix", "cyclegan": "CycleGAN"}
NO_RUN_TEXT = ("<h3>No run loaded</h3>Select a Pix2Pix or CycleGAN run in the Runs list: its latest checkpoint "
               "is loaded here to translate held-out examples, your own images and whole folders.")
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.ppm *.pgm *.tif *.tiff *.webp);;All files (*)"


def _is_translation_method(name: str) -> bool:
    from workbench.methods.registry import method_spec

    try:
        return "translate" in method_spec(name).capabilities
    except ConfigError:
        return False


class TranslationPanel(QWidget):
    """Consumes the selected Run (`show_run`); shows and batch-applies its translation model."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None
        self.model: Any = None  # workbench.translation.TranslationModel, used only in background tasks
        self.rows: list = []  # RowResult of the input shown
        self.loading = False
        self._pending = False  # a selected run waits to be loaded until the panel is shown
        self._generation = 0  # bumped on every load or selection: late results of older ones are dropped
        self._compute_id = 0  # the latest translation request; older results are dropped
        self._tasks = 0
        self.setAcceptDrops(True)
        self.setObjectName("translate-panel")

        self.title = QLabel()
        self.title.setObjectName("translate-title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reload_button = QPushButton("Reload checkpoint")
        self.reload_button.setObjectName("translate-reload")
        self.reload_button.setToolTip("(Re)load the selected run's latest checkpoint, e.g. after more training")
        self.reload_button.clicked.connect(self.load)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("translate-busy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("translate-status")
        self.status_label.setStyleSheet("color: palette(mid);")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status_label.setWordWrap(True)
        header = QGroupBox()
        header.setObjectName("translate-header")
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(8, 4, 8, 4)
        header_layout.addWidget(self.title, 3)
        header_layout.addWidget(self.status_label, 1)
        header_layout.addWidget(self.busy_bar)
        header_layout.addWidget(self.reload_button)

        self.error_label = QLabel()
        self.error_label.setObjectName("translate-error")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_close = QToolButton()
        self.error_close.setText("×")
        self.error_close.setToolTip("Dismiss")
        self.error_close.clicked.connect(self.clear_error)
        messages = QHBoxLayout()
        messages.addWidget(self.error_label, 1)
        messages.addWidget(self.error_close)

        self.strip = InputStrip()
        self.strip.selected.connect(lambda _index: self.translate_current())
        self.strip.page_requested.connect(self.show_examples)
        self.strip.open_requested.connect(self._open_dialog)
        self.direction_combo = QComboBox()
        self.direction_combo.setObjectName("translate-direction")
        self.direction_combo.setToolTip("Which generator to apply: A→B maps the dataset's input domain to its target "
                                        "domain; B→A (CycleGAN) the other way")
        self.direction_combo.currentIndexChanged.connect(lambda _index: self.translate_current())
        self.difference_box = QCheckBox("Show absolute difference")
        self.difference_box.setObjectName("translate-difference")
        self.difference_box.setToolTip("|translation − ground truth| where the data is paired, else "
                                       "|cycle reconstruction − input|; mean over the channels, 0 = identical, "
                                       "1 = black against white")
        self.difference_box.toggled.connect(lambda _on: self._show_rows())
        self.controls_hint = QLabel()
        self.controls_hint.setObjectName("translate-hint")
        self.controls_hint.setStyleSheet("color: palette(mid); font-size: 11px;")
        self.controls_hint.setWordWrap(True)
        controls = QWidget()
        controls.setObjectName("translate-controls")
        controls.setFixedWidth(260)
        controls_layout = QVBoxLayout(controls)
        controls_layout.setContentsMargins(8, 0, 0, 0)
        controls_layout.setSpacing(4)
        direction_line = QHBoxLayout()
        direction_line.addWidget(QLabel("Direction"))
        direction_line.addWidget(self.direction_combo, 1)
        controls_layout.addLayout(direction_line)
        controls_layout.addWidget(self.difference_box)
        controls_layout.addWidget(self.controls_hint, 1)
        self.strip.add_column(controls)

        self.zoom_group = ZoomGroup()  # every image of both rows at one zoom: compared pixel for pixel
        self.forward_row = ResultRow("forward", "Translation", self.zoom_group)
        self.reverse_row = ResultRow("reverse", "Reverse direction", self.zoom_group)
        self.reverse_row.hide()
        self.batch = BatchBox(lambda: self.model, self.direction)
        self.batch.error.connect(self.show_error)
        self.batch.status.connect(self.status_label.setText)

        self.content = QWidget()
        self.content.setObjectName("translate-content")
        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.strip)
        content_layout.addWidget(self.forward_row, 1)
        content_layout.addWidget(self.reverse_row, 1)
        content_layout.addWidget(self.batch)

        self.placeholder = QLabel()
        self.placeholder.setObjectName("translate-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 32px; font-size: 14px;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.content)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(messages)
        layout.addWidget(self.stack, 1)
        self.clear_error()
        self.show_run(None)

    # ---- the selected run --------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.show_run(None)

    def show_run(self, run: Run | None) -> None:
        """Select `run`: loaded now if the panel is visible, else when it is first shown."""
        if run is not None and self.run is not None and run.path == self.run.path and \
                (self.model is not None or self.loading):
            return  # already loaded or loading; "Reload checkpoint" reloads
        self.run = run
        self.clear_error()
        self._set_model(None)  # a load still under way is superseded: its result will be dropped
        self.loading = False
        self._pending = False
        if run is None:
            self.title.setText("<b>No run selected</b>")
            self._set_placeholder(NO_RUN_TEXT)
            self._update_buttons()
            return
        self.title.setText(self._run_title())
        method = self._method_name()
        if method is None:
            self._set_placeholder("<h3>Cannot read this run</h3>See the message above.")
            self.show_error(f"Cannot read the configuration of run {run.id}.")
        elif not _is_translation_method(method):
            self._set_placeholder(f"<h3>Not a translation run</h3>{html.escape(run.id)} trains "
                                  f"{html.escape(method)}. Select a Pix2Pix or CycleGAN run to translate images.")
            self.show_error(f"Run {run.id} trains {method!r}, which does not translate images: select a Pix2Pix "
                            f"or CycleGAN run.")
        elif self._checkpoint_step() is None:
            self._set_placeholder(missing_checkpoint_placeholder(run))
        else:
            self._pending = True
            self._set_placeholder("<h3>Not loaded yet</h3>The latest checkpoint is loaded when this tab is shown.")
            if self.isVisible():
                self.load()
        self._update_buttons()

    def load(self) -> None:
        """(Re)load the selected run's latest checkpoint and its first held-out examples in the background."""
        from workbench.gui.panels.translation import compute

        if self.run is None:
            return
        self._pending = False
        self.clear_error()
        self._set_model(None)
        self.loading = True
        self.title.setText(self._run_title())
        self._set_placeholder("<h3>Loading…</h3>Reading the latest checkpoint and the held-out examples.")
        run = self.run
        self._start_task(lambda: compute.load(run), self._loaded, "", on_failed=self._load_failed,
                         new_generation=True)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._pending:
            self.load()

    def _loaded(self, loaded: Any) -> None:
        self.loading = False
        self._set_model(loaded.model)
        model = loaded.model
        self.title.setText(f"{self._run_title()}<br><span style='color: palette(mid)'>"
                           f"{html.escape(self._model_line(model, loaded.total, loaded.split))}</span>")
        self.status_label.setText("Checkpoint loaded.")
        self.direction_combo.blockSignals(True)
        self.direction_combo.clear()
        for direction in model.directions:
            arrow = "A→B" if direction == "AtoB" else "B→A"
            self.direction_combo.addItem(f"{model.direction_label(direction)}  ({arrow})", direction)
        self.direction_combo.setEnabled(len(model.directions) > 1)
        self.direction_combo.blockSignals(False)
        if model.paired:
            hint = "Difference: |translation − ground truth| (paired data)."
        elif model.has_cycle:
            hint = "Difference: |cycle reconstruction − input| (unpaired data: no ground truth)."
        else:
            hint = ""
        self.controls_hint.setText(hint)
        self.reverse_row.setVisible(model.has_cycle)
        self.stack.setCurrentWidget(self.content)
        self.strip.set_examples(loaded.items, 0, loaded.total, loaded.split, loaded.note)
        self.strip.set_enabled(True)
        self._update_buttons()
        if self.strip.items:
            self.strip.select(0)

    @staticmethod
    def _model_line(model: Any, examples: int, split: str) -> str:
        """Domains, size and data: what the header's second line says about the loaded model."""
        if len(model.directions) > 1:
            domains = f"{model.direction_label('AtoB')} and back ({model.direction_label('BtoA')})"
        else:
            domains = f"{model.direction_label('AtoB')} (one direction)"
        data = "paired data: ground truth shown" if model.paired else "unpaired data: no ground truth"
        return f"{domains} · {model.image_size}×{model.image_size} px, {model.channels} channel" \
               f"{'s' if model.channels != 1 else ''} · {data} · {examples:,} " \
               f"{'held-out' if split == 'test' else 'training'} examples"

    def _load_failed(self, _message: str, _details: str) -> None:
        self.loading = False
        self._set_placeholder("<h3>Could not load this run</h3>See the message above.")
        self._update_buttons()

    def _set_model(self, model: Any) -> None:
        if model is None:
            self._generation += 1  # results of tasks on the previous model are dropped
            self.rows = []
            self.strip.clear()
            self.strip.set_enabled(False)
            self.forward_row.set_placeholder("Choose an input above.")
            self.reverse_row.set_placeholder("")
        self.model = model
        self.batch.set_model_ready(model is not None)

    def _method_name(self) -> str | None:
        return run_method_name(self.run)

    def _checkpoint_step(self) -> int | None:
        return run_checkpoint_step(self.run)

    def _run_title(self) -> str:
        return run_title_html(self.run, METHOD_NAMES)

    def _set_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def _update_buttons(self) -> None:
        self.reload_button.setEnabled(self.run is not None and not self.loading and self._checkpoint_step() is not None
                                      and _is_translation_method(self._method_name() or ""))

    # ---- inputs -------------------------------------------------------------------------------------------
    def direction(self) -> str:
        return self.direction_combo.currentData() or "AtoB"

    def set_direction(self, direction: str) -> None:
        index = self.direction_combo.findData(direction)
        if index < 0:
            raise ValueError(f"this model has no direction {direction!r}")
        self.direction_combo.setCurrentIndex(index)

    def show_examples(self, start: int) -> None:
        """Show the page of held-out examples that begins at `start`."""
        from workbench.gui.panels.translation import compute

        model = self.model
        if model is None:
            return

        def done(value: Any) -> None:
            items, total, split, note = value
            self.strip.set_examples(items, start, total, split, note)
            if items:
                self.strip.select(0)

        self._start_task(lambda: compute.example_items(model, start), done, "Reading examples")

    def _open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Images to translate", str(Path.home()), IMAGE_FILTER)
        if files:
            self.open_files([Path(f) for f in files])

    def open_files(self, paths: list[Path]) -> None:
        """Add image files to the strip (prepared for the model in the background); problems go to the red label."""
        from workbench.gui.panels.translation import compute

        model = self.model
        if model is None:
            self.show_error("Load a Pix2Pix or CycleGAN run first: files are translated with its model.")
            return
        paths = [Path(p) for p in paths]
        folders = [p for p in paths if p.is_dir()]
        if folders:
            self.show_error(f"{folders[0].name} is a folder: use “Translate a folder” below for whole folders.")
            self.batch.source_edit.setText(str(folders[0]))
            paths = [p for p in paths if not p.is_dir()]
        if not paths:
            return

        def done(value: Any) -> None:
            items, problems = value
            if problems:
                self.show_error(f"{len(problems)} file{'s' if len(problems) != 1 else ''} could not be read: "
                                + "; ".join(problems[:3]) + (" …" if len(problems) > 3 else ""), "\n".join(problems))
            if items:
                self.strip.select(self.strip.add_files(items))
                self.status_label.setText(f"Added {', '.join(item.name for item in items[:3])}"
                                          + (f" and {len(items) - 3} more" if len(items) > 3 else "") + ".")

        self._start_task(lambda: compute.load_files(model, paths), done, "")

    # ---- translation -------------------------------------------------------------------------------------
    def translate_current(self) -> None:
        """Translate the chosen input in the chosen direction (background) and show the rows."""
        from workbench.gui.panels.translation import compute

        model, item = self.model, self.strip.current()
        if model is None or item is None:
            return
        direction = self.direction()
        self._compute_id += 1
        request = self._compute_id

        def done(rows: Any) -> None:
            if request != self._compute_id:
                return  # a newer input or direction was chosen meanwhile
            self.rows = rows
            self._show_rows()

        self._start_task(lambda: compute.compute_rows(model, item, direction), done, "")

    def _show_rows(self) -> None:
        rows = self.rows
        if not rows:
            return
        show = self.difference_box.isChecked()
        maps = [row.difference for row in rows if row.difference is not None]
        scale = nice_ceiling(max(float(m.max()) for m in maps)) if maps else 1.0
        self.forward_row.set_result(rows[0], show, scale)
        if self.model is not None and self.model.has_cycle:
            if len(rows) > 1:
                self.reverse_row.set_result(rows[1], show, scale)
            else:
                self.reverse_row.setTitle("Reverse direction")
                self.reverse_row.set_placeholder("An opened image file has no image of the other domain: the reverse "
                                                 "direction is shown for held-out examples.")

    # ---- background work ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._tasks > 0 or self.batch.running

    def _start_task(self, work: Any, on_done: Any, what: str, on_failed: Any = None,
                    new_generation: bool = False) -> None:
        """Run `work()` on one torch thread in the background; `on_done(result)` unless the run changed."""
        from workbench.compat import one_torch_thread
        from workbench.gui.workers import BackgroundTask

        if new_generation:
            self._generation += 1
        generation = self._generation

        def wrapped() -> Any:
            with one_torch_thread():
                return work()

        def done(value: Any) -> None:
            self._task_ended()
            if generation == self._generation:
                on_done(value)
                if what:
                    self.status_label.setText(f"{what}: done.")

        def failed(message: str, details: str) -> None:
            self._task_ended()
            if generation != self._generation:
                return
            if on_failed is not None:
                on_failed(message, details)
            self.show_error(_clean(message), details)

        self._tasks += 1
        self.busy_bar.show()
        if what:
            self.status_label.setText(f"{what}…")
        task = BackgroundTask(wrapped, self)
        task.done.connect(done)
        task.failed.connect(failed)
        task.start()

    def _task_ended(self) -> None:
        self._tasks -= 1
        self.busy_bar.setVisible(self._tasks > 0)
        self._update_buttons()

    def shutdown(self, timeout: float = 30) -> None:
        """Stop a running folder translation (the window is closing)."""
        self.batch.shutdown(timeout)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # ---- messages ----------------------------------------------------------------------------------------
    def show_error(self, message: str, details: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(details[-3000:] if details else "")
        self.error_label.show()
        self.error_close.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.error_close.hide()

    # ---- drag and drop -----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.open_files(paths)


def _clean(message: str) -> str:
    """Drop the exception type from messages of errors a user caused (their text is written for users)."""
    for prefix in ("TranslationError: ", "ConfigError: ", "FileNotFoundError: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
