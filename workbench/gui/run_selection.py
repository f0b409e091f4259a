"""The runs the user has selected, shared by every view: the runs table writes it, the single-run tabs show its
current run, and the comparison and HParams views draw all of them, each in the same colour everywhere.

Colours follow TensorBoard's and W&B's habit: a run keeps its colour while it stays selected, so adding a run to
a comparison never repaints the others; a freed colour is reused by the next run selected.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from workbench.runs import Run

# Tableau 10: distinct on light and dark backgrounds, familiar from matplotlib and TensorBoard.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


class RunSelection(QObject):
    """An ordered selection of runs with a stable colour per run; `changed` fires when the set or order changes."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[Run] = []
        self._current: Run | None = None
        self._colours: dict[str, int] = {}  # run id → palette index

    def runs(self) -> list[Run]:
        """The selected runs, in the order they were selected."""
        return list(self._runs)

    def run_ids(self) -> list[str]:
        return [run.id for run in self._runs]

    def current(self) -> Run | None:
        """The run the single-run tabs show: the one selected last (None when nothing is selected)."""
        return self._current

    def set_runs(self, runs: list[Run], current: Run | None = None) -> None:
        """Select `runs` (order kept); `current` defaults to the last one. Emits `changed` only on a change."""
        unique: dict[str, Run] = {}
        for run in runs:
            unique.setdefault(run.id, run)
        runs = list(unique.values())
        current = current if current is not None and current.id in unique else (runs[-1] if runs else None)
        same = [r.id for r in runs] == self.run_ids() and (current and current.id) == (self._current and
                                                                                         self._current.id)
        for run_id in list(self._colours):
            if run_id not in unique:
                del self._colours[run_id]
        for run in runs:
            if run.id not in self._colours:
                taken = set(self._colours.values())
                free = [i for i in range(len(PALETTE)) if i not in taken]
                self._colours[run.id] = free[0] if free else len(self._colours) % len(PALETTE)
        self._runs, self._current = runs, current
        if not same:
            self.changed.emit()

    def clear(self) -> None:
        self.set_runs([])

    def colour(self, run_id: str) -> QColor:
        """The run's colour while it is selected (grey for a run that is not)."""
        index = self._colours.get(run_id)
        return QColor(PALETTE[index]) if index is not None else QColor("#9e9e9e")
