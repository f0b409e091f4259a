"""Latent panel: explore the latent space of a trained run.

A top bar loads the selected run's latest checkpoint and offers the code sources (seeded prior samples,
dataset images, image files to encode or invert, also by dropping them on the panel). The pinned codes sit
in a strip under it, and every tool (interpolation, arithmetic, traversals, sliders, directions, embeddings,
disentanglement, outliers) takes its inputs from them; the style, attention and class-blend tools show what
StyleGAN's and SAGAN's generators offer. A model with an intermediate latent space can be explored in W instead
of z (the "Space: Z | W" choice). The state lives in a `LatentSession`; pins are saved in
the run folder (`<run>/latent/`), so what the panel shows is what a script can load with `workbench.latent`.

The window builds this panel at start-up without importing torch: the core is imported when a run is loaded,
in a background thread.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTabWidget, QVBoxLayout, QWidget

from workbench.gui.panels.checkpoint_panel import CheckpointPanel
from workbench.gui.panels.latent.code_sources import CodeSources
from workbench.gui.panels.latent.pinned_strip import PinnedStrip
from workbench.gui.panels.latent.session import LatentSession
from workbench.gui.panels.latent.space_switch import SpaceSwitch
from workbench.gui.panels.run_header import methods_offering
from workbench.gui.widgets.factory import fill
from workbench.gui.widgets.scrolling_tabs import ScrollingTabs
from workbench.methods.capabilities import LatentModel
from workbench.runs import Run, Workspace


class LatentPanel(CheckpointPanel):
    """Consumes the selected Run (`show_run`); holds a LatentSession that the tools share."""

    capability = LatentModel
    kind, does, purpose = "latent-space", "have a latent space to explore", "to explore its latent space"

    @property
    def no_run_text(self) -> str:
        names = ", ".join(spec.display_name for spec in methods_offering(LatentModel) if "images" in spec.data_kinds)
        return ("<h3>No run loaded</h3>Select a run in the Runs list: its latest checkpoint is loaded here.<br>"
                f"Runs with a latent space can be explored: {html.escape(names)}.")

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="latent", action="Load latest checkpoint", caption="Latent codes",
                         status_in_header=False, also=("LatentError: ",))
        self.session = LatentSession(self)
        self.load_button = self.reload_button
        self.sources = CodeSources(self.session)
        self.space_switch = SpaceSwitch(self.session)  # "Space: Z | W", for models with an intermediate latent space
        sources_row = QWidget()
        fill(QHBoxLayout(sources_row), self.space_switch, (self.sources, 1), margins=0)
        self.header.add_row(sources_row)

        self.pinned: PinnedStrip | None = None  # the strip and the tools are built when the tab is first shown
        self.tools: QTabWidget | None = None
        self.tool_widgets: dict[str, QWidget] = {}
        self._splitter: QSplitter | None = None
        content = QWidget()
        content.setObjectName("latent-content")
        QVBoxLayout(content).setContentsMargins(0, 0, 0, 0)
        self.set_content(content)

        self.session.space_changed.connect(self._space_changed)
        self.session.status.connect(self.status_label.setText)
        self.session.error.connect(self.show_error)
        self.session.busy_changed.connect(lambda _busy: self.update_busy())
        self.show_run(None)

    def _ensure_content(self) -> QSplitter:
        """Build the pinned strip and the tools (about 0.2 s) on first use, not while the window starts."""
        if self._splitter is None:
            from workbench.gui.panels.latent.basic_tools import BASIC_TOOL_TABS
            from workbench.gui.panels.latent.tools import TOOL_TABS

            self.pinned = PinnedStrip(self.session)
            self.tools = ScrollingTabs()  # a tall or wide tool scrolls on a small screen
            self.tools.setObjectName("latent-tools")
            for title, cls in [*BASIC_TOOL_TABS, *TOOL_TABS]:
                widget = cls(self.session)
                self.tool_widgets[title] = widget
                self.tools.addTab(widget, title)
            splitter = QSplitter(Qt.Orientation.Vertical)
            splitter.setObjectName("latent-splitter")
            splitter.addWidget(self.pinned)
            splitter.addWidget(self.tools)
            splitter.setStretchFactor(1, 1)
            splitter.setChildrenCollapsible(False)
            self.content.layout().addWidget(splitter)
            self._splitter = splitter
        return self._splitter

    def tool(self, title: str) -> QWidget:
        self._ensure_content()
        return self.tool_widgets[title]

    # ---- the selected run --------------------------------------------------------------------------------
    def has_model(self) -> bool:
        return self.session.space is not None

    def unload(self) -> None:
        if self.session.space is not None or self.session.loading:
            self.session.set_space(None)

    def start_load(self, run: Run) -> None:
        self._ensure_content()
        self.session.load_run(run)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self._ensure_content()
        super().showEvent(event)

    def _space_changed(self) -> None:
        if self.session.space is not None:
            self._ensure_content()
            self.loaded_title(self.session.describe(with_run=False))
        elif self.loading and not self.session.loading:
            self.load_failed()

    @property
    def busy(self) -> bool:
        return self.session.busy

    def shutdown(self) -> None:
        """Stop the tools' worker threads (the window is closing)."""
        self.session.closing.emit()

    # ---- dropped files -----------------------------------------------------------------------------------
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
