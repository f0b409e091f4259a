"""`workbench runs`: list the runs in the workspace, and manage them.

    workbench runs [--json]                  every run: id, method, data, status, progress (and name, tags)
    workbench runs rename RUN NAME           a display name ("" removes it); the run's id and folder never change
    workbench runs tag RUN [+tag|-tag ...]   add (+tag or tag) or remove (-tag) tags; without any: print them
    workbench runs note RUN [TEXT | -]       replace the notes (- reads them from stdin); without TEXT: print them
    workbench runs rm RUN... [--yes]         move runs to the workspace's trash (asks first on a terminal)
    workbench runs restore NAME...           move trashed runs back
    workbench runs trash [--json]            the runs in the trash

A run whose run.toml cannot be read is listed as damaged, with why; a damaged meta.json is reported the same way
and the run is listed without its name and tags. Nothing is deleted for good: empty the trash by deleting the
folder `<workspace>/trash` (or one run's folder in it).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from workbench.cli.common import CLIError, find_run, format_table
from workbench.config import ConfigError
from workbench.runs import Run, RunError, Workspace
from workbench.runs.examples import is_example
from workbench.runs.workspace import trash_record

NAME_WIDTH = 32  # the NAME and TAGS columns are cut to this many characters, so the table stays one line a run
TAGS_WIDTH = 28


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    runs = sub.add_parser("runs", parents=[common], help="list the runs in the workspace, or rename, tag, note, "
                                                         "trash or restore one",
                          description="List the runs in the workspace; with an action, manage one.")
    runs.add_argument("--json", action="store_true", help="machine-readable output")
    actions = runs.add_subparsers(dest="runs_action", metavar="ACTION")
    rename = actions.add_parser("rename", parents=[common], help="give a run a display name (its id never changes)")
    rename.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    rename.add_argument("name", metavar="NAME", help='one line, at most 120 characters; "" removes the name')
    tag = actions.add_parser("tag", parents=[common], help="add or remove a run's tags, or print them",
                             description="Add (+tag, or a bare tag) or remove (-tag) tags. A tag is 1 to 32 "
                                         "letters, digits or _ - . : / starting with a letter or digit.")
    tag.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    tag.add_argument("changes", metavar="+TAG|-TAG", nargs=argparse.REMAINDER, help="tags to add or remove")
    note = actions.add_parser("note", parents=[common], help="set a run's notes, or print them")
    note.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    note.add_argument("text", metavar="TEXT", nargs="?", help='the notes, replacing the old ones ("" removes them; '
                                                              '"-" reads them from stdin)')
    rm = actions.add_parser("rm", parents=[common], help="move runs to the workspace's trash (restorable)")
    rm.add_argument("runs", metavar="RUN", nargs="+", help="run id, unique id prefix or folder")
    rm.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    restore = actions.add_parser("restore", parents=[common], help="move runs back from the trash")
    restore.add_argument("names", metavar="NAME", nargs="+", help="the name in the trash (see `workbench runs "
                                                                  "trash`) or a unique prefix of it")
    trash = actions.add_parser("trash", parents=[common], help="list the runs in the trash")
    trash.add_argument("--json", action="store_true", help="machine-readable output")
    return runs


def run(args: argparse.Namespace, workspace: str | None) -> int:
    action = getattr(args, "runs_action", None)
    if action == "tag":  # REMAINDER also took a --workspace given after the tags
        args.changes, workspace = _take_workspace(args.changes, workspace)
    ws = Workspace(workspace)
    if action is None:
        return _list(ws.runs(), args.json, f"no runs in {ws.runs_dir}")
    if action == "trash":
        return _list(ws.trashed_runs(), args.json, f"the trash is empty ({ws.trash_dir})", trashed=True)
    return {"rename": _rename, "tag": _tag, "note": _note, "rm": _remove, "restore": _restore}[action](args, ws)


def _take_workspace(changes: list[str], workspace: str | None) -> tuple[list[str], str | None]:
    out, items = [], iter(changes)
    for item in items:
        if item == "--workspace":
            workspace = next(items, None)
            if workspace is None:
                raise CLIError("--workspace needs a PATH")
        elif item.startswith("--workspace="):
            workspace = item.partition("=")[2]
        else:
            out.append(item)
    return out, workspace


# ---- listing ------------------------------------------------------------------------------------------------------
def _list(runs: list[Run], as_json: bool, empty: str, trashed: bool = False) -> int:
    rows = [_run_row(run, trashed) for run in runs]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print(empty)
        return 0
    headers = ["ID", "METHOD", "DATA", "STATUS", "STEP", "CREATED"]
    table = [[r["id"], r["method"], r["data"], r["status"], f"{r['step']}/{r['steps']}",
              r["created"][:16].replace("T", " ")] for r in rows]
    if trashed:
        headers[0] = "NAME IN TRASH"
        headers.append("TRASHED")
        for line, r in zip(table, rows, strict=True):
            line.append(r["trashed"][:16].replace("T", " "))
    if any(r["display_name"] or r["tags"] for r in rows):  # only then: a plain listing stays as it was
        headers += ["NAME", "TAGS"]
        for line, r in zip(table, rows, strict=True):
            line += [_cut(r["display_name"], NAME_WIDTH), _cut(",".join(r["tags"]), TAGS_WIDTH)]
    print(format_table(headers, table))
    for r in rows:
        if r["status"] == "damaged":
            print(f"damaged: {r['id']}: {r['error']}")
        if r["meta_error"]:
            print(f"damaged: {r['id']}: {r['meta_error']}")
    return 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).astimezone().isoformat(timespec="seconds")


def _run_row(run: Run, trashed: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {"id": run.id, "method": "?", "data": "?", "status": "unreadable", "step": 0,
                           "steps": 0, "created": "", "path": str(run.path), "error": "", "display_name": "",
                           "tags": [], "notes": "", "meta_error": ""}
    if trashed:
        original, when = trash_record(run.path)
        row.update(original_id=original, trashed=_when(when))
    try:
        info = run.info()
        row.update(status=info.status, step=info.step, error=info.error, created=_when(info.created))
        config = run.config
        row.update(method=config.method_name, data=config.data.name, steps=config.train.steps)
    except ConfigError as err:  # a damaged run.toml, or a run made by a newer version with an unknown method
        row.update(status="damaged", error=str(err))
    try:
        meta = run.meta()
        row.update(display_name=meta.display_name, tags=list(meta.tags), notes=meta.notes)
    except RunError as err:
        row.update(meta_error=str(err))
    return row


# ---- name, tags, notes ---------------------------------------------------------------------------------------------
def _rename(args: argparse.Namespace, ws: Workspace) -> int:
    run = find_run(ws, args.run, write=True)
    meta = run.set_meta(display_name=args.name)
    print(f"run {run.id}: " + (f"named {meta.display_name!r}" if meta.display_name else "no name (shown by its id)"))
    return 0


def _tag(args: argparse.Namespace, ws: Workspace) -> int:
    run = find_run(ws, args.run, write=bool(args.changes))
    tags = run.meta().tags
    if args.changes:
        remove = [c[1:] for c in args.changes if c.startswith("-")]
        for tag in remove:
            if tag not in tags:
                print(f"run {run.id} has no tag {tag!r}", file=sys.stderr)
        tags = run.change_tags(add=[c.removeprefix("+") for c in args.changes if not c.startswith("-")],
                               remove=remove).tags
    print(f"run {run.id}: " + (f"tags {', '.join(tags)}" if tags else "no tags"))
    return 0


def _note(args: argparse.Namespace, ws: Workspace) -> int:
    run = find_run(ws, args.run)
    if args.text is None:
        notes = run.meta().notes
        print(notes if notes else f"run {run.id} has no notes", end="" if notes.endswith("\n") else "\n")
        return 0
    text = sys.stdin.read() if args.text == "-" else args.text
    run = find_run(ws, args.run, write=True)
    meta = run.set_meta(notes=text)
    lines = len(meta.notes.splitlines())
    print(f"run {run.id}: " + (f"notes set ({lines} line{'s' if lines != 1 else ''})" if meta.notes
                               else "notes removed"))
    return 0


# ---- trash ----------------------------------------------------------------------------------------------------------
def _remove(args: argparse.Namespace, ws: Workspace) -> int:
    runs = [find_run(ws, ref) for ref in args.runs]
    for run in runs:
        if is_example(run):
            raise CLIError(f"{run.id} is a shipped example (read-only, part of the app): it cannot go to the trash; "
                           "nothing was moved")
    if not args.yes and sys.stdin.isatty():
        listed = ", ".join(f"{r.id} ({r.display_name})" if r.display_name != r.id else r.id for r in runs)
        try:
            answer = input(f"move {listed} to the trash ({ws.trash_dir})? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing moved")
            return 1
    for run in runs:
        where = ws.trash_run(run)
        print(f"run {run.id}: moved to the trash ({where}); undo with: workbench runs restore {where.name}")
    return 0


def _restore(args: argparse.Namespace, ws: Workspace) -> int:
    for name in args.names:
        run = ws.restore_run(name)
        print(f"run {run.id}: restored to {run.path}")
    return 0
