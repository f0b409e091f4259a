"""The runs table's dialogs: export a run (TensorBoard, CSV, Parquet), and the questions its menu asks (a name,
tags, notes, which trashed runs to restore, which runs to compare with)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.check_list import CheckListDialog, Choice
from workbench.gui.widgets.factory import button, hint
from workbench.gui.widgets.file_dialogs import ask_folder, ask_save
from workbench.runs import Run, Workspace
from workbench.runs.workspace import trash_record

EXPORT_KINDS = {  # kind → (label, file suffix; "" for a folder)
    "tensorboard": ("TensorBoard event files (a folder; one sub-folder per run)", ""),
    "csv": ("CSV: step, wall, tag, value", ".csv"),
    "parquet": ("Parquet: step, wall, tag, value", ".parquet"),
}


class ExportDialog(QDialog):
    """Where and how to export `runs`: TensorBoard always goes to a folder; CSV and Parquet to a file for one run,
    to a folder (one `<run id>.csv` each) for several."""

    def __init__(self, parent: QWidget | None, runs: list[Run]) -> None:
        super().__init__(parent)
        self.setObjectName("runs-export-dialog")
        self.setWindowTitle("Export " + (runs[0].id if len(runs) == 1 else f"{len(runs)} runs"))
        self.runs = runs
        self.kind = QComboBox()
        for kind, (label, _suffix) in EXPORT_KINDS.items():
            self.kind.addItem(label, kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.target = QLineEdit()
        self.target.setMinimumWidth(360)
        browse = button("Browse…", "runs-export-browse", on_click=self._browse)
        where = QHBoxLayout()
        where.addWidget(self.target, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Format", self.kind)
        form.addRow("To", where)
        self.note = hint()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self._kind_changed()

    def to_folder(self) -> bool:
        return self.kind.currentData() == "tensorboard" or len(self.runs) > 1

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        suffix = EXPORT_KINDS[kind][1]
        home = Path.home()
        if self.to_folder():
            self.target.setText(str(home / ("tensorboard" if kind == "tensorboard" else f"runs-{kind}")))
            self.note.setText("View with `tensorboard --logdir FOLDER`." if kind == "tensorboard" else
                              f"One {suffix} file per run, named by its id.")
        else:
            self.target.setText(str(home / f"{self.runs[0].id}{suffix}"))
            self.note.setText("")

    def _browse(self) -> None:
        kind = self.kind.currentData()
        if self.to_folder():
            chosen = ask_folder(self, "Export to folder", self.target.text())
        else:
            suffix = EXPORT_KINDS[kind][1]
            chosen = ask_save(self, "Export to file", Path(self.target.text()).name, f"{kind} (*{suffix})")
        if chosen is not None:
            self.target.setText(str(chosen))

    def choice(self) -> tuple[str, Path]:
        return self.kind.currentData(), Path(self.target.text()).expanduser()


def export_runs(runs: list[Run], kind: str, target: Path) -> list[Path]:
    """Write the exports (in a background thread: TensorBoard's writer imports torch); ExportError says why not."""
    from workbench.runs.export import export_csv, export_parquet, export_tensorboard
    from workbench.runs.reader import RunReader

    out = []
    for run in runs:
        reader = RunReader(run)
        if kind == "tensorboard":
            out.append(export_tensorboard(reader, target))
        else:
            write = export_csv if kind == "csv" else export_parquet
            out.append(write(reader, target / f"{run.id}{EXPORT_KINDS[kind][1]}" if len(runs) > 1 else target))
    return out


class NotesDialog(QDialog):
    """Free-text notes of a run, several lines."""

    def __init__(self, parent: QWidget | None, run_name: str, notes: str) -> None:
        super().__init__(parent)
        self.setObjectName("runs-notes-dialog")
        self.setWindowTitle(f"Notes: {run_name}")
        self.editor = QPlainTextEdit(notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(480, 320)

    def notes(self) -> str:
        return self.editor.toPlainText()


def restore_dialog(parent: QWidget | None, workspace: Workspace) -> CheckListDialog:
    """Trashed runs, most recently trashed first, to tick for restoring."""
    choices = []
    for run in workspace.trashed_runs():
        original, when = trash_record(run.path)
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else "?"
        shown = original if original == run.id else f"{original} (in the trash as {run.id})"
        choices.append(Choice(run.id, f"{shown} · trashed {stamp}", tip=str(run.path)))
    explanation = (f"Runs in {workspace.trash_dir}. Tick the ones to move back to the runs." if choices else
                   "The trash is empty.")
    return CheckListDialog(parent, "Restore from trash", explanation, choices, "runs-restore-dialog")


def compare_dialog(parent: QWidget | None, rows: list[tuple[str, str]], selected: list[str]) -> CheckListDialog:
    """Runs (id, shown name) to compare with the selected ones (ticked already)."""
    choices = [Choice(run_id, name if name == run_id else f"{name} ({run_id})", checked=run_id in selected)
               for run_id, name in rows]
    return CheckListDialog(parent, "Compare with…", "Tick the runs to compare; each gets its colour in every plot.",
                           choices, "runs-compare-dialog")
