"""Latent panel: explore the latent space of a trained run.

A top bar loads the selected run's latest checkpoint and offers the code sources (seeded prior samples,
dataset images, image files to encode or invert, also by dropping them on the panel). The pinned codes sit
in a strip under it, and every tool (interpolation, arithmetic, traversals, sliders, directions, embeddings,
disentanglement, outliers) takes its inputs from them. The state lives in a `LatentSession`; pins are saved in
the run folder (`<run>/latent/`), so what the panel shows is what a script can load with `workbench.latent`.

The window builds this panel at start-up without importing torch: the core is imported when a run is loaded,
in a background thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.panels.latent.code_sources import CodeSources
from workbench.gui.panels.latent.pinned_strip import PinnedStrip
from workbench.gui.panels.latent.session import LatentSession
from workbench.gui.panels.run_header import missing_checkpoint_placeholder, run_checkpoint_step, run_title_html
from workbench.runs import Run, Workspace

ERROR_STYLE = "color: #c62828;"
NO_RUN_TEXT = ("<h3>No run loaded</h3>Select a run in the Runs list: its latest checkpoint is loaded here.<br>"
               "Runs with a latent space can be explored: VAE, β-TCVAE, conditional VAE, AAE, autoencoders, GAN, "
               "DCGAN, conditional GAN, InfoGAN, progressive GAN.")


class LatentPanel(QWidget):
    """Consumes the selected Run (`show_run`); holds a LatentSession that the tools share."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None  # the selected run (loaded, loading or waiting for the panel to show)
        self._pending = False  # a selected run waits to be loaded until the panel is shown
        self.session = LatentSession(self)
        self.setAcceptDrops(True)

        self.title = QLabel()
        self.title.setObjectName("latent-title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.load_button = QPushButton("Load latest checkpoint")
        self.load_button.setObjectName("latent-load")
        self.load_button.setToolTip("(Re)load the selected run's latest checkpoint, e.g. after more training")
        self.load_button.clicked.connect(self.load)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.sources = CodeSources(self.session)

        top = QGroupBox("Latent codes")
        top_layout = QVBoxLayout(top)
        first = QHBoxLayout()
        first.addWidget(self.title, 1)
        first.addWidget(self.busy_bar)
        first.addWidget(self.load_button)
        top_layout.addLayout(first)
        top_layout.addWidget(self.sources)

        self.status_label = QLabel()
        self.status_label.setObjectName("latent-status")
        self.status_label.setStyleSheet("color: palette(mid);")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setObjectName("latent-error")
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
        messages.addWidget(self.status_label, 1)

        self.pinned: PinnedStrip | None = None  # the strip and the tools are built when the tab is first shown
        self.tools: QTabWidget | None = None
        self.tool_widgets: dict[str, QWidget] = {}
        self.placeholder = QLabel()
        self.placeholder.setObjectName("latent-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 32px; font-size: 14px;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self._content: QSplitter | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(top)
        layout.addLayout(messages)
        layout.addWidget(self.stack, 1)

        self.session.space_changed.connect(self._space_changed)
        self.session.status.connect(self._show_status)
        self.session.error.connect(self.show_error)
        self.session.busy_changed.connect(self._busy_changed)
        self.clear_error()
        self.show_run(None)

    def _ensure_content(self) -> QSplitter:
        """Build the pinned strip and the tools (about 0.2 s) on first use, not while the window starts."""
        if self._content is None:
            from workbench.gui.panels.latent.basic_tools import BASIC_TOOL_TABS
            from workbench.gui.panels.latent.tools import TOOL_TABS

            self.pinned = PinnedStrip(self.session)
            self.tools = QTabWidget()
            self.tools.setObjectName("latent-tools")
            for title, cls in [*BASIC_TOOL_TABS, *TOOL_TABS]:
                widget = cls(self.session)
                self.tool_widgets[title] = widget
                self.tools.addTab(widget, title)
            content = QSplitter(Qt.Orientation.Vertical)
            content.addWidget(self.pinned)
            content.addWidget(self.tools)
            content.setStretchFactor(1, 1)
            content.setChildrenCollapsible(False)
            self.stack.addWidget(content)
            self._content = content
        return self._content

    # ---- the selected run --------------------------------------------------------------------------------
    def tool(self, title: str) -> QWidget:
        self._ensure_content()
        return self.tool_widgets[title]

    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.show_run(None)

    def show_run(self, run: Run | None) -> None:
        """Select `run`: it is loaded now if the panel is visible, else when it is first shown."""
        if run is not None and self.run is not None and run.path == self.run.path and self.session.space is not None:
            return  # already loaded; "Load latest checkpoint" reloads
        self.run = run
        self.clear_error()
        self._pending = run is not None
        if self.session.space is not None or self.session.loading:
            self.session.set_space(None)
        if run is None:
            self._pending = False
            self.title.setText("<b>No run selected</b>")
            self._set_placeholder(NO_RUN_TEXT)
        elif self._checkpoint_step() is None:
            self._pending = False
            self.title.setText(self._run_title())
            self._set_placeholder(missing_checkpoint_placeholder(run))
        else:
            self.title.setText(self._run_title())
            self._set_placeholder("<h3>Not loaded yet</h3>The latest checkpoint is loaded when this tab is shown.")
            if self.isVisible():
                self.load()
        self._update_buttons()

    def load(self) -> None:
        """(Re)load the selected run's latest checkpoint in the background."""
        if self.run is None:
            return
        self._pending = False
        self._ensure_content()
        self.clear_error()
        self.title.setText(self._run_title())
        self._set_placeholder("<h3>Loading…</h3>Reading the latest checkpoint.")
        self.session.load_run(self.run)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._ensure_content()
        if self._pending:
            self.load()

    def _checkpoint_step(self) -> int | None:
        return run_checkpoint_step(self.run)

    def _run_title(self) -> str:
        return run_title_html(self.run)

    def _space_changed(self) -> None:
        if self.session.space is not None:
            self.title.setText(f"{self._run_title() if self.run is not None else ''}<br>"
                               f"<span style='color: palette(mid)'>{self.session.describe(with_run=False)}</span>")
            self.stack.setCurrentWidget(self._ensure_content())
        elif not self.session.loading and self.run is not None and not self._pending \
                and self._checkpoint_step() is not None:
            self._set_placeholder("<h3>Could not load this run</h3>See the message above.")
        self._update_buttons()

    def _set_placeholder(self, html: str) -> None:
        self.placeholder.setText(html)
        self.stack.setCurrentWidget(self.placeholder)

    def _update_buttons(self) -> None:
        self.load_button.setEnabled(self.run is not None and not self.session.loading
                                    and self._checkpoint_step() is not None)

    # ---- messages ----------------------------------------------------------------------------------------
    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)

    def show_error(self, message: str, details: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(details[-3000:] if details else "")
        self.error_label.show()
        self.error_close.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.error_close.hide()

    def _busy_changed(self, _busy: bool) -> None:
        self.busy_bar.setVisible(self.session.busy)
        self._update_buttons()

    # ---- drag and drop -----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.drop_files(paths)

    def drop_files(self, paths: list[Path]) -> None:
        """Encode (or, without an encoder, invert) each dropped image file; problems are shown, not raised."""
        if self.session.space is None:
            self.show_error("Load a run first: dropped images are encoded or inverted with its model.")
            return
        space = self.session.space
        if not space.has_encoder and len(paths) > 1:
            self.show_error(f"Inverting one image at a time: {paths[0].name} is inverted, the other "
                            f"{len(paths) - 1} were ignored.")
            paths = paths[:1]
        for path in paths:
            self.sources.pin_file(path)
