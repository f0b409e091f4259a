"""What a person says about a run: a display name, tags and free-text notes, in `<run>/meta.json`.

A file of its own because the trainer rewrites run.toml at every checkpoint: kept apart, a rename made while the
run trains can neither be overwritten by the trainer nor tear its file. The trainer never writes meta.json; the
window and the CLI write it whole (workbench/atomic.py), one writer at a time (a lock file beside it), so a reader
sees the old file or the new one. A damaged file is reported (RunError naming it) and never stops a listing.

Rules (checked by `validate_meta`, also on reading):
- the display name is one line of at most 120 characters (no line breaks or control characters); empty: the id;
- a tag is a short word: 1 to 32 letters, digits or `_ - . : /`, starting with a letter or digit (so "+tag" and
  "-tag" can add and remove tags on the command line); at most 50 tags, kept in the order given, without repeats;
- notes are free text (several lines) of at most 100,000 characters.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.atomic import atomic_write_text
from workbench.child_process import FileLock

META_FILE = "meta.json"
META_LOCK = ".meta.lock"
NAME_MAX = 120
TAG_MAX = 32
TAGS_MAX = 50
NOTES_MAX = 100_000
TAG_PATTERN = re.compile(rf"[^\W_][\w.:/-]{{0,{TAG_MAX - 1}}}")
TAG_RULE = f"a tag is 1 to {TAG_MAX} letters, digits or _ - . : / starting with a letter or digit"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class RunError(ValueError):
    """A user-fixable problem with a run folder (damaged meta.json, an id taken, a run being trained); the message
    names the run or file and the reason."""


@dataclass(frozen=True)
class RunMeta:
    """A run's display name ("" when it has none: the id is shown), tags and notes."""

    display_name: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""


def check_name(name: str) -> str:
    """The display name, stripped; RunError when it is not one short line."""
    if not isinstance(name, str):
        raise RunError(f"display name {name!r}: must be text")
    name = name.strip()
    if _CONTROL.search(name):
        raise RunError(f"display name {name!r}: must be one line (no line breaks or control characters)")
    if len(name) > NAME_MAX:
        raise RunError(f"display name {name[:20]!r}…: {len(name)} characters, at most {NAME_MAX}")
    return name


def check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """The tags without repeats, in order; RunError naming the first that breaks the rule."""
    if isinstance(tags, str):
        raise RunError(f"tags {tags!r}: give a list of tags, not one string")
    out: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not TAG_PATTERN.fullmatch(tag):
            raise RunError(f"tag {tag!r}: {TAG_RULE}")
        if tag not in out:
            out.append(tag)
    if len(out) > TAGS_MAX:
        raise RunError(f"{len(out)} tags: at most {TAGS_MAX}")
    return tuple(out)


def check_notes(notes: str) -> str:
    if not isinstance(notes, str):
        raise RunError(f"notes {notes!r}: must be text")
    if len(notes) > NOTES_MAX:
        raise RunError(f"notes: {len(notes)} characters, at most {NOTES_MAX}")
    return notes


def validate_meta(display_name: str = "", tags: Iterable[str] = (), notes: str = "") -> RunMeta:
    return RunMeta(check_name(display_name), check_tags(tags), check_notes(notes))


def read_meta(folder: Path) -> RunMeta:
    """The run's meta (empty when it has none); RunError naming the file when it is damaged."""
    return _from_doc(folder / META_FILE, _read_doc(folder / META_FILE))


def _read_doc(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as err:
        raise RunError(f"{path}: cannot be read ({getattr(err, 'strerror', None) or err})") from None
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise RunError(f"{path}: damaged, not JSON ({err}); fix or delete the file") from None
    if not isinstance(doc, dict):
        raise RunError(f"{path}: damaged, not a JSON object; fix or delete the file")
    return doc


def _from_doc(path: Path, doc: dict[str, Any]) -> RunMeta:
    try:
        return validate_meta(doc.get("display_name", ""), doc.get("tags", []), doc.get("notes", ""))
    except RunError as err:
        raise RunError(f"{path}: {err}; fix or delete the file") from None


def update_meta(folder: Path, display_name: str | None = None, tags: Iterable[str] | None = None,
                notes: str | None = None, add_tags: Iterable[str] = (), remove_tags: Iterable[str] = ()
                ) -> RunMeta:
    """Change the given fields (None: keep), validated first; fields of a newer version are kept. `add_tags` and
    `remove_tags` edit the tags as they are when the lock is taken, so two processes tagging at once lose nothing."""
    changes: dict[str, Any] = {}
    if display_name is not None:
        changes["display_name"] = check_name(display_name)
    if tags is not None:
        changes["tags"] = list(check_tags(tags))
    if notes is not None:
        changes["notes"] = check_notes(notes)
    added, removed = check_tags(add_tags), set(remove_tags)
    path = folder / META_FILE
    if not (folder / "run.toml").is_file():
        raise RunError(f"{folder} is not a run folder (no run.toml)")
    with FileLock(folder / META_LOCK):  # read-modify-write: a second writer waits, then sees this one's change
        doc = _read_doc(path)
        current = _from_doc(path, doc)  # a damaged file is reported, not silently replaced
        if added or removed:
            base = changes.get("tags", current.tags)
            changes["tags"] = list(check_tags(t for t in (*base, *added) if t not in removed))
        doc.update(changes, updated=time.time())
        atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return _from_doc(path, doc)
