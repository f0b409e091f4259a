"""The panels that explore what the selected run's latest checkpoint does (Latent, Translation, Voxels).

They share one flow: a header names the run (and, once loaded, the model); a run that does not fit the panel
or has no usable checkpoint gets a placeholder saying why; a run that fits is loaded in the background when the
panel is first shown (the window builds every panel at start-up without importing torch); "Reload checkpoint"
loads it again after more training. A subclass says what fits (`capability`: the protocol a run's method must
offer, asked of its spec before anything is loaded), how to load (`start_load`, ending in `loaded_title` or
`load_failed`) and how to forget a model (`unload`).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.gui.panels.base import PanelBase, RunHeader
from workbench.gui.panels.run_header import (
    either,
    methods_offering,
    missing_checkpoint_placeholder,
    run_checkpoint_step,
    run_method_name,
    run_spec,
    run_title_html,
)
from workbench.runs import Run, Workspace

RELOAD_TIP = "(Re)load the selected run's latest checkpoint, e.g. after more training"
NOT_LOADED = "<h3>Not loaded yet</h3>The latest checkpoint is loaded when this tab is shown."
COULD_NOT_LOAD = "<h3>Could not load this run</h3>See the message above."


class CheckpointPanel(PanelBase):
    """A panel showing one loaded checkpoint of the selected run; see the module's docstring for the hooks."""

    loading_text = "<h3>Loading…</h3>Reading the latest checkpoint."
    capability: type | None = None  # the protocol (workbench.methods.capabilities) a run's method must offer
    kind = "fitting"  # "Not a translation run"
    does = ""  # what a method of another kind does not do: "translate images"
    purpose = ""  # what the panel does with a run: "to translate images"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, *, name: str,
                 action: str = "Reload checkpoint", caption: str = "", status_in_header: bool = True,
                 also: tuple[str, ...] = ()) -> None:
        super().__init__(workspace, parent, name=name, status_in_bar=not status_in_header, also=also)
        self.loading = False
        self._pending = False  # a selected run waits to be loaded until the panel is shown
        self.header = RunHeader(name, action, RELOAD_TIP, self.status_label if status_in_header else None,
                                self.busy_bar, caption)
        self.title = self.header.title
        self.reload_button = self.header.action_button
        self.reload_button.clicked.connect(self.load)

    def set_content(self, content: QWidget) -> None:
        """Lay the panel out: header, messages, then the placeholder or `content`."""
        self.content = content
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.messages)
        layout.addWidget(self.stack, 1)

    # ---- what a subclass provides --------------------------------------------------------------------------
    def has_model(self) -> bool:
        """A model of the selected run is loaded or loading."""
        return self.loading

    def unload(self) -> None:
        """Forget the loaded model; results of work on it that arrive later are dropped."""
        self.tasks.invalidate()

    def start_load(self, run: Run) -> None:
        """Load `run`'s latest checkpoint in the background; then call `loaded_title(...)` or `load_failed()`."""
        raise NotImplementedError

    def refusal(self, run: Run, method: str) -> tuple[str, str] | None:
        """(placeholder HTML, error line) when the run's method does not offer `capability`; None when it does."""
        spec = run_spec(run)
        if self.capability is None or (spec is not None and spec.offers(self.capability)):
            return None
        choices = self.choices()
        return (f"<h3>Not a {self.kind} run</h3>{html.escape(run.id)} trains {html.escape(method)}. Select a "
                f"{html.escape(choices)} run {self.purpose}.",
                f"Run {run.id} trains {method!r}, which does not {self.does}: select a {choices} run.")

    @classmethod
    def choices(cls) -> str:
        """The methods whose runs fit, as a user reads them: "CycleGAN or Pix2Pix", "3D-GAN (gan3d)"."""
        specs = methods_offering(cls.capability) if cls.capability is not None else []
        return either([spec.display_name for spec in specs]) if len(specs) > 1 else \
            either([f"{spec.display_name} ({spec.name})" for spec in specs])

    @property
    def no_run_text(self) -> str:
        """The placeholder while no run is selected."""
        return (f"<h3>No run loaded</h3>Select a {html.escape(self.choices())} run in the Runs list: its latest "
                f"checkpoint is loaded here {self.purpose}.")

    # ---- the selected run ----------------------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        """Select `run`: loaded now if the panel is visible, else when it is first shown."""
        if run is not None and self.run is not None and run.path == self.run.path and self.has_model():
            return  # already loaded or loading; "Reload checkpoint" reloads
        self.run = run
        self.clear_error()
        self.status_label.clear()  # it spoke of the previous run
        self.unload()
        self.loading = False
        self._pending = False
        if run is None:
            self.title.setText("<b>No run selected</b>")
            self.set_placeholder(self.no_run_text)
        else:
            self.title.setText(self.run_title())
            self._check(run)
        self.update_buttons()

    def _check(self, run: Run) -> None:
        method = run_method_name(run)
        if method is None:
            refusal = ("<h3>Cannot read this run</h3>See the message above.",
                       f"Cannot read the configuration of run {run.id}.")
        else:
            refusal = self.refusal(run, method)
        if refusal is not None:
            self.set_placeholder(refusal[0])
            self.show_error(refusal[1])
        elif run_checkpoint_step(run) is None:
            self.set_placeholder(missing_checkpoint_placeholder(run))
        else:
            self._pending = True
            self.set_placeholder(NOT_LOADED)
            if self.isVisible():
                self.load()

    def load(self) -> None:
        """(Re)load the selected run's latest checkpoint in the background."""
        if self.run is None:
            return
        self._pending = False
        self.clear_error()
        self.unload()
        self.loading = True
        self.title.setText(self.run_title())
        self.set_placeholder(self.loading_text)
        self.start_load(self.run)
        self.update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._pending:
            self.load()

    def loaded_title(self, line: str) -> None:
        """The load finished: the run's line, the model's `line` under it, and the content instead of the
        placeholder."""
        self.loading = False
        head = self.run_title() if self.run is not None else ""
        self.title.setText(f"{head}<br><span style='color: palette(mid)'>{html.escape(line)}</span>")
        self.stack.setCurrentWidget(self.content)
        self.update_buttons()

    def load_failed(self, *_reason: Any) -> None:
        self.loading = False
        self.set_placeholder(COULD_NOT_LOAD)
        self.update_buttons()

    def run_title(self) -> str:
        return run_title_html(self.run) if self.run is not None else "<b>No run selected</b>"

    def can_reload(self) -> bool:
        run = self.run
        if run is None or self.loading or run_checkpoint_step(run) is None:
            return False
        method = run_method_name(run)
        return method is not None and self.refusal(run, method) is None

    def update_buttons(self) -> None:
        self.reload_button.setEnabled(self.can_reload())

    def update_busy(self) -> None:
        super().update_busy()
        self.update_buttons()
