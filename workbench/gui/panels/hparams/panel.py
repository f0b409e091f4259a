"""The HParams tab: the runs selected in the runs table, their hyperparameters against their metrics. A scatter of
one chosen config field (x) against one chosen figure (y), and parallel coordinates across several of both, each
run in the colour the runs table and every plot give it.

The values come from workbench/evaluation/summary.py (cached per run, read again only when the run's files
change), so the tab follows runs that are still training without cost while nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QSplitter, QWidget

from workbench.config import ConfigError
from workbench.evaluation.summary import config_fields, differing_fields, figure_parts, metric_direction, run_summary
from workbench.gui.panels.base import PanelBase
from workbench.gui.panels.hparams.plots import HParamScatter, ParallelCoordinates, PlotRun
from workbench.gui.run_selection import RunSelection
from workbench.gui.widgets.check_list import CheckListDialog, Choice
from workbench.gui.widgets.factory import button, column, hint, label, row
from workbench.runs import Run, Workspace

POLL_MS = 2000  # while shown: the figures of runs still training move
AUTO_AXES = 7  # more names than this crowd a laptop's width
EMPTY = ("<b>HParams</b><br>Select runs in the Runs list (Ctrl/Shift-click, or tick their boxes) to plot their "
         "hyperparameters against their metrics.")


def run_values(run: Run) -> tuple[dict, dict]:
    """(config fields, figures) of `run`; an unreadable config gives no fields (the run is still plotted)."""
    try:
        config = config_fields(run.config)
    except (ConfigError, OSError, ValueError, TypeError, KeyError):
        config = {}
    return config, run_summary(run)


def _ordered_figures(keys: list[str]) -> list[str]:
    """Evaluation metrics ("FID [digits-cnn, 500] (best)") first, then the losses and the rest as recorded."""
    return [k for k in keys if " [" in k] + [k for k in keys if " [" not in k]


class HParamsPanel(PanelBase):
    def __init__(self, workspace: Workspace, selection: RunSelection, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="hparams")
        self.selection = selection
        self.hyperparameters: list[str] = []  # every config field of the selected runs, differing ones first
        self.differing: list[str] = []
        self.figures: list[str] = []
        self.axes: list[str] | None = None  # the parallel plot's columns; None: chosen automatically
        self.runs: list[PlotRun] = []
        self._shown: tuple | None = None
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("hparams-x")
        self.y_combo = QComboBox()
        self.y_combo.setObjectName("hparams-y")
        for combo in (self.x_combo, self.y_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
            combo.currentIndexChanged.connect(lambda _i: self._draw(force=True))
        self.axes_button = button("Axes…", "hparams-axes", "Choose the hyperparameters and metrics of the parallel "
                                  "coordinates", self.choose_axes)
        self.auto_button = button("Automatic", "hparams-axes-auto", "The fields that differ among the selected "
                                  "runs, then the metric plotted above", lambda: self.set_axes(None))
        self.scatter = HParamScatter()
        self.parallel = ParallelCoordinates()
        self.caption = label("", "hparams-caption")
        self.note = hint("", "hparams-note", small=True)
        top = QWidget()
        top.setLayout(column(row(label("<b>Scatter</b>"), 8, label("x (hyperparameter)"), (self.x_combo, 1), 8,
                                 label("y (metric)"), (self.y_combo, 1), margins=0),
                             (self.scatter, 1), margins=0))
        bottom = QWidget()
        bottom.setLayout(column(row(label("<b>Parallel coordinates</b>"), None, self.auto_button, self.axes_button,
                                    margins=0), (self.parallel, 1), margins=0))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("hparams-splitter")
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setChildrenCollapsible(False)
        content = QWidget()
        content.setLayout(column(row((self.caption, 1), self.busy_bar, margins=0), self.note, (splitter, 1),
                                 margins=0))
        self.stack.addWidget(content)
        self.content = content
        self.setLayout(column(self.messages, (self.stack, 1), margins=6))
        self.selection.changed.connect(self.refresh)
        self._timer = QTimer(self, interval=POLL_MS, timeout=self._poll)
        self._timer.start()
        self.refresh()

    # ---- the window's interface --------------------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        """The tab draws the selection (RunSelection), not one run."""
        self.run = run

    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.refresh()

    def shutdown(self) -> None:
        self._timer.stop()

    # ---- data --------------------------------------------------------------------------------------------------
    def _poll(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Read the selected runs' values (cheap when unchanged) and redraw when something changed."""
        selected = self.selection.runs()
        if not selected:
            self.runs = []
            self._shown = None
            self.set_placeholder(EMPTY)
            return
        configs, runs = [], []
        figures: dict[str, None] = {}
        hyper: dict[str, None] = {}
        for run in selected:
            config, summary = run_values(run)
            configs.append(config)
            hyper.update(dict.fromkeys(config))
            figures.update(dict.fromkeys(summary))
            runs.append(PlotRun(run.id, run.display_name, self.selection.colour(run.id), {**config, **summary}))
        self.runs = runs
        self.differing = differing_fields(configs)
        self.hyperparameters = [*self.differing, *(k for k in hyper if k not in self.differing)]
        self.figures = _ordered_figures(list(figures))
        self._offer(self.x_combo, self.hyperparameters, self.differing)
        self._offer(self.y_combo, self.figures, [])
        self.stack.setCurrentWidget(self.content)
        self.caption.setText(f"{len(runs)} run{'s' if len(runs) != 1 else ''} selected; "
                             + (f"{len(self.differing)} config field{'s' if len(self.differing) != 1 else ''} differ "
                                f"({', '.join(self.differing[:4])}{'…' if len(self.differing) > 4 else ''})"
                                if self.differing else "their configs are the same"))
        self._draw()

    def _offer(self, combo: QComboBox, keys: list[str], marked: list[str]) -> None:
        """`keys` in `combo` (the choice kept when still offered); `marked` ones read "Δ" (they differ)."""
        offered = [combo.itemData(i) for i in range(combo.count())]
        texts = [f"Δ {k}" if k in marked else k for k in keys]
        if offered == keys and [combo.itemText(i) for i in range(combo.count())] == texts:
            return
        chosen = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for key, text in zip(keys, texts, strict=True):
            combo.addItem(text, key)
        index = combo.findData(chosen)
        combo.setCurrentIndex(index if index >= 0 else self._default_index(combo, keys))
        combo.blockSignals(False)

    def _default_index(self, combo: QComboBox, keys: list[str]) -> int:
        if combo is self.y_combo:
            return next((i for i, k in enumerate(keys) if k.endswith("(best)")), 0) if keys else -1
        numeric = [i for i, k in enumerate(keys) if k in self.differing and all(
            isinstance(r.values.get(k), int | float) and not isinstance(r.values.get(k), bool) for r in self.runs)]
        return numeric[0] if numeric else (0 if keys else -1)

    def auto_axes(self) -> list[str]:
        """The fields that differ (at most 4), the metric of the scatter, then other metrics' best values."""
        y = self.y_combo.currentData()
        axes = list(self.differing[:4]) or [k for k in ("method.name", "data.batch_size") if k in self.hyperparameters]
        best = [f for f in self.figures if f.endswith("(best)") and metric_direction(figure_parts(f)[0])]
        for key in (y, *best):
            if key and key not in axes:
                axes.append(key)
        return axes[:AUTO_AXES]

    def set_axes(self, keys: list[str] | None) -> None:
        self.axes = keys
        self._draw(force=True)

    def choose_axes(self) -> None:
        shown = self.current_axes()
        choices = [Choice(k, k, "Hyperparameters", k in shown) for k in self.hyperparameters]
        choices += [Choice(k, k, "Metrics", k in shown) for k in self.figures]
        dialog = CheckListDialog(self, "Parallel coordinates", "Tick the axes, left to right in the order ticked.",
                                 choices, "hparams-axes-dialog")
        if dialog.exec():
            self.set_axes(dialog.checked() or None)

    def current_axes(self) -> list[str]:
        known = set(self.hyperparameters) | set(self.figures)
        return [k for k in self.axes if k in known] if self.axes is not None else self.auto_axes()

    # ---- drawing -----------------------------------------------------------------------------------------------
    def _draw(self, force: bool = False) -> None:
        if not self.runs:
            return
        x, y, axes = self.x_combo.currentData(), self.y_combo.currentData(), self.current_axes()
        shown = (tuple((r.id, r.name, r.colour.name(), tuple(sorted((k, repr(v)) for k, v in r.values.items())))
                       for r in self.runs), x, y, tuple(axes))
        if shown == self._shown and not force:
            return
        self._shown = shown
        if x and y:
            self.scatter.show_runs(self.runs, x, y)
            missing = len(self.runs) - len(self.scatter.shown)
            self.note.setText(f"{missing} of the selected runs have no {y} (not recorded or not finite)."
                              if missing else "Hover a point to name its run.")
        else:
            self.note.setText("The selected runs have recorded no figures yet." if not y else "")
        self.parallel.show_runs(self.runs, axes)
