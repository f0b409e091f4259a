"""The header line every checkpoint-loading pane (Latent, Translate, 3D) writes for the selected run, and which
methods a pane can show, asked of the methods' specs (`MethodSpec.offers`, `display_name`), never of a list.

Reading a run's config or checkpoint list can fail (a folder being written, a damaged run.toml): these helpers
turn that into "unreadable" / "no checkpoint" text instead of an exception in a paint or a slot.
"""

from __future__ import annotations

import html

from workbench.config import ConfigError
from workbench.methods.registry import MethodSpec, available_methods, method_spec
from workbench.runs import Run


def run_method_name(run: Run | None) -> str | None:
    """The run's method name, or None when there is no run or its config cannot be read."""
    if run is None:
        return None
    try:
        return run.config.method_name
    except (ConfigError, OSError, KeyError, ValueError):
        return None


def run_spec(run: Run | None) -> MethodSpec | None:
    """The spec of the run's method; None when there is no run, its config cannot be read or names no method."""
    name = run_method_name(run)
    try:
        return method_spec(name) if name is not None else None
    except ConfigError:
        return None


def methods_offering(capability: type) -> list[MethodSpec]:
    """The methods whose implementation offers `capability` (a protocol of workbench.methods.capabilities)."""
    return [spec for spec in available_methods() if spec.offers(capability)]


def either(words: list[str]) -> str:
    """"A", "A or B", "A, B or C"."""
    return " or ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def run_checkpoint_step(run: Run | None) -> int | None:
    """The step of the run's latest checkpoint; None when there is none or the folder cannot be read."""
    try:
        return run.latest_checkpoint_step() if run is not None else None
    except OSError:  # an unreadable folder is shown as "no checkpoint"
        return None


def run_title_html(run: Run) -> str:
    """"<b>id</b> · Method on data · latest checkpoint: step N" (HTML-escaped), or why the run is unreadable."""
    try:
        method = run.config.method_name
        spec = run_spec(run)
        what = f"{spec.display_name if spec is not None else method} on {run.config.data.name}"
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
