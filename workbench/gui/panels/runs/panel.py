"""The runs table: every run in the workspace, refreshed from disk so runs trained by the CLI (or another machine
writing to a shared disk) appear and update on their own, in the columns the user picks from the runs' config
fields and recorded figures, sorted, filtered, and selected for comparison.

The selection is the window's `RunSelection`: Ctrl/Shift-click or a row's check box adds runs to it, each selected
run shows its colour in the first column (the colour every plot draws it in), and the config fields that differ
among the selected runs are framed in the table and listed in the Config diff below it. The single-run tabs show
the run clicked last (`run_selected`). Columns, their widths and the sort are remembered between sessions.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QMenu, QSplitter, QWidget

from workbench.evaluation.summary import differing_fields, forget_summaries
from workbench.gui.panels.base import PanelBase
from workbench.gui.panels.runs import columns
from workbench.gui.panels.runs.actions import RunActions
from workbench.gui.panels.runs.config_diff import ConfigDiff
from workbench.gui.panels.runs.model import ID_ROLE, RunsFilter, RunsModel, display_text
from workbench.gui.panels.runs.rows import RowReader, RunRow
from workbench.gui.panels.runs.view import RunsTable
from workbench.gui.run_selection import RunSelection
from workbench.gui.settings import Settings
from workbench.gui.widgets.check_list import CheckListDialog, Choice
from workbench.gui.widgets.factory import HINT_STYLE, SMALL_HINT_STYLE, button, column, label, line_edit, row
from workbench.runs import Run, Workspace
from workbench.runs.examples import Example, examples_dir, list_examples
from workbench.runs.run import RunStatus

SETTINGS_GROUP = "runs-table/"
FILTERS = (("method", "All methods"), ("data", "All data"), ("status", "Any status"), ("tag", "Any tag"))
MAX_AUTO_WIDTH = 150  # pixels: a column sized to its contents never takes more (its header is elided)
MAX_RUN_WIDTH = 280  # pixels: but a run's name or id ("20250101-120000-dcgan-digits-1a2b") is read whole
EMPTY = ("No runs yet. Set one up in the Training panel and press Start,\nor run "
         "`workbench train --method dcgan --data digits`.")
EMPTY_WITH_EXAMPLES = ("No runs of your own yet. The examples (shaded) are read-only: explore them in every tab; "
                       "right-click → Continue training copies one into your workspace.")
FIGURE_BUDGET_S = 0.05  # what one refresh spends reading runs' figures the first time (the rest follow at once)


class RunsPanel(PanelBase):
    """Emits `run_selected(Run)` when the run the single-run tabs show changes, `new_run_requested()` for the New
    button, `new_run_from_requested(Run)` for "New run from this config" and `compare_requested()` after
    "Compare with…"."""

    run_selected = Signal(object)
    continue_requested = Signal(object, bool)  # a run to train on in the Training panel (a copied example), one step
    new_run_requested = Signal()
    new_run_from_requested = Signal(object)
    compare_requested = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, poll_ms: int = 1500,
                 selection: RunSelection | None = None) -> None:
        super().__init__(workspace, parent, name="runs")
        self.selection = selection if selection is not None else RunSelection(self)
        self.reader = RowReader()
        self.model = RunsModel(self.selection.colour, self)
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = RunsTable()
        self.table.setObjectName("runs-table")
        self.table.setModel(self.proxy)
        self.run_actions = RunActions(self)
        self._syncing = False  # the view's selection is being set from `selection`: not a user's choice
        self._quiet = False  # select_run(emit=False): the tabs are not told
        self._told: str | None = None  # the run id the tabs were last told about
        self._widths: dict[str, int] = {}
        self._sort: tuple[str, int] | None = None  # (column key, Qt.SortOrder value)
        self._diff_shown: tuple | None = None
        self._examples: tuple[tuple, list[Example]] = ((), [])  # (examples folder and its mtime, the examples)
        self.setMinimumWidth(250)
        self._build()
        self._restore_settings()
        self.table.selectionModel().selectionChanged.connect(self._view_selection_changed)
        self.selection.changed.connect(self._selection_changed)
        self.table.customContextMenuRequested.connect(self._context_menu)
        header = self.table.horizontalHeader()
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._section_resized)
        header.sortIndicatorChanged.connect(self._sort_changed)
        self._save_timer = QTimer(self, singleShot=True, interval=300, timeout=self.save_settings)
        self._more_figures = QTimer(self, singleShot=True, interval=0, timeout=self.refresh)
        self._timer = QTimer(self, interval=poll_ms, timeout=self.refresh)
        self._timer.start()
        self.set_workspace(workspace)

    def _build(self) -> None:
        self.new_button = button("New run", "runs-new", "Clear the selection and set up a new run in the Training "
                                 "panel", self._new_run)
        self.columns_button = button("Columns…", "runs-columns", "Choose the columns: config fields, losses, "
                                     "evaluation metrics, name, tags, notes", self.choose_columns)
        self.location = label("", "runs-location", SMALL_HINT_STYLE, wrap=True)
        self.search = line_edit("runs-search", "Filter by id, name, tag or notes", "Every word must appear")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.filters: dict[str, QComboBox] = {}
        for what, everything in FILTERS:
            combo = QComboBox()
            combo.setObjectName(f"runs-filter-{what}")
            combo.addItem(everything, "")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            combo.currentIndexChanged.connect(lambda _i, w=what, c=combo: self.proxy.set_choice(w, c.currentData()))
            self.filters[what] = combo
        self.selected_label = label("", "runs-selected", SMALL_HINT_STYLE)
        self.clear_button = button("Clear", "runs-clear-selection", "Select no run", self.selection.clear, tool=True)
        self.diff = ConfigDiff()
        self.diff.show_columns.connect(lambda fields: self.add_columns([columns.CONFIG + f for f in fields]))
        self.diff.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("runs-splitter")  # its sizes are remembered (workbench/gui/settings.py)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.diff)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.empty_hint = label(EMPTY, "runs-empty", HINT_STYLE, wrap=True)
        self.setLayout(column(
            row(label("<b>Runs</b>"), None, self.columns_button, self.new_button, margins=0),
            self.location, self.search, row(*self.filters.values(), margins=0, spacing=4),
            row(self.selected_label, None, self.clear_button, margins=0), (self.splitter, 1), self.empty_hint,
            self.messages, self.busy_bar, margins=4))

    # ---- the window's interface --------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.selection.clear()
        self._told = None
        self.reader.close()
        forget_summaries()
        self.model.set_rows([])
        self.refresh()

    def show_run(self, run: Run | None) -> None:
        """The runs table is where runs are selected: it shows every run whatever is selected."""

    def shutdown(self) -> None:
        """Stop polling, close the run stores this panel reads and remember the columns."""
        self._timer.stop()
        self._more_figures.stop()
        self.reader.close()
        self.save_settings()

    def set_refresh_interval(self, ms: int) -> None:
        """How often the disk is looked at (Preferences)."""
        self._timer.setInterval(max(100, ms))

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)

    # ---- reading the workspace ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the workspace: a stat or two per run when nothing changed; rows that changed are repainted, the
        selection and the sort are kept."""
        try:
            runs = self.workspace.runs()
        except OSError as err:  # e.g. a shared disk gone away: say so, keep the rows, try again on the next poll
            self.location.setText(f"Workspace: {self.workspace.root} (cannot be read: {err})")
            return
        self.location.setText(f"Workspace: {self.workspace.root}")
        examples = self.examples()
        self.empty_hint.setVisible(not runs)
        self.empty_hint.setText(EMPTY_WITH_EXAMPLES if examples else EMPTY)
        figures = any(key.startswith(columns.FIGURE) for key in self.model.columns)
        self.reader.start(FIGURE_BUDGET_S)
        self._show_rows([self.reader.row(run, figures) for run in [*runs, *(e.run for e in examples)]])
        if self.reader.pending:  # the other runs' figures right after: the window stays responsive meanwhile
            self._more_figures.start()

    def examples(self) -> list[Example]:
        """The shipped examples (read again only when their folder changes: one stat per refresh)."""
        folder = examples_dir()
        try:
            version = (folder, folder.stat().st_mtime_ns) if folder is not None else (None, 0)
        except OSError:
            version = (folder, -1)
        if version != self._examples[0]:
            self._examples = (version, list_examples(folder) if version[1] != -1 else [])
        return self._examples[1]

    def is_example(self, run_id: str) -> bool:
        index = self.model.row_of(run_id)
        return index >= 0 and bool(self.model.rows[index].example)

    def _show_rows(self, rows: list[RunRow]) -> None:
        ids = [r.id for r in rows]
        self.reader.keep_readers({r.id for r in rows if r.status == RunStatus.RUNNING.value})
        if ids != [r.id for r in self.model.rows]:
            self.reader.forget(keep=set(ids))
            self._syncing = True
            try:
                self.model.set_rows(rows)
            finally:
                self._syncing = False
            present = set(ids)
            kept = [self._run(i) for i in self.selection.run_ids() if i in present]
            current = self.selection.current()
            self.selection.set_runs(kept, current if current is not None and current.id in present else None)
            self._show_selection_in_view()
            self._apply_widths()
        else:
            self.model.set_rows(rows)
        self._offer_filters(rows)
        self._selection_changed()

    def _offer_filters(self, rows: list[RunRow]) -> None:
        """Each filter offers the values the listed runs have; the chosen one stays."""
        for what, combo in self.filters.items():
            if what == "tag":
                values = sorted({t for r in rows for t in r.tags})
            else:
                values = sorted({str(r.values.get(what)) for r in rows if r.values.get(what) not in (None, "?")})
            offered = [combo.itemData(i) for i in range(1, combo.count())]
            if values == offered:
                continue
            chosen = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)
            if combo.currentData() != chosen:
                self.proxy.set_choice(what, combo.currentData())

    def _run(self, run_id: str) -> Run:
        index = self.model.row_of(run_id)
        return self.model.rows[index].run if index >= 0 else Run(self.workspace.runs_dir / run_id)

    # ---- selection ---------------------------------------------------------------------------------------------
    def _view_selected_ids(self) -> list[str]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.table.run_id_at(r) for r in rows]

    def _view_selection_changed(self) -> None:
        """The user changed the view's selection: the shared selection follows (runs hidden by a filter stay in
        it, new ones are added last, the run clicked last is the current one)."""
        if self._syncing:
            return
        in_view = self._view_selected_ids()
        visible = {self.table.run_id_at(r) for r in range(self.proxy.rowCount())}
        previous = self.selection.run_ids()
        chosen = set(in_view) | {i for i in previous if i not in visible}
        order = [i for i in previous if i in chosen] + [i for i in in_view if i not in previous]
        clicked = self.table.currentIndex().data(ID_ROLE)
        current = clicked if clicked in chosen else (order[-1] if order else None)
        self.selection.set_runs([self._run(i) for i in order], self._run(current) if current else None)

    def _selection_changed(self) -> None:
        """The shared selection changed (here or elsewhere): marks, colours, the diff, and the tabs' run."""
        ids = self.selection.run_ids()
        rows = [self.model.rows[i] for i in map(self.model.row_of, ids) if i >= 0]
        configs = [r.config() for r in rows if not r.damaged]
        fields = differing_fields(configs)
        differing = {columns.CONFIG + f for f in fields}
        differing |= {name for name in ("method", "data") if f"{name}.name" in fields}
        self.model.set_selection(set(ids), differing)
        if not self._syncing and set(self._view_selected_ids()) != {i for i in ids if self._proxy_index(i).isValid()}:
            self._show_selection_in_view()
        self.selected_label.setText(f"{len(ids)} selected" if len(ids) != 1 else "1 selected")
        self.clear_button.setEnabled(bool(ids))
        self._show_diff(rows, fields)
        current = self.selection.current()
        told, self._told = self._told, (current.id if current is not None else None)
        if current is not None and current.id != told and not self._quiet:
            self.run_selected.emit(current)

    def _show_diff(self, rows: list[RunRow], fields: list[str]) -> None:
        shown = tuple((r.id, str(r.values.get("run")), self.selection.colour(r.id).name(), tuple(
            repr(r.config().get(f)) for f in fields)) for r in rows), tuple(fields)
        if shown == self._diff_shown:
            return
        self._diff_shown = shown
        self.diff.setVisible(len(rows) >= 2)
        if len(rows) >= 2:
            self.diff.show_diff([(r.id, str(r.values.get("run")), self.selection.colour(r.id), r.config())
                                 for r in rows], fields)

    def _show_selection_in_view(self) -> None:
        """Select in the view the rows of the shared selection (without telling anyone)."""
        chosen = QItemSelection()
        last = self.proxy.columnCount() - 1
        for run_id in self.selection.run_ids():
            index = self._proxy_index(run_id)
            if index.isValid():
                chosen.select(index, self.proxy.index(index.row(), max(0, last)))
        model = self.table.selectionModel()
        self._syncing = True
        try:
            model.select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect |
                         QItemSelectionModel.SelectionFlag.Rows)
            current = self.selection.current()
            index = self._proxy_index(current.id) if current is not None else QModelIndex()
            model.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self._syncing = False

    def _proxy_index(self, run_id: str) -> QModelIndex:
        source = self.model.row_of(run_id)
        return self.proxy.mapFromSource(self.model.index(source, 0)) if source >= 0 else QModelIndex()

    def select_run(self, run_id: str, emit: bool = True) -> None:
        """Select `run_id` alone (re-reading the workspace first: it may be new); `emit=False` tells no tab."""
        self.refresh()
        if self.model.row_of(run_id) < 0:
            return
        self._quiet = not emit
        try:
            run = self._run(run_id)
            self.selection.set_runs([run], run)
        finally:
            self._quiet = False

    def select_runs(self, run_ids: list[str]) -> None:
        """Select these runs (those selected already keep their place and colour; the current one stays current
        when it is among them)."""
        previous = self.selection.run_ids()
        order = [i for i in previous if i in run_ids] + [i for i in run_ids if i not in previous]
        order = [i for i in order if self.model.row_of(i) >= 0]
        current = self.selection.current()
        self.selection.set_runs([self._run(i) for i in order],
                                current if current is not None and current.id in order else None)

    def selected_run_id(self) -> str | None:
        """The run the single-run tabs show (the one clicked last)."""
        current = self.selection.current()
        return None if current is None else current.id

    def cell_text(self, run_id: str, column: str) -> str | None:
        """The text of `run_id`'s cell in `column` (a title such as "Step", or a key such as "cfg:method.lr_g");
        None when the run is not listed."""
        index = self.model.row_of(run_id)
        return None if index < 0 else display_text(self.model.rows[index], columns.key_for(column))

    def listed_ids(self) -> list[str]:
        """The run ids in the order shown (sorted and filtered)."""
        return [self.table.run_id_at(r) for r in range(self.proxy.rowCount())]

    def _new_run(self) -> None:
        self.selection.clear()
        self.new_run_requested.emit()

    # ---- menus -------------------------------------------------------------------------------------------------
    def menu_for(self, run_ids: list[str]) -> QMenu:
        """The right-click menu for these runs (the first is the one clicked)."""
        return self.run_actions.menu([self._run(i) for i in run_ids if self.model.row_of(i) >= 0])

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        clicked = index.data(ID_ROLE) if index.isValid() else None
        ids = self.selection.run_ids()
        if clicked is not None and clicked not in ids:
            ids = [clicked]
        elif clicked is not None:
            ids = [clicked, *(i for i in ids if i != clicked)]
        self.menu_for(ids).exec(self.table.viewport().mapToGlobal(pos))

    def _header_menu(self, pos: QPoint) -> None:
        self.header_menu(self.table.horizontalHeader().logicalIndexAt(pos)).exec(
            self.table.horizontalHeader().mapToGlobal(pos))

    def header_menu(self, section: int) -> QMenu:
        """Hide this column, show or hide the run's own columns, choose among all, or go back to the defaults."""
        menu = QMenu(self)
        keys = list(self.model.columns)
        if 0 < section < len(keys):
            key = keys[section]
            menu.addAction(f"Hide “{columns.title(key)}”").triggered.connect(
                lambda: self.set_columns([k for k in keys if k != key]))
            menu.addSeparator()
        for key in list(columns.BUILTIN)[1:]:
            action = menu.addAction(columns.title(key))
            action.setCheckable(True)
            action.setChecked(key in keys)
            action.toggled.connect(lambda on, k=key: self.set_columns(
                [*keys, k] if on else [c for c in keys if c != k]))
        menu.addSeparator()
        menu.addAction("Columns…").triggered.connect(self.choose_columns)
        menu.addAction("Default columns").triggered.connect(lambda: self.set_columns(list(columns.DEFAULT_COLUMNS)))
        return menu

    # ---- columns -----------------------------------------------------------------------------------------------
    def column_choices(self) -> list[Choice]:
        """Every column there is to choose: the run's own, every config field and every figure of the runs listed
        (their figures are read for this)."""
        shown = set(self.model.columns)
        self.reader.start()
        rows = [self.reader.row(r.run, figures=True) for r in self.model.rows]
        config_keys: dict[str, None] = {}
        figure_keys: dict[str, None] = {}
        for r in rows:
            config_keys.update(dict.fromkeys(k for k in r.values if k.startswith(columns.CONFIG)))
            figure_keys.update(dict.fromkeys(r.figure_keys()))
        choices = [Choice(k, columns.title(k), "Run", k in shown, columns.BUILTIN_TIPS.get(k, ""))
                   for k in list(columns.BUILTIN)[1:]]
        choices += [Choice(k, columns.title(k), "Config", k in shown) for k in config_keys]
        choices += [Choice(k, columns.title(k), "Recorded figures", k in shown) for k in sorted(figure_keys)]
        return choices

    def choose_columns(self) -> None:
        dialog = CheckListDialog(self, "Columns", "Tick the columns to show; type to find a field or a metric.",
                                 self.column_choices(), "runs-columns-dialog")
        if dialog.exec():
            self.set_columns(["run", *dialog.checked()])

    def add_columns(self, keys: list[str]) -> None:
        self.set_columns([*self.model.columns, *(k for k in keys if k not in self.model.columns)])

    def set_columns(self, keys: list[str]) -> None:
        """Show these columns (the run's name always first), keeping widths and the sort by column key."""
        keys = ["run", *dict.fromkeys(k for k in keys if k != "run")]
        self._remember_widths()
        self._syncing = True
        try:
            self.model.set_columns(keys)
        finally:
            self._syncing = False
        self._apply_widths()
        self._apply_sort()
        self.refresh()
        self._show_selection_in_view()
        self._save_timer.start()

    def _remember_widths(self) -> None:
        header = self.table.horizontalHeader()
        for i, key in enumerate(self.model.columns):
            if i < header.count() and header.sectionSize(i) > 0:
                self._widths[key] = header.sectionSize(i)

    def _apply_widths(self) -> None:
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        try:
            for i, key in enumerate(self.model.columns):
                if key in self._widths:
                    header.resizeSection(i, self._widths[key])
                else:
                    self.table.resizeColumnToContents(i)
                    limit = MAX_RUN_WIDTH if key in ("run", "id") else MAX_AUTO_WIDTH  # a run id reads whole
                    header.resizeSection(i, min(header.sectionSize(i), limit))
        finally:
            header.blockSignals(False)

    def _apply_sort(self) -> None:
        if self._sort is not None and self._sort[0] in self.model.columns:
            self.table.sortByColumn(self.model.columns.index(self._sort[0]), Qt.SortOrder(self._sort[1]))
        else:
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self.proxy.sort(-1)

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        if 0 <= index < len(self.model.columns) and new > 0:
            self._widths[self.model.columns[index]] = new
            self._save_timer.start()

    def _sort_changed(self, section: int, order: Qt.SortOrder) -> None:
        keys = self.model.columns
        self._sort = (keys[section], order.value) if 0 <= section < len(keys) else None
        self._save_timer.start()

    # ---- remembered between sessions ---------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        store = Settings()
        try:
            keys = json.loads(str(store.value(SETTINGS_GROUP + "columns", "[]")))
            widths = json.loads(str(store.value(SETTINGS_GROUP + "widths", "{}")))
            self._widths = {str(k): int(v) for k, v in widths.items()}
            sort = json.loads(str(store.value(SETTINGS_GROUP + "sort", "null")))
            self._sort = (str(sort[0]), int(sort[1])) if sort else None
        except (ValueError, TypeError, IndexError, AttributeError):  # a damaged entry: the defaults
            keys, self._widths, self._sort = [], {}, None
        if keys and all(isinstance(k, str) for k in keys):
            self.model.set_columns(["run", *dict.fromkeys(k for k in keys if k != "run")])
        self._apply_sort()

    def save_settings(self) -> None:
        self._remember_widths()
        store = Settings()
        store.set_value(SETTINGS_GROUP + "columns", json.dumps(self.model.columns))
        store.set_value(SETTINGS_GROUP + "widths", json.dumps(self._widths))
        store.set_value(SETTINGS_GROUP + "sort", json.dumps(self._sort))
        store.sync()
