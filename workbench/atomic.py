"""Crash-safe file writes: a temporary file in the same folder, fsync, os.replace, then fsync the folder.

A reader (or a process restarted after SIGKILL or power loss) sees either the old file or the new one,
never a torn one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"
EXAMPLE_CARD = "card.toml"


def fsync_directory(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def refuse_example_folder(path: Path) -> None:
    """A shipped example's folder (a card.toml in it, see workbench/runs/examples.py) is never written to, from
    anywhere in the code: its run files, evaluations, latent codes... go to a copy in the workspace."""
    if path.name == EXAMPLE_CARD:
        return
    for folder in (path.parent, path.parent.parent):
        if (folder / EXAMPLE_CARD).is_file():
            raise PermissionError(f"{path}: {folder.name} is a shipped example and read-only; copy it into the "
                                  "workspace first (Runs list: Copy to workspace)")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    refuse_example_folder(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporaries left by a writer that was killed mid-write."""
    for p in folder.glob(TEMP_PREFIX + "*"):
        p.unlink(missing_ok=True)


# ---- exports: files a user asked for, written crash-safely and readable by others ---------------------------------
NEW_FILE_MODE = 0o644  # exports are meant to be shared; the temporary file's 0600 would hide them from others


def export_target(path: str | Path, suffixes: tuple[str, ...] = (), error: type[Exception] = ValueError) -> Path:
    """The file to export to, its folder created; `error` (the caller's user-facing type) when it cannot be."""
    path = Path(path).expanduser()
    if suffixes and path.suffix.lower() not in suffixes:
        raise error(f"cannot write {path.name}: the file name must end in one of {', '.join(suffixes)}")
    if path.is_dir():
        raise error(f"cannot write {path}: it is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise error(f"cannot write {path}: {err.strerror or err}") from None
    return path


def _export_mode(path: Path) -> int:
    """Keep the mode of a file being replaced; a new one gets NEW_FILE_MODE."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return NEW_FILE_MODE


def export_bytes(path: Path, data: bytes, error: type[Exception] = ValueError) -> Path:
    """Write an export atomically, keeping the mode of the file it replaces."""
    mode = _export_mode(path)
    try:
        atomic_write_bytes(path, data)
        os.chmod(path, mode)
    except OSError as err:
        raise error(f"cannot write {path}: {err.strerror or err}") from None
    return path


def export_through_temporary(path: Path, write: Callable[[Path], None], error: type[Exception] = ValueError,
                             failures: tuple[type[BaseException], ...] = (OSError,), suffix: str | None = None) -> Path:
    """Let `write(tmp)` fill a temporary file with the target's suffix or `suffix` (writers such as ffmpeg and VTK
    choose the format by it), then move it over the target; `failures` raised by `write` become `error`."""
    mode = _export_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", suffix=suffix or path.suffix,
                                   dir=path.parent)
        os.close(fd)
    except OSError as err:
        raise error(f"cannot write {path}: {err.strerror or err}") from None
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except failures as err:
        raise error(f"cannot write {path}: {getattr(err, 'strerror', None) or err}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    fsync_directory(path.parent)
    return path
