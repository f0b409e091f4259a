"""The window's file dialogs: open images, save a file of a chosen type, choose a folder.

Every dialog starts in the folder the user last chose in any of them (the home folder at first), so a series of
exports or opened images does not start from the home folder each time. A saved file gets the suffix of the
chosen file type when the user typed none.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.ppm *.pgm *.tif *.tiff *.webp);;All files (*)"

_last_folder: list[Path] = []  # the folder of the last file or folder chosen


def last_folder() -> Path:
    return _last_folder[-1] if _last_folder else Path.home()


def _remember(path: Path) -> Path:
    _last_folder[:] = [path if path.is_dir() else path.parent]
    return path


def ask_open(parent: QWidget, title: str, many: bool = False, filters: str = IMAGE_FILTER) -> list[Path]:
    """The files chosen ([] when cancelled); one at most unless `many`."""
    if many:
        paths, _ = QFileDialog.getOpenFileNames(parent, title, str(last_folder()), filters)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, title, str(last_folder()), filters)
        paths = [path] if path else []
    return [_remember(Path(p)) for p in paths]


def ask_save(parent: QWidget, title: str, name: str, filters: tuple[str, ...] | str) -> Path | None:
    """Where to save (None when cancelled): `name` in the last folder to start with; "(*.png)"-style filters."""
    filters = (filters,) if isinstance(filters, str) else filters
    path, chosen = QFileDialog.getSaveFileName(parent, title, str(last_folder() / name), ";;".join(filters))
    if not path:
        return None
    target = Path(path)
    if not target.suffix and "(*." in chosen:
        target = target.with_suffix(chosen.split("(*", 1)[1].split(")")[0].split()[0])
    return _remember(target)


def ask_folder(parent: QWidget, title: str, start: str = "") -> Path | None:
    """A folder (None when cancelled), starting at `start` or the last folder."""
    folder = QFileDialog.getExistingDirectory(parent, title, start or str(last_folder()))
    return _remember(Path(folder)) if folder else None
