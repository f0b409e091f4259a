"""The Compare tab: the selected runs (the window's RunSelection) overlaid, curves and image grids.

Curves come from each run's store (loader.StoreTail, a MetricsReader read in pieces on one worker thread), so a
run trained by this window, the CLI or another machine on a shared disk is compared the same way, and keeps
growing while it trains; a store read while the tab is hidden would cost the trainer CPU for nothing, so the
tab reads only while shown. A run whose store starts again from an earlier step (a resume from a checkpoint
drops the steps after it) is read again from the start.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QIcon, QKeySequence, QPainter, QPen, QPixmap, QShortcut, QShowEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.base import PanelBase
from workbench.gui.panels.compare.curves import CompareCurves
from workbench.gui.panels.compare.grids import CompareGrids
from workbench.gui.panels.compare.loader import Chunk, StoreTail, read_tails
from workbench.gui.run_selection import RunSelection
from workbench.gui.widgets import curve_controls
from workbench.gui.widgets.curve_groups import EVAL_PREFIX
from workbench.gui.widgets.factory import ERROR_STYLE, checkbox, column, hint, label, line_edit, row
from workbench.runs import Workspace

POLL_MS = 500  # a shown tab looks for new rows twice a second (one PRAGMA per run when there are none)
GESTURES = ("Untick a run or a tag to hide it, double-click it to show it alone. Click a legend's line sample "
            "to hide that curve. Drag to pan, wheel to zoom (right-drag: each axis), A to fit again; hover for "
            "values. Ctrl+F: tag filter.")


class ComparePanel(PanelBase):
    """Curves and grids of the runs in `selection`, each in the run's colour."""

    def __init__(self, workspace: Workspace, selection: RunSelection, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="compare", one_thread=False)
        self.selection = selection
        self.tails: dict[str, StoreTail] = {}  # run id → its store, in selection order
        self._labels: dict[str, str] = {}
        self._reading = False
        self._stale: list[StoreTail] = []  # dropped while a read was running: closed after it
        self._round = 0
        self.reader = LatestRequestWorker(read_tails, "compare-reader", self)
        self.reader.ready.connect(self._on_read)
        self.reader.failed.connect(self._on_read_failed)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self.poll)
        self._build()
        selection.changed.connect(self.sync_runs)
        self.sync_runs()

    def _build(self) -> None:
        self.smoothing_slider = curve_controls.smoothing_slider("Exponential moving average weight, debiased as "
                                                                "in TensorBoard; every plot")
        self.smoothing_slider.setObjectName("compare-smoothing")
        self.curves = CompareCurves()
        self.grids = CompareGrids()
        self.smoothing_slider.valueChanged.connect(self.curves.set_smoothing)
        self.log_y_checkbox = curve_controls.log_y_checkbox()
        self.log_y_checkbox.setObjectName("compare-log-y")
        self.log_y_checkbox.toggled.connect(self.curves.set_log_y)
        self.x_axis_combo = curve_controls.x_axis_combo("x axis of every plot: step, seconds since each run's first "
                                                        "point, or the date and time (wall clock)")
        self.x_axis_combo.setObjectName("compare-x-axis")
        self.x_axis_combo.currentTextChanged.connect(self.curves.set_x_axis)
        self.legend_checkbox = checkbox("Legend", "compare-legend", "Show the legends (run · tag)",
                                        self.curves.set_legend_visible, checked=True)
        self.filter_edit = line_edit("compare-filter", "Filter tags (regular expression)",
                                     "Shows the tags this regular expression matches anywhere, ignoring case, as "
                                     "TensorBoard's filter: 'loss', '^d_', 'loss_(d|g)$'")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.filter_error = label("", "compare-filter-error", ERROR_STYLE)
        self.filter_error.hide()
        QShortcut(QKeySequence.StandardKey.Find, self, self.filter_edit.setFocus,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.runs_list = QListWidget()
        self.runs_list.setObjectName("compare-runs")
        self.runs_list.setToolTip("The compared runs in their colours: untick to hide, double-click to show alone")
        self.runs_list.itemChanged.connect(lambda item: self.curves.set_run_hidden(
            item.data(Qt.ItemDataRole.UserRole), item.checkState() != Qt.CheckState.Checked))
        self.runs_list.itemDoubleClicked.connect(lambda item: _solo(self.runs_list, item))
        self.tags_list = QListWidget()
        self.tags_list.setIconSize(QSize(28, 12))
        self.tags_list.setObjectName("compare-tags")
        self.tags_list.setToolTip("The tags: untick to hide, double-click to show alone")
        self.tags_list.itemChanged.connect(lambda item: self.curves.set_tag_hidden(
            item.text(), item.checkState() != Qt.CheckState.Checked))
        self.tags_list.itemDoubleClicked.connect(lambda item: _solo(self.tags_list, item))
        self.curves.tags_changed.connect(self._fill_tags)

        sidebar = QWidget()
        sidebar.setLayout(column(label("<b>Runs</b>"), (self.runs_list, 1), label("<b>Tags</b>"),
                                 (self.tags_list, 2), hint(GESTURES, "compare-gestures", small=True), margins=0))
        views = QSplitter(Qt.Orientation.Vertical)
        views.addWidget(self.curves)
        views.addWidget(self.grids)
        views.setStretchFactor(0, 3)
        views.setStretchFactor(1, 2)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(sidebar)
        body.addWidget(views)
        body.setStretchFactor(1, 1)
        body.setSizes([190, 1000])
        self.content = QWidget()
        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(row(label("Smoothing"), (self.smoothing_slider, 1), self.log_y_checkbox,
                                     self.x_axis_combo, (self.filter_edit, 2), self.legend_checkbox,
                                     self.busy_bar, margins=0))
        content_layout.addWidget(self.filter_error)
        content_layout.addWidget(body, 1)
        self.stack.addWidget(self.content)
        self.placeholder.setText("Select two or more runs in the Runs list (Ctrl/Shift-click or their checkboxes) "
                                 "to compare their curves and samples here.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.messages)
        layout.addWidget(self.stack, 1)

    # ---- the window's interface ---------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        super().set_workspace(workspace)
        self.sync_runs()

    def shutdown(self) -> None:
        self._poll_timer.stop()
        self.reader.shutdown()
        self.curves.shutdown()
        for tail in [*self.tails.values(), *self._stale]:
            tail.close()
        self.tails.clear()
        self._stale.clear()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._poll_timer.start()
        self.poll()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self._poll_timer.stop()

    # ---- the compared runs --------------------------------------------------------------------------------
    def sync_runs(self) -> None:
        """Follow the selection: read the runs added, drop the runs removed (the others keep what they show)."""
        runs = self.selection.runs()
        ids = {run.id for run in runs}
        for run_id in [r for r in self.tails if r not in ids]:
            self._drop(run_id)
        for run in runs:
            if run.id not in self.tails:
                self.tails[run.id] = StoreTail(run)
        self.tails = {run.id: self.tails[run.id] for run in runs}
        self._labels = {run.id: _display_name(run) for run in runs}
        self.grids.set_runs([(run.id, self._labels[run.id], self.selection.colour(run.id)) for run in runs])
        self._fill_runs()
        if runs:
            self.stack.setCurrentWidget(self.content)
        else:
            self.stack.setCurrentWidget(self.placeholder)
        self._update_status()
        self.poll()

    def _drop(self, run_id: str) -> None:
        tail = self.tails.pop(run_id)
        self.curves.remove_run(run_id)
        if self._reading:
            self._stale.append(tail)
        else:
            tail.close()

    def _fill_runs(self) -> None:
        self.runs_list.blockSignals(True)
        self.runs_list.clear()
        for run_id, tail in self.tails.items():
            item = QListWidgetItem(_swatch(self.selection.colour(run_id)), self._labels[run_id])
            item.setData(Qt.ItemDataRole.UserRole, run_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            hidden = run_id in self.curves.hidden_runs
            item.setCheckState(Qt.CheckState.Unchecked if hidden else Qt.CheckState.Checked)
            item.setToolTip(f"{self._labels[run_id]}\n{tail.run.path}")
            self.runs_list.addItem(item)
        self.runs_list.blockSignals(False)

    def _fill_tags(self) -> None:
        tags = self.curves.tags()
        if [self.tags_list.item(i).text() for i in range(self.tags_list.count())] == tags:
            return
        self.tags_list.blockSignals(True)
        self.tags_list.clear()
        for tag in tags:
            item = QListWidgetItem(_dash_icon(self.curves.dash_of(tag), self.palette().text().color()), tag)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            hidden = tag in self.curves.hidden_tags
            item.setCheckState(Qt.CheckState.Unchecked if hidden else Qt.CheckState.Checked)
            self.tags_list.addItem(item)
        self.tags_list.blockSignals(False)

    def _filter_changed(self, text: str) -> None:
        """A valid pattern applies at once; an invalid one is named under the field and the last valid one stays."""
        try:
            pattern = re.compile(text, re.IGNORECASE) if text.strip() else None
        except re.error as error:
            where = f" at position {error.pos}" if error.pos is not None else ""
            self.filter_error.setText(f"Tag filter: invalid regular expression ({error.msg}{where}); the last valid "
                                      "filter still applies.")
            self.filter_error.show()
            return
        self.filter_error.hide()
        self.curves.set_filter(pattern)

    # ---- reading the stores -------------------------------------------------------------------------------
    def poll(self) -> None:
        """Read what the stores got since the last read, on the reader thread (one read at a time)."""
        if self._reading or not self.tails or not self.isVisible():
            return
        tails = list(self.tails.values())
        start = self._round % len(tails)  # each read starts with another run: all grow together
        self._round += 1
        self._reading = True
        self.reader.submit(tails[start:] + tails[:start])

    def _on_read(self, _request_id: int, chunks: list[Chunk]) -> None:
        self._reading = False
        for tail in self._stale:
            tail.close()
        self._stale.clear()
        for chunk in chunks:
            run_id = chunk.tail.run.id
            if self.tails.get(run_id) is not chunk.tail:  # dropped, or read again meanwhile
                continue
            if self._replayed(run_id, chunk):
                self._reload(run_id)
                continue
            colour = self.selection.colour(run_id)
            for tag, (steps, walls, values) in chunk.scalars.items():
                self.curves.add_points(run_id, self._labels[run_id], colour, tag, steps, walls, values)
            self.grids.add_grids(run_id, chunk.grids)
        self._update_status()
        if any(tail.loading for tail in self.tails.values()):
            QTimer.singleShot(0, self.poll)

    def _on_read_failed(self, _request_id: int, message: str, details: str) -> None:
        self._reading = False
        self.show_error(f"Reading the compared runs failed: {message}", details)

    def _replayed(self, run_id: str, chunk: Chunk) -> bool:
        """Whether the store starts again before what is shown (a resume); evaluations come in any order."""
        for tag, (steps, _, _) in chunk.scalars.items():
            last = self.curves.last_step(run_id, tag)
            if not tag.startswith(EVAL_PREFIX) and last is not None and len(steps) and steps[0] <= last:
                return True
        return False

    def _reload(self, run_id: str) -> None:
        tail = self.tails[run_id]
        tail.close()
        self.curves.remove_run(run_id)
        self.grids.clear_run(run_id)
        self.tails[run_id] = StoreTail(tail.run)

    def _update_status(self) -> None:
        known = sum(t.rows_known for t in self.tails.values())
        read = sum(t.rows_read for t in self.tails.values())
        loading = any(t.loading and t.rows_known > t.rows_read for t in self.tails.values())
        text = (f"{len(self.tails)} runs · {len(self.curves.tags())} tags · {self.curves.point_count():,} points"
                if self.tails else "")
        if loading and known:
            text += f" · loading {min(100, 100 * read // known)}%"
        self.status_label.setText(text)
        self.busy_bar.setVisible(loading)


def _display_name(run: object) -> str:
    try:
        return str(run.display_name)
    except (OSError, ValueError):  # an unreadable meta file: the folder name still names the run
        return str(run.id)


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)


def _dash_icon(style: Qt.PenStyle, colour: QColor) -> QIcon:
    """A short line in the dash a tag is drawn with: the tags list is the legend of the dashes."""
    pixmap = QPixmap(28, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QPen(colour, 2, style))
    painter.drawLine(1, 6, 27, 6)
    painter.end()
    return QIcon(pixmap)


def _solo(widget: QListWidget, chosen: QListWidgetItem) -> None:
    """Show only `chosen`, or everything again when it is already shown alone."""
    items = [widget.item(i) for i in range(widget.count())]
    alone = all((item is chosen) == (item.checkState() == Qt.CheckState.Checked) for item in items)
    for item in items:
        checked = alone or item is chosen
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
