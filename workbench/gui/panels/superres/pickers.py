"""The Super-resolution pane's model pickers: two choices among the workspace's runs of upscaling methods (those
whose spec offers `Upscaler`: SRResNet, SRGAN), each with a line saying what the run is and whether its latest
checkpoint is loaded.

Model A is for base models, model B for refinements that start from another run's weights (their spec offers
`InitFrom`, as SRGAN starts from SRResNet): the run selected in the Runs list goes to its method's picker, and
the first time runs are listed the newest base model and the newest refinement with checkpoints are picked.
A run without a usable checkpoint is listed greyed out, with the reason, so it cannot be picked.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QWidget

from workbench.config import ConfigError
from workbench.gui.panels.run_header import either, methods_offering, run_missing_checkpoint_text, run_spec
from workbench.gui.widgets.factory import ERROR_STYLE, busy_bar, button, label
from workbench.methods.capabilities import InitFrom, Upscaler
from workbench.methods.registry import MethodSpec
from workbench.runs import Run, Workspace


def picker_of(spec: MethodSpec) -> int:
    """0 (model A) for a base upscaler, 1 (model B) for one that refines another run's weights."""
    return 1 if spec.offers(InitFrom) else 0


def upscalers() -> list[MethodSpec]:
    """The upscaling methods, base models first."""
    return sorted(methods_offering(Upscaler), key=lambda spec: (picker_of(spec), spec.name))


def upscaler_names() -> str:
    """"srresnet or srgan": the methods' names as the Training tab lists them."""
    return either([spec.name for spec in upscalers()])


