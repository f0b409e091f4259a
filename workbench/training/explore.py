"""Loading a stored run's latest checkpoint for an explorer (Latent, Diffusion, Translation, Voxels).

Each explorer accepts runs whose method does one thing (has a latent space, translates, …) and reports every
reason it cannot use a run in its own error type, one line each: the configuration is unreadable, the method is
of another kind, or the checkpoint does not load. This is that sequence, written once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.config import ConfigError
from workbench.runs import Run


def explorer_session(run: Run, fits: Callable[[str], bool], error: type[Exception],
                     refusal: Callable[[str], str]) -> Any:
    """The run's TrainingSession at its latest checkpoint on the CPU. `fits(method_name)` says whether the
    explorer can use the method; otherwise `error(refusal(method_name))` is raised, as for an unreadable config
    or a checkpoint that does not load."""
    from workbench.training.session import RunLoadError, TrainingSession

    try:
        name = run.config.method_name
    except (OSError, ConfigError, KeyError, ValueError) as err:
        raise error(f"cannot read the configuration of run {run.path.name}: {err}") from err
    if not fits(name):
        raise error(refusal(name))
    try:
        return TrainingSession.from_run(run)
    except RunLoadError as err:
        raise error(str(err)) from None
