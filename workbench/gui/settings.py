"""What the window remembers between sessions (QSettings, an INI file): its geometry and dock layout, splitter
sizes, the last and recent workspaces, and the user's preferences (default device, torch threads, how often the
runs list looks at the disk, whether the system strip shows).

The file is `$WORKBENCH_SETTINGS` when set (tests point it at a temporary file so that they never read or write
the user's own settings), else the per-user `generative-workbench/workbench.ini` (~/.config on Linux, AppData on
Windows, ~/Library/Preferences on macOS). Every getter checks the type of what it reads and falls back to the
default: a hand-edited or older file never breaks the window.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

SETTINGS_ENV = "WORKBENCH_SETTINGS"  # path of the INI file to use instead of the per-user one
ORGANIZATION = "generative-workbench"
APPLICATION = "workbench"
MAX_RECENT = 8
DEVICES = ("cpu", "cuda", "mps")


@dataclass(frozen=True)
class Preferences:
    """The choices of the Preferences dialog; the defaults are what a new user gets."""

    default_device: str = "cpu"  # the Training form's device for a new run
    torch_threads: int = 0  # torch's intra-op threads for training and evaluation in the window; 0: torch's own
    runs_refresh_s: float = 1.5  # how often the runs list looks for new runs and steps on disk
    show_system_strip: bool = True  # CPU, memory (and GPU) curves in the status bar
    reopen_last_workspace: bool = True  # start in the workspace used last (unless one is named)

    def __post_init__(self) -> None:
        if self.default_device not in DEVICES:
            object.__setattr__(self, "default_device", "cpu")
        object.__setattr__(self, "torch_threads", max(0, min(int(self.torch_threads), 256)))
        object.__setattr__(self, "runs_refresh_s", max(0.25, min(float(self.runs_refresh_s), 60.0)))


def settings_path() -> Path:
    """The INI file in use."""
    return Path(_qsettings().fileName())


def _qsettings() -> QSettings:
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class Settings:
    """Typed access to the settings file. Cheap to create: Qt shares one cache per file within a process."""

    def __init__(self) -> None:
        self.store = _qsettings()

    # ---- generic, for panels that remember their own things (columns, last folders) --------------------
    def value(self, key: str, default: Any = None) -> Any:
        return self.store.value(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.store.setValue(key, value)

    def remove(self, key: str) -> None:
        self.store.remove(key)

    def sync(self) -> None:
        """Write to disk now (Qt also does so on its own, and when the last QSettings of the file goes)."""
        self.store.sync()

    def _typed(self, key: str, kind: type, default: Any) -> Any:
        raw = self.store.value(key, None)
        if raw is None:
            return default
        try:
            if kind is bool:
                return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("true", "1", "yes")
            return kind(raw)
        except (TypeError, ValueError):
            return default

    # ---- window layout -----------------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def set_window_geometry(self, data: QByteArray) -> None:
        self.store.setValue("window/geometry", data)

    def window_state(self) -> QByteArray | None:
        """Docks and toolbars (QMainWindow.saveState)."""
        return self._bytes("window/state")

    def set_window_state(self, data: QByteArray) -> None:
        self.store.setValue("window/state", data)

    def _bytes(self, key: str) -> QByteArray | None:
        raw = self.store.value(key, None)
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def splitter_sizes(self, name: str, count: int) -> list[int] | None:
        """The sizes saved for the splitter `name`, if it then had `count` panes (else it has changed since)."""
        raw = self._typed(f"splitters/{name}", str, "")
        try:
            sizes = [int(part) for part in raw.split(",")] if raw else []
        except ValueError:
            return None
        return sizes if len(sizes) == count and any(sizes) and min(sizes) >= 0 else None

    def set_splitter_sizes(self, name: str, sizes: list[int]) -> None:
        self.store.setValue(f"splitters/{name}", ",".join(str(int(s)) for s in sizes))

    def current_tab(self) -> str:
        return self._typed("window/tab", str, "")

    def set_current_tab(self, title: str) -> None:
        self.store.setValue("window/tab", title)

    # ---- workspaces --------------------------------------------------------------------------------------
    def last_workspace(self) -> str | None:
        path = self._typed("workspaces/last", str, "")
        return path or None

    def recent_workspaces(self) -> list[str]:
        """Most recent first, without duplicates."""
        raw = self.store.value("workspaces/recent", [])
        if isinstance(raw, str):  # QSettings gives one string for a one-item list in INI files
            raw = [raw]
        if not isinstance(raw, list):
            return []
        seen: list[str] = []
        for item in raw:
            if isinstance(item, str) and item and item not in seen:
                seen.append(item)
        return seen[:MAX_RECENT]

    def add_recent_workspace(self, path: str | Path) -> None:
        """`path` becomes the last workspace and the first of the recent ones (a folder not made yet, such as a
        first start's default workspace, is not remembered)."""
        if not Path(path).expanduser().is_dir():
            return
        text = str(Path(path).expanduser().resolve())
        recent = [text, *[p for p in self.recent_workspaces() if p != text]][:MAX_RECENT]
        self.store.setValue("workspaces/recent", recent)
        self.store.setValue("workspaces/last", text)

    def remove_recent_workspace(self, path: str) -> None:
        self.store.setValue("workspaces/recent", [p for p in self.recent_workspaces() if p != path])

    def clear_recent_workspaces(self) -> None:
        self.store.setValue("workspaces/recent", [])

    # ---- preferences -------------------------------------------------------------------------------------
    def preferences(self) -> Preferences:
        defaults = Preferences()
        values = {f.name: self._typed(f"preferences/{f.name}", type(getattr(defaults, f.name)),
                                      getattr(defaults, f.name)) for f in fields(Preferences)}
        return Preferences(**values)

    def set_preferences(self, prefs: Preferences) -> None:
        for f in fields(Preferences):
            self.store.setValue(f"preferences/{f.name}", getattr(prefs, f.name))
        self.store.sync()


def apply_torch_threads(threads: int) -> None:
    """Use `threads` intra-op threads for torch work in this process (0: leave torch's own count), once torch
    is imported (the window imports it in the background; this never imports it)."""
    import sys

    torch = sys.modules.get("torch")
    if threads > 0 and torch is not None and hasattr(torch, "set_num_threads"):
        torch.set_num_threads(threads)


# ---- layout memory ----------------------------------------------------------------------------------------------
REMEMBERED = "workbench-remembered"  # a dynamic property: this splitter is restored and followed already


def remember_splitters(root: QWidget) -> None:
    """Give every named splitter under `root` (and `root` itself) its saved sizes, and save them whenever the user
    moves a handle. Call it again after building more (a tab built when first shown): each splitter is done
    once. Splitters without an object name are not remembered."""
    splitters = root.findChildren(QSplitter)
    if isinstance(root, QSplitter):
        splitters.insert(0, root)
    settings = None
    for splitter in splitters:
        name = splitter.objectName()
        if not name or splitter.property(REMEMBERED):
            continue
        splitter.setProperty(REMEMBERED, True)
        settings = settings or Settings()
        sizes = settings.splitter_sizes(name, splitter.count())
        if sizes is not None:
            splitter.setSizes(sizes)
        splitter.splitterMoved.connect(lambda _pos, _index, s=splitter: _save_splitter(s))


def _save_splitter(splitter: QSplitter) -> None:
    Settings().set_splitter_sizes(splitter.objectName(), splitter.sizes())


def save_splitters(root: QWidget) -> None:
    """Save the sizes of the named splitters under `root` that the user has been shown."""
    settings = Settings()
    for splitter in root.findChildren(QSplitter):
        if splitter.objectName() and splitter.property(REMEMBERED) and splitter.isVisible():
            settings.set_splitter_sizes(splitter.objectName(), splitter.sizes())


def restore_window(window: QMainWindow) -> bool:
    """The window's saved geometry and dock layout; False when none was saved (a first start)."""
    settings = Settings()
    geometry, state = settings.window_geometry(), settings.window_state()
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)
    return geometry is not None


def save_window(window: QMainWindow) -> None:
    settings = Settings()
    settings.set_window_geometry(window.saveGeometry())
    settings.set_window_state(window.saveState())
    save_splitters(window)
    settings.sync()
