"""Directions tool: find attribute directions in the latent space, keep them in the run, see how entangled
they are, and edit a pinned code along one while holding others fixed.

- Compute: supervised from the dataset's labels or factors (difference of class means, a linear SVM's or a
  logistic regression's boundary normal, InterFaceGAN), from an attribute predictor trained here on the
  labelled real data for models without an encoder (GANs: it labels generated samples), or unsupervised
  (PCA of codes, GANSpace, SeFa). Long work runs in the background with progress text.
- Saved directions: name, method, score and provenance, read from and written to `<run>/latent/`; rename
  by editing the name, delete with the button.
- Cosine similarity of the saved directions as a labelled heat map: entangled attributes show up as large
  off-diagonal values.
- Conditional edit: move a pinned code along one direction with the others checked held fixed (projected out),
  see the decoded image while the slider moves, and pin the result.

The compute form lives in direction_compute.py and the conditional edit in direction_edit.py (parts the tool's
class derives from); this module holds the saved list, the cosine map and what ties them together. Torch and the
core are imported inside methods and background work, never at module import.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.panels.latent.direction_compute import DirectionComputing
from workbench.gui.panels.latent.direction_edit import ConditionalEditing
from workbench.gui.panels.latent.tool_common import HINT_STYLE
from workbench.gui.widgets.factory import single_shot
from workbench.gui.widgets.heatmap import HeatmapView


class DirectionsTool(DirectionComputing, ConditionalEditing, QWidget):
    """Consumes the session's space, run and pins; writes directions to the run and pins edited codes."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.directions: list = []  # workbench.latent.directions.Direction, in saved order
        self.data_info = None  # the dataset's DataInfo (class and factor names), read in the background
        self.edited_image: np.ndarray | None = None
        self.edited_code = None  # the last edited code (tensor), pinned by "Pin result"
        self._edit_timer = single_shot(self, 0, self._update_edit)  # coalesces slider moves: the latest value wins

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("latent-directions-splitter")  # its sizes are remembered
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(self._build_compute())
        left_layout.addWidget(self._build_list(), 1)
        splitter.addWidget(left)
        splitter.addWidget(self._build_cosine())
        splitter.addWidget(self._build_edit())
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 4)
        splitter.setSizes([470, 400, 370])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        session.space_changed.connect(self._space_changed)
        session.pins_changed.connect(self._refresh_codes)
        session.directions_changed.connect(self._reload_directions)
        self._space_changed()

    # ---- layout ------------------------------------------------------------------------------------------

    def _build_list(self) -> QWidget:
        box = QGroupBox("Saved directions")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("directions-table")
        self.table.setHorizontalHeaderLabels(["Name", "Method", "Score", "Provenance"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.itemChanged.connect(self._name_edited)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("remove the selected directions from the run")
        self.delete_button.clicked.connect(self.delete_selected)
        self.list_info = QLabel()
        self.list_info.setStyleSheet(HINT_STYLE)
        self.list_info.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.list_info, 1)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        return box

    def _build_cosine(self) -> QWidget:
        box = QGroupBox("Cosine similarity of the saved directions")
        self.cosine = HeatmapView("", colormap="CET-D1", row_title="direction", column_title="direction")
        self.cosine.setObjectName("directions-cosine")
        layout = QVBoxLayout(box)
        layout.addWidget(self.cosine)
        return box


    def _space_changed(self) -> None:
        space = self.session.space
        self.data_info = None
        self.task.clear()
        self._reload_directions()
        self._refresh_codes()
        self._fill_attributes()
        self._method_changed()
        if space is None:
            return
        self.samples_spin.setMaximum(20_000)

        def work():  # noqa: ANN202 - background thread
            return space.dataset().info

        self.session.run_task(work, self._dataset_read, "", on_failed=lambda *_: None)

    def _dataset_read(self, info) -> None:  # noqa: ANN001 - a DataInfo
        self.data_info = info
        self._fill_attributes()
        self._method_changed()

    def _reload_directions(self) -> None:
        space, run = self.session.space, self.session.run
        if space is not None and run is not None:
            from workbench.latent.directions import load_directions

            try:
                self.directions = load_directions(run, space.latent_dim)
            except ValueError as err:
                self.directions = []
                self.list_info.setText(f"<span style='color:#c62828'>{err}</span>")
                self._show_directions(keep_info=True)
                return
        elif space is None:
            self.directions = []
        self._show_directions()

    def _save(self, directions: list, message: str) -> bool:
        """Write `directions` to the run (kept in memory without one); True when it worked."""
        run = self.session.run
        if run is not None:
            from workbench.latent.directions import save_directions

            try:
                save_directions(run, directions)
            except ValueError as err:
                self.task.show_error(str(err))
                return False
        self.directions = list(directions)
        self._show_directions()
        self.session.directions_changed.emit()
        if message:
            self.session.status.emit(message)
        return True

    # ---- compute -----------------------------------------------------------------------------------------

    def _show_directions(self, keep_info: bool = False) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.directions))
        for r, d in enumerate(self.directions):
            name = QTableWidgetItem(d.name)
            name.setToolTip("double-click to rename")
            self.table.setItem(r, 0, name)
            for c, text in ((1, d.method), (2, "" if d.score is None else f"{d.score:.3g}"), (3, d.provenance)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(d.provenance)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if not keep_info:
            if self.session.space is None:
                self.list_info.setText("Load a run to see its directions.")
            elif not self.directions:
                self.list_info.setText("No directions saved in this run yet.")
            else:
                where = "in the run" if self.session.run is not None else "in memory (no run)"
                self.list_info.setText(f"{len(self.directions)} saved {where}. Double-click a name to rename.")
        self._show_cosine()
        self._refresh_edit_directions()
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.delete_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _name_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        r = item.row()
        old = self.directions[r]
        new_name = item.text().strip()
        if new_name == old.name:
            return
        problem = "" if new_name else "A direction needs a name."
        if new_name in {d.name for i, d in enumerate(self.directions) if i != r}:
            problem = f"Another direction is already called {new_name!r}."
        if problem:
            self.task.show_error(problem)
            self._show_directions()
            return
        renamed = [*self.directions]
        renamed[r] = dataclasses.replace(old, name=new_name)
        if not self._save(renamed, f"Renamed {old.name} to {new_name}."):
            self._show_directions()

    def delete_selected(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows:
            return
        gone = [self.directions[r].name for r in sorted(rows)]
        self._save([d for r, d in enumerate(self.directions) if r not in rows], f"Deleted {', '.join(gone)}.")

    def _show_cosine(self) -> None:
        if len(self.directions) < 2:
            self.cosine.set_placeholder("Save two or more directions to compare them: the cosine of each pair "
                                        "(1: the same, 0: orthogonal, −1: opposite).")
            self.cosine_matrix = None
            return
        from workbench.latent.projection import cosine_matrix

        self.cosine_matrix = cosine_matrix(self.directions)
        names = [d.name for d in self.directions]
        self.cosine.set_matrix(self.cosine_matrix, names, names, levels=(-1.0, 1.0))

    # ---- conditional edit --------------------------------------------------------------------------------
