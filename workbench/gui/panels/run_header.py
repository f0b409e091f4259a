"""The header line every checkpoint-loading pane (Latent, Translate, 3D) writes for the selected run.

Reading a run's config or checkpoint list can fail (a folder being written, a damaged run.toml): these helpers
turn that into "unreadable" / "no checkpoint" text instead of an exception in a paint or a slot.
"""

from __future__ import annotations

import html

from workbench.config import ConfigError
from workbench.runs import Run


def run_method_name(run: Run | None) -> str | None:
    """The run's method name, or None when there is no run or its config cannot be read."""
    if run is None:
        return None
    try:
        return run.config.method_name
    except (ConfigError, OSError, KeyError, ValueError):
        return None


def run_checkpoint_step(run: Run | None) -> int | None:
    """The step of the run's latest checkpoint; None when there is none or the folder cannot be read."""
    try:
        return run.latest_checkpoint_step() if run is not None else None
    except OSError:  # an unreadable folder is shown as "no checkpoint"
        return None


def run_title_html(run: Run, method_names: dict[str, str] | None = None) -> str:
    """"<b>id</b> · Method on data · latest checkpoint: step N" (HTML-escaped), or why the run is unreadable."""
    try:
        method = run.config.method_name
        what = f"{(method_names or {}).get(method, method)} on {run.config.data.name}"
    except ConfigError as err:
        return f"<b>{html.escape(run.id)}</b>: unreadable ({html.escape(str(err))})"
    step = run_checkpoint_step(run)
    where = f"latest checkpoint: step {step}" if step is not None else run_missing_checkpoint_text(run, False)
    return f"<b>{html.escape(run.id)}</b> · {html.escape(what)} · {html.escape(where)}"


def run_missing_checkpoint_text(run: Run, detailed: bool = True) -> str:
    """"no checkpoint yet", or which checkpoint files are damaged (`detailed=False`: how many, for a title line);
    never raises (an unreadable folder is "none")."""
    try:
        return run.missing_checkpoint_text(detailed)
    except OSError:
        return "no checkpoint yet"


def missing_checkpoint_placeholder(run: Run) -> str:
    """The HTML a pane shows for a run with nothing to load: not trained yet, or its checkpoint files damaged."""
    text = run_missing_checkpoint_text(run)
    if text == "no checkpoint yet":
        return "<h3>No checkpoint yet</h3>This run has not written a checkpoint: train it first, then load it here."
    return (f"<h3>No usable checkpoint</h3>This run has {html.escape(text)}. The files are left as they are: "
            "resume training to write a new checkpoint, or put the damaged files back.")
