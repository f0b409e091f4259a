"""The Translate pane's "Compare with" choice: another translation run on the same data, whose translation of
each input is shown beside the loaded run's (e.g. Pix2Pix beside SPADE on the same label maps: the contrast of
normalisation that washes the labels out against normalisation that re-injects them in every layer).

Candidates are read from the workspace each time the list opens, so runs started after the run was loaded (by
the window, the CLI or torchrun) appear without a reload.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from workbench.config import ConfigError
from workbench.gui.panels.run_header import run_checkpoint_step, run_spec
from workbench.methods.capabilities import Translator
from workbench.runs import Run, Workspace

NONE_TEXT = "nothing (this run only)"


def same_data(run: Run, other: Run) -> bool:
    """Both runs read the same dataset at the same size and direction (so their inputs are alike)."""
    try:
        a, b = run.config.data, other.config.data
    except (OSError, ConfigError, KeyError, ValueError):
        return False
    return (a.name, a.root, a.image_size, a.channels, a.direction) == \
        (b.name, b.root, b.image_size, b.channels, b.direction)


def partner_candidates(workspace: Workspace, run: Run | None) -> list[Run]:
    """Translation runs other than `run`, on the same data, with a checkpoint to load."""
    if run is None:
        return []
    out = []
    for other in workspace.runs():
        if other.path == run.path:
            continue
        spec = run_spec(other)
        if spec is not None and spec.offers(Translator) and same_data(run, other) and \
                run_checkpoint_step(other) is not None:
            out.append(other)
    return out


def run_label(run: Run) -> str:
    spec = run_spec(run)
    return f"{spec.display_name if spec is not None else '?'} · {run.id}"


class PartnerChoice(QComboBox):
    """"nothing" or a run (item data: the run's folder); refreshed from the workspace when opened."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None
        self.candidates: dict[str, Run] = {}  # by folder, as last read from the workspace
        self.setObjectName("translate-compare")
        self.setToolTip("Show another run's translation of the same input beside this one's: runs of any "
                        "translation method trained on the same data (e.g. Pix2Pix beside SPADE)")
        self.refresh()

    def set_run(self, run: Run | None) -> None:
        """The loaded run changed: the choice goes back to nothing."""
        self.run = run
        self.refresh()
        self.setCurrentIndex(0)

    def refresh(self) -> None:
        """Re-read the candidates, keeping the current choice when it is still there (no signal if it is)."""
        chosen = self.currentData()
        self.blockSignals(True)
        self.clear()
        self.addItem(NONE_TEXT, None)
        self.candidates = {str(other.path): other for other in partner_candidates(self.workspace, self.run)}
        for path, other in self.candidates.items():
            self.addItem(run_label(other), path)
        index = self.findData(chosen) if chosen is not None else 0
        self.setCurrentIndex(max(0, index))
        self.blockSignals(False)
        if chosen is not None and index < 0:
            self.currentIndexChanged.emit(0)  # the chosen run went away (trashed): say so

    def showPopup(self) -> None:  # noqa: N802 - Qt override
        self.refresh()
        super().showPopup()

    def chosen_run(self) -> Run | None:
        """The chosen run (None: nothing); one trashed since the list was read fails to load, with its reason."""
        return self.candidates.get(self.currentData() or "")
