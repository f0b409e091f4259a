"""Walking a user's folder safely: every file once, symbolic links followed at most once, loops reported.

A user's folder can hold symbolic links: to images kept elsewhere (read them), to a folder that holds the link
(a loop: followed blindly it lists the same files forever), or to nothing (a broken link, reported). One walk
(`FolderWalk`) remembers every folder it has read by its device and inode, so a folder reached a second time,
through a link or a bind mount, is reported with its reason instead of being read again. Hidden entries (names
starting with ".", such as macOS's ._foo.png or .thumbnails/) are skipped at every level. `class_folders` gives
the ImageFolder layout: only subfolders holding a usable file are classes, so a subfolder holding nothing but a
loop no longer hides the good files beside it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileProblem:
    """A file (or folder) of the user's data that is not used, and why."""

    path: Path
    reason: str


def problems_report(header: str, problems: list[FileProblem], limit: int = 20) -> str:
    """`header`, then one indented line per problem (the first `limit` of them): the message of a folder scan."""
    lines = [header] + [f"  {p.path}: {p.reason}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more")
    return "\n".join(lines)


FolderKey = tuple[int, int] | str


def _folder_key(info: os.stat_result, path: Path) -> FolderKey:
    """What identifies a folder whatever the path to it: (device, inode), or the real path where no inode."""
    return (info.st_dev, info.st_ino) if info.st_ino else os.path.realpath(path)


class FolderWalk:
    """One walk over a user's folder; `problems` collects broken links, loops and unreadable folders.

    Folders read by one walk are never read twice, also across calls, so the class folders of one dataset
    walked one after the other cannot list the same file twice either.
    """

    def __init__(self, exclude: Iterable[Path] = ()) -> None:
        self.problems: list[FileProblem] = []
        self._visited: set[FolderKey] = set()
        self._exclude = {Path(p) for p in exclude}

    def entries(self, folder: Path) -> tuple[list[Path], list[Path]]:
        """The files and the folders directly in `folder` (links followed, hidden and excluded left out)."""
        files: list[Path] = []
        folders: list[Path] = []
        try:
            with os.scandir(folder) as scan:
                found = sorted(scan, key=lambda e: e.name)
        except OSError as err:
            self.problems.append(FileProblem(folder, f"cannot list the folder: {err.strerror or err}"))
            return files, folders
        for entry in found:
            path = folder / entry.name
            if entry.name.startswith(".") or path in self._exclude:
                continue
            try:
                mode = entry.stat(follow_symlinks=True).st_mode
            except OSError as err:
                self.problems.append(FileProblem(path, self._link_problem(path, err)))
                continue
            if stat.S_ISDIR(mode):
                folders.append(path)
            elif stat.S_ISREG(mode):
                files.append(path)
            else:  # a FIFO, socket or device: reading it could block forever
                self.problems.append(FileProblem(path, "not a regular file (a pipe, socket or device)"))
        return files, folders

    @staticmethod
    def _link_problem(path: Path, err: OSError) -> str:
        if err.errno == errno.ELOOP:
            return "symbolic link loop (a chain of links that never reaches a file or folder)"
        if path.is_symlink():
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            return f"broken symbolic link (points to {target}, which does not exist)"
        return f"cannot read: {err.strerror or err}"

    def enter(self, folder: Path, ancestors: frozenset = frozenset(), start: bool = False) -> FolderKey | None:
        """The folder's key, marked read; None, with the problem, when it was read already or is a loop (a link met
        in the walk that leads to a folder holding it). `start`: the folder the user named, read wherever it is."""
        try:
            key = _folder_key(os.stat(folder), folder)
        except OSError as err:
            self.problems.append(FileProblem(folder, f"cannot read the folder: {err.strerror or err}"))
            return None
        target = os.path.realpath(folder)
        holds_link = (not start and folder.is_symlink()
                      and Path(os.path.realpath(folder.parent)).is_relative_to(target))
        if holds_link or key in ancestors:
            self.problems.append(FileProblem(folder, f"symbolic link loop: leads back to {target}, which holds it; "
                                                     f"skipped"))
            return None
        if key in self._visited:
            self.problems.append(FileProblem(folder, f"leads to {target}, a folder already read; skipped so that no "
                                                     f"file is read twice"))
            return None
        self._visited.add(key)
        return key

    def files(self, folder: Path, recursive: bool = True, ancestors: frozenset = frozenset(),
              start: bool = True) -> list[Path]:
        """Every file in `folder` (and, when recursive, below it), sorted; loops and broken links are problems.

        `ancestors`: keys of the folders above `folder` in this walk, so a link back to one reads as a loop.
        """
        found: list[Path] = []
        key = self.enter(folder, ancestors, start)
        if key is None:
            return found
        stack = [(folder, ancestors | {key})]
        while stack:
            current, above = stack.pop()
            files, folders = self.entries(current)
            found += files
            if not recursive:
                continue
            for sub in folders:
                sub_key = self.enter(sub, above)
                if sub_key is not None:
                    stack.append((sub, above | {sub_key}))
        return sorted(found)

    def class_folders(self, root: Path, wanted: Callable[[Path], bool],
                      skip: Iterable[str] = ()) -> tuple[list[tuple[Path, list[Path]]], list[Path]]:
        """(class folder, its files) for each subfolder of `root` holding a wanted file, and the files in `root`.

        A subfolder with no wanted file (empty, or only a loop) is no class, so the good files beside it in
        `root` are still found; one that holds other files is reported, which would otherwise go unexplained.
        """
        skip = set(skip)
        root_key = self.enter(root, start=True)
        if root_key is None:
            return [], []
        loose, subfolders = self.entries(root)
        classes = []
        for sub in subfolders:
            if sub.name in skip:
                continue
            files = self.files(sub, ancestors=frozenset({root_key}), start=False)
            if any(wanted(f) for f in files):
                classes.append((sub, files))
            elif files:
                self.problems.append(FileProblem(sub, "holds no file of a usable type, so it is not a class "
                                                      "folder; skipped"))
        return classes, loose


def walk_files(root: str | Path, recursive: bool = True,
               exclude: Iterable[Path] = ()) -> tuple[list[Path], list[FileProblem]]:
    """Every file under `root` (only those directly in it unless recursive), sorted, and every problem met."""
    walk = FolderWalk(exclude)
    files = walk.files(Path(root), recursive)
    return files, walk.problems
