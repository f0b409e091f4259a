"""The Training panel's evaluation curves: the run's "eval/" scalars (train.eval_every's metric history, and the
figures `workbench eval` / the Evaluate tab stored at checkpoints), one tab per metric so that each has its own
scale (FID in the tens, KID in hundredths, precision in [0, 1]). A metric's spread ("KID std") shares its tab.

Each series is the full label, so the sample count stays visible: "FID [digits-cnn, 500]" during training beside
"FID [digits-cnn, 5k]" of a stored evaluation. Points are drawn as dots without smoothing: they are few.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from workbench.evaluation.store import TAG_PREFIX, metric_name
from workbench.gui.widgets.curve_plot import CurvePlot


def tab_name(tag: str) -> str:
    """"eval/KID std [digits-cnn, 500]" → "KID": the tab a series goes to."""
    return metric_name(tag.removeprefix(TAG_PREFIX)).removesuffix(" std")


class EvalPlots(QTabWidget):
    """One CurvePlot per metric, created as its first series arrives; hidden while there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eval-plots")
        self.setDocumentMode(True)
        self.plots: dict[str, CurvePlot] = {}
        self.hide()

    def plot_for(self, tag: str) -> CurvePlot:
        """The plot of `tag`'s metric (created, and this widget shown, on first use)."""
        name = tab_name(tag)
        if name not in self.plots:
            plot = CurvePlot(f"{name} during training (eval/)")
            plot.set_smoothing(0.0)
            self.plots[name] = plot
            self.addTab(plot, name)
            self.show()
        return self.plots[name]

    def append(self, tag: str, steps, walls, values) -> None:  # noqa: ANN001 - arrays, as CurvePlot.append
        plot = self.plot_for(tag)
        new = plot.point_count(tag) == 0
        plot.append(tag, steps, walls, values)
        if new:
            for item in plot.items(tag):
                item.setSymbol("o")
                item.setSymbolSize(5)

    def point_count(self, tag: str) -> int:
        plot = self.plots.get(tab_name(tag))
        return 0 if plot is None else plot.point_count(tag)

    def series_names(self) -> list[str]:
        return [tag for plot in self.plots.values() for tag in plot.series_names()]

    def clear(self) -> None:  # noqa: D102 - QTabWidget.clear, and the plots go too
        super().clear()
        for plot in self.plots.values():
            plot.deleteLater()
        self.plots.clear()
        self.hide()
