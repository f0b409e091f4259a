"""The runs table's columns: a key per column, its title, how its cells read and how they sort.

Keys: the run's own columns ("run", "id", "method", "data", "status", "step", "tags", "notes", "created"), a config
field ("cfg:method.lr_g": any field of any run's config, so a new setting needs no code here) or a recorded
figure ("fig:loss_g (best)", "fig:FID [digits-cnn, 500] (last)": see workbench/evaluation/summary.py).
"""

from __future__ import annotations

import math
import time

CONFIG, FIGURE = "cfg:", "fig:"
BUILTIN = {"run": "Run", "id": "ID", "method": "Method", "data": "Data", "status": "Status", "step": "Step",
           "tags": "Tags", "notes": "Notes", "created": "Created"}
BUILTIN_TIPS = {"run": "The run's name (its id until it is renamed)", "id": "The run's folder name; never changes",
                "step": "Steps done / steps planned (a running run's step is read from its store)",
                "created": "When the run was created"}
DEFAULT_COLUMNS = ("run", "method", "data", "status", "step")
COLUMNS = tuple(BUILTIN[key] for key in DEFAULT_COLUMNS)  # the default columns' titles
MAX_CELL = 48  # characters: a long reason would widen its column and squeeze the others
STATUS_COLOURS = {
    "running": "#2e7d32",
    "finished": "#1565c0",
    "stopped": "#6d4c41",
    "failed": "#c62828",
    "interrupted": "#ef6c00",
    "created": "#616161",
    "damaged": "#ad1457",  # run.toml cannot be read: the Step cell says why
}
DAMAGED = "damaged"


def title(key: str) -> str:
    """The header of a column: "Method", "method.lr_g", "loss_g (best)"."""
    return BUILTIN.get(key) or key.removeprefix(CONFIG).removeprefix(FIGURE)


def key_for(column: str) -> str:
    """The key of a column given by its key or its title ("Step" → "step")."""
    if column in BUILTIN or column.startswith((CONFIG, FIGURE)):
        return column
    return next((k for k, t in BUILTIN.items() if t == column), CONFIG + column)


def is_config(key: str) -> bool:
    return key.startswith(CONFIG)


def text(value: object, key: str = "") -> str:
    """A cell's text: numbers to 5 significant digits (integers whole), times as dates, text cut to MAX_CELL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "created" and isinstance(value, int | float):
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(value))
    if isinstance(value, float):
        return f"{value:.5g}" if math.isfinite(value) else str(value)
    shown = " ".join(str(value).split()) if key == "notes" else str(value)
    return shown if len(shown) <= MAX_CELL else shown[:MAX_CELL - 1] + "…"


def sort_key(value: object) -> tuple:
    """Numbers before text, numbers as numbers, text without case; empty cells and NaN last."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return (2, 0.0, "")
    if isinstance(value, bool | int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value).lower())