class ModelPickers(QGroupBox):
    """Model A and model B; `changed` when either choice changes, `refresh_requested` for ⟳ Refresh."""

    changed = Signal()
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Models", parent)
        self.sr_runs: list[Run] = []  # the workspace's runs of upscaling methods, newest first
        self.listed = False  # the pickers have been filled once
        self.combos: list[QComboBox] = []
        self.infos: list[QLabel] = []
        for name in ("a", "b"):
            combo = QComboBox()
            combo.setObjectName(f"sr-model-{name}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(28)
            combo.setToolTip(f"A super-resolution run ({upscaler_names()}): its latest checkpoint upscales the "
                             "image. Both models must have the same scale.")
            combo.addItem("none", None)
            combo.currentIndexChanged.connect(self.changed)
            self.combos.append(combo)
            self.infos.append(label("", f"sr-model-{name}-info", "color: palette(mid);", wrap=True, selectable=True))
        self.model_a, self.model_b = self.combos
        self.info_a, self.info_b = self.infos
        self.refresh_button = button("⟳ Refresh", "sr-refresh", "List the workspace's super-resolution runs again "
                                     "and reload checkpoints written since", self.refresh_requested, tool=True)
        self.busy_bar = busy_bar("sr-busy", 80)
        grid = QGridLayout(self)
        for row, (title, combo, info, extra) in enumerate(zip(("Model A", "Model B"), self.combos, self.infos,
                                                              (self.refresh_button, self.busy_bar), strict=True)):
            grid.addWidget(QLabel(title), 2 * row, 0)
            grid.addWidget(combo, 2 * row, 1)
            grid.addWidget(extra, 2 * row, 2)
            grid.addWidget(info, 2 * row + 1, 1, 1, 2)
        grid.setColumnStretch(1, 1)

    # ---- listing -------------------------------------------------------------------------------------------
    def fill(self, workspace: Workspace) -> str:
        """List the workspace's SR runs in both pickers, keeping the choices that still exist; a problem or ""."""
        previous, problem = self.picked_runs(), ""
        try:
            self.sr_runs = _sr_runs(workspace)
        except OSError as err:
            self.sr_runs = []
            problem = f"Cannot list the runs in {workspace.root}: {err}"
        if not self.listed and self.sr_runs:  # first time: the newest base model and refinement with checkpoints
            previous = [previous[0] or self._newest(0), previous[1] or self._newest(1)]
        self.listed = self.listed or bool(self.sr_runs)
        for combo, keep in zip(self.combos, previous, strict=True):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("none", None)
            for run in self.sr_runs:
                text, enabled = _run_text(run)
                combo.addItem(text, str(run.path))
                if not enabled:
                    combo.model().item(combo.count() - 1).setEnabled(False)
            index = combo.findData(str(keep.path)) if keep is not None else 0
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        if not self.sr_runs:
            self.info_a.setText(f"No {upscaler_names()} runs in this workspace yet: train one in the Training tab "
                                "(dataset sr-photos).")
            self.info_b.setText("")
        return problem

    def forget(self) -> None:
        """Another workspace: nothing listed yet."""
        self.listed = False

    def _newest(self, picker: int) -> Run | None:
        for run in self.sr_runs:
            spec = run_spec(run)
            if spec is not None and picker_of(spec) == picker and run.latest_checkpoint_step() is not None:
                return run
        return None

    def picked_runs(self) -> list[Run | None]:
        return [self._picked(combo) for combo in self.combos]

    def _picked(self, combo: QComboBox) -> Run | None:
        path = combo.currentData()
        if not path:
            return None
        return next((r for r in self.sr_runs if str(r.path) == path), None)

    def is_listed(self, run: Run) -> bool:
        return any(str(r.path) == str(run.path) for r in self.sr_runs)

    def choose(self, run: Run, spec: MethodSpec) -> str:
        """Pick `run` in its method's picker; why not when it has no usable checkpoint, else ""."""
        combo = self.combos[picker_of(spec)]
        index = combo.findData(str(run.path))
        if index < 0:
            return ""
        if not combo.model().item(index).isEnabled():  # greyed out: nothing to load, so leave the pickers alone
            return f"Run {run.id} has {run_missing_checkpoint_text(run)}: train it first, then choose it here."
        combo.setCurrentIndex(index)  # → changed
        return ""

    def show_states(self, session) -> None:  # noqa: ANN001 - the SuperResolutionSession
        """Each picked run's line: loaded, loading, failed (in red) or waiting for the tab to be shown."""
        for combo, info in zip(self.combos, self.infos, strict=True):
            run = self._picked(combo)
            if run is None:
                info.setText("none: choose a run to compare" if self.sr_runs else info.text())
                continue
            key = session.key(run)
            details = html.escape(_run_details(run))
            if key in session.models:
                info.setText(f"<b>loaded</b> · {details}")
            elif key in session.failures:
                info.setText(f"<span style='{ERROR_STYLE}'>could not load: {html.escape(session.failures[key])}</span>")
            elif key in session.loading:
                info.setText(f"loading the latest checkpoint… · {details}")
            else:
                info.setText(f"loaded when this tab is shown · {details}")
            info.setToolTip("\n".join(t for t in (_run_details(run), _run_notes(run)) if t))


def _sr_runs(workspace: Workspace) -> list[Run]:
    """The runs whose method upscales, the shipped examples' too (an unreadable run is shown, with its reason, by
    the Runs list)."""
    from workbench.runs.examples import list_examples

    found = []
    for run in [*workspace.runs(), *(example.run for example in list_examples())]:
        spec = run_spec(run)
        if spec is not None and spec.offers(Upscaler):
            found.append(run)
    return found


def _run_text(run: Run) -> tuple[str, bool]:
    config, spec = run.config, run_spec(run)
    step = run.latest_checkpoint_step()
    where = f"step {step}" if step is not None else run_missing_checkpoint_text(run, False)
    name = spec.display_name if spec is not None else config.method_name
    return (f"{name} · {run.id} · ×{config.data.scale} · {where}", step is not None)


def _run_details(run: Run) -> str:
    """What the picker's line does not say: the network's size, the training crops, SRGAN's content loss."""
    try:
        config = run.config
        notes = run.notes()
    except (OSError, ConfigError, KeyError, ValueError) as err:
        return f"unreadable configuration ({err})"
    method, data = config.method, config.data
    blocks = method.residual_blocks
    parts = [f"{blocks} residual block{'s' if blocks != 1 else ''} × {method.channels} features",
             f"trained on {data.image_size} px {data.name} crops"]
    if "content_loss" in notes:  # "pixel MSE (fallback: …)", "VGG-19 relu5_4 features from /path": the gist
        gist = re.split(r" \(| from ", notes["content_loss"])[0]
        parts.append(f"content loss: {gist}")
    if "initialised_from" in notes:  # "srresnet-x4 (step 600, /path/to/run)"
        start = notes["initialised_from"].split(", ")[0]
        parts.append(f"from {start}{')' if '(' in start else ''}")
    return " · ".join(parts)


def _run_notes(run: Run) -> str:
    """The run's notes in full (the model line's tooltip)."""
    try:
        return "\n".join(f"{k.replace('_', ' ')}: {v}" for k, v in run.notes().items())
    except (OSError, ValueError) as err:
        return f"notes unreadable: {err}"
