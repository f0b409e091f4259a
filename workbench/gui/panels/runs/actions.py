"""The runs table's right-click menu and its commands, on the run clicked or on every selected run where that makes
sense: rename, tags, notes, move to the trash (asked first) and restore, a new run from a run's config, open its
folder, export, compare with other runs, and pause / resume / step / stop a run whatever process trains it.

Each command has an `ask_*` form (the dialog) and a plain form the dialog calls (also used by scripts and tests);
a user error (a bad tag, a run still training) is one line in the panel's message bar, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMessageBox

from workbench.config import ConfigError
from workbench.gui.panels.runs.dialogs import ExportDialog, NotesDialog, compare_dialog, export_runs, restore_dialog
from workbench.runs import Run, RunControl, RunError, RunLockedError
from workbench.runs.examples import continued_steps, copy_example, example_of, is_example
from workbench.runs.run import RunStatus

if TYPE_CHECKING:
    from workbench.gui.panels.runs.panel import RunsPanel

CONTROL_ACTIONS = (("pause", "Pause"), ("resume", "Resume"), ("step", "Step one iteration"), ("stop", "Stop"))


def parse_tags(text: str) -> list[str]:
    """Tags typed as "a, b c": separated by commas or spaces."""
    return [t for t in re.split(r"[,\s]+", text) if t]


class RunActions(QObject):
    def __init__(self, panel: RunsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl  # the desktop's file manager
        self._copied = ""  # what the last change copied (examples are copied on write), for its status line

    # ---- the menu ----------------------------------------------------------------------------------------------
    def menu(self, runs: list[Run]) -> QMenu:
        """The menu for `runs` (the selection, the run clicked first); entries for one run only are disabled for
        several."""
        menu = QMenu(self.panel)
        menu.setObjectName("runs-menu")
        one = len(runs) == 1
        first = runs[0] if runs else None

        def add(text: str, slot: Callable[[], object], enabled: bool = True, tip: str = "",
                target: QMenu = menu) -> QAction:
            action = target.addAction(text)
            action.triggered.connect(lambda _checked=False: slot())
            action.setEnabled(enabled and bool(runs))
            action.setToolTip(tip)
            return action

        examples = [run for run in runs if is_example(run)]
        if examples:
            add("Continue training", lambda: self.continue_training(first), one and first in examples,
                "Copy this read-only example into your workspace as a new run and train it on (to twice its steps)")
            add("Copy to workspace", lambda: self.copy_to_workspace(examples),
                tip="A copy of the example in your workspace, as a new run named after it, to change as you like")
            menu.addSeparator()
        add("Rename…", lambda: self.ask_rename(first), one)
        add("Tags…", lambda: self.ask_tags(runs))
        add("Notes…", lambda: self.ask_notes(first), one)
        menu.addSeparator()
        add("New run from this config", lambda: self.panel.new_run_from_requested.emit(first), one)
        add("Compare with…", lambda: self.ask_compare(runs))
        add("Open folder", lambda: self.open_folder(first), one)
        add("Export…", lambda: self.ask_export(runs))
        menu.addSeparator()
        running = bool(runs) and all(self._running(run) for run in runs)
        control = menu.addMenu("Control")
        control.setToolTip("Ask the process that trains the run (this window, the CLI, a script) to pause, go on, "
                           "make one step or stop")
        control.setEnabled(running)
        for action, text in CONTROL_ACTIONS:
            add(text, lambda a=action: self.control(runs, a), running, target=control)
        menu.addSeparator()
        add("Move to trash…", lambda: self.ask_trash(runs), not examples,
            "Shipped examples are part of the app: they are never moved" if examples else "")
        restore = menu.addAction("Restore from trash…")
        restore.triggered.connect(lambda _checked=False: self.ask_restore())
        menu.setToolTipsVisible(True)
        return menu

    @staticmethod
    def _running(run: Run) -> bool:
        try:
            return run.info().status == RunStatus.RUNNING.value
        except (RunError, OSError, ValueError):
            return False

    # ---- name, tags, notes -------------------------------------------------------------------------------------
    def ask_rename(self, run: Run) -> None:
        what = (f"{run.id} is a shipped example (read-only): a copy in your workspace gets the name.\nName"
                if is_example(run) else f"Name of {run.id} (empty: its id; the folder keeps its id)")
        name, ok = QInputDialog.getText(self.panel, "Rename run", f"{what}:", QLineEdit.EchoMode.Normal,
                                        self._meta(run, "display_name"))
        if ok:
            self.rename(run, name)

    def rename(self, run: Run, name: str) -> bool:
        return self._change(lambda: self.own([run])[0].set_meta(display_name=name), "Renamed.")

    def ask_tags(self, runs: list[Run]) -> None:
        common = self._common_tags(runs)
        what = runs[0].id if len(runs) == 1 else f"{len(runs)} runs (the tags they all have)"
        text, ok = QInputDialog.getText(self.panel, "Tags", f"Tags of {what}, separated by commas or spaces:",
                                        QLineEdit.EchoMode.Normal, ", ".join(common))
        if ok:
            self.set_tags(runs, parse_tags(text))

    def set_tags(self, runs: list[Run], tags: list[str]) -> bool:
        """Give `runs` these tags in place of the ones they all had; tags only some of them have stay."""
        common = self._common_tags(runs)
        added = [t for t in tags if t not in common]
        removed = [t for t in common if t not in tags]
        return self._change(lambda: [run.change_tags(added, removed) for run in self.own(runs)],
                            f"Tags of {len(runs)} run{'s' if len(runs) > 1 else ''} changed.")

    def ask_notes(self, run: Run) -> None:
        dialog = NotesDialog(self.panel, run.display_name, self._meta(run, "notes"))
        if dialog.exec():
            self.set_notes(run, dialog.notes())

    def set_notes(self, run: Run, notes: str) -> bool:
        return self._change(lambda: self.own([run])[0].set_meta(notes=notes), "Notes saved.")

    # ---- examples: read-only, copied on write ----------------------------------------------------------------------
    def own(self, runs: list[Run], steps: int | None = None) -> list[Run]:
        """`runs` with each shipped example replaced by a new copy of it in the workspace (said in the status
        line), which is what a change then writes to; `steps`: the copies' new length."""
        owned, copied = [], []
        for run in runs:
            example = example_of(run)
            if example is None:
                owned.append(run)
                continue
            copy = copy_example(example, self.panel.workspace, steps=steps)
            owned.append(copy)
            copied.append(f"{example.name} → {copy.id}")
        if copied:
            self._copied = ("Examples are read-only: copied into your workspace as new runs "
                            f"({'; '.join(copied)}).")
            self.panel.show_status(self._copied)
            self.panel.refresh()
        return owned

    def copy_to_workspace(self, runs: list[Run]) -> list[Run]:
        """Copies of these examples in the workspace, selected (the status line names them)."""
        try:
            copies = self.own(runs)
        except (RunError, ConfigError, OSError) as err:
            self.panel.show_error(f"Cannot copy: {err}")
            return []
        self.panel.select_runs([copy.id for copy in copies])
        return copies

    def continue_training(self, run: Run, one_step: bool = False) -> Run | None:
        """Copy an example into the workspace (to its planned steps when it stopped short, else twice as many)
        and ask the window to train the copy on (or make one step of it)."""
        try:
            info, config = run.info(), run.config
            (copy,) = self.own([run], steps=continued_steps(config.train.steps, info.step))
        except (RunError, ConfigError, OSError) as err:
            self.panel.show_error(f"Cannot copy {run.id}: {err}")
            return None
        self.panel.continue_requested.emit(copy, one_step)
        return copy

    def _meta(self, run: Run, field: str) -> str:
        try:
            return getattr(run.meta(), field)
        except RunError:
            return ""

    def _common_tags(self, runs: list[Run]) -> list[str]:
        tag_sets = []
        for run in runs:
            try:
                tag_sets.append(run.meta().tags)
            except RunError:
                tag_sets.append(())
        return [t for t in (tag_sets[0] if tag_sets else ()) if all(t in s for s in tag_sets)]

    def _change(self, change: Callable[[], object], done: str) -> bool:
        self._copied = ""
        try:
            change()
        except (RunError, ConfigError, OSError) as err:
            self.panel.show_error(str(err))
            return False
        self.panel.clear_error()
        self.panel.show_status(f"{self._copied} {done}".strip())
        self._copied = ""
        self.panel.refresh()
        return True

    # ---- trash -------------------------------------------------------------------------------------------------
    def ask_trash(self, runs: list[Run]) -> None:
        names = ", ".join(run.id for run in runs[:5]) + (f" and {len(runs) - 5} more" if len(runs) > 5 else "")
        answer = QMessageBox.question(
            self.panel, "Move to trash",
            f"Move {names} to the trash?\n\nThe folders go to {self.panel.workspace.trash_dir}; "
            "Restore from trash puts them back.")
        if answer == QMessageBox.StandardButton.Yes:
            self.trash(runs)

    def trash(self, runs: list[Run]) -> list[Run]:
        """Move `runs` to the workspace's trash; a run still training stays, and the message says why."""
        moved, errors = [], []
        for run in runs:
            try:
                self.panel.workspace.trash_run(run)
                moved.append(run)
            except (RunError, RunLockedError, OSError) as err:
                errors.append(str(err))
        if errors:
            self.panel.show_error("; ".join(errors))
        if moved:
            self.panel.show_status(f"Moved {len(moved)} run{'s' if len(moved) > 1 else ''} to the trash.")
        self.panel.refresh()
        return moved

    def ask_restore(self) -> None:
        dialog = restore_dialog(self.panel, self.panel.workspace)
        if dialog.exec():
            self.restore(dialog.checked())

    def restore(self, names: list[str]) -> list[Run]:
        restored, errors = [], []
        for name in names:
            try:
                restored.append(self.panel.workspace.restore_run(name))
            except (RunError, RunLockedError, OSError) as err:
                errors.append(str(err))
        if errors:
            self.panel.show_error("; ".join(errors))
        if restored:
            self.panel.show_status(f"Restored {', '.join(r.id for r in restored)}.")
        self.panel.refresh()
        return restored

    # ---- folder, export, compare -------------------------------------------------------------------------------
    def open_folder(self, run: Run) -> None:
        if not self.open_url(QUrl.fromLocalFile(str(run.path))):
            self.panel.show_error(f"Could not open {run.path} with the desktop's file manager.")

    def ask_export(self, runs: list[Run]) -> None:
        dialog = ExportDialog(self.panel, runs)
        if dialog.exec():
            self.export(runs, *dialog.choice())

    def export(self, runs: list[Run], kind: str, target) -> None:  # noqa: ANN001 - Path
        """Export in the background; the status line says where it went, the message bar why it could not."""
        self.panel.show_status(f"Exporting {len(runs)} run{'s' if len(runs) > 1 else ''}…")
        self.panel.tasks.start(lambda: export_runs(runs, kind, target),
                               lambda paths: self.panel.show_status(f"Exported to {', '.join(map(str, paths))}"))

    def ask_compare(self, runs: list[Run]) -> None:
        rows = [(row.id, str(row.values.get("run", row.id))) for row in self.panel.model.rows]
        dialog = compare_dialog(self.panel, rows, [run.id for run in runs])
        if dialog.exec():
            self.panel.select_runs(dialog.checked())
            self.panel.compare_requested.emit()

    # ---- control -----------------------------------------------------------------------------------------------
    def control(self, runs: list[Run], action: str) -> list[int]:
        """Ask each run's trainer (any process) to `action`; returns the request numbers (RunControl.wait)."""
        numbers, errors = [], []
        for run in runs:
            try:
                numbers.append(RunControl(run).request(action))
            except (RunError, OSError) as err:
                errors.append(str(err))
        if errors:
            self.panel.show_error("; ".join(errors))
        else:
            self.panel.clear_error()
        if numbers:
            self.panel.show_status(f"Asked {len(numbers)} run{'s' if len(numbers) > 1 else ''} to {action}.")
        return numbers
