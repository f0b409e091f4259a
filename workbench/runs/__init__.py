"""The run store: one folder per run with its config, metrics database, sample images and checkpoints.

Torch-free (and pandas-free until a DataFrame is asked for), so the window can list and watch runs before torch is
loaded and a notebook can `import workbench.runs` at once:

    import workbench.runs
    run = workbench.runs.open("my-run-id")    # or a run folder; see workbench/runs/reader.py
    run.scalars()                             # a pandas DataFrame: step, wall, tag, value
"""

from workbench.runs.control import RunControl, RunNotRunningError
from workbench.runs.meta import RunError, RunMeta
from workbench.runs.metrics_db import MetricsReader, MetricsWriter
from workbench.runs.reader import RunReader, open
from workbench.runs.run import Run, RunLockedError, RunStatus
from workbench.runs.workspace import Workspace, default_workspace_root

__all__ = [
    "MetricsReader",
    "MetricsWriter",
    "Run",
    "RunControl",
    "RunError",
    "RunLockedError",
    "RunMeta",
    "RunNotRunningError",
    "RunReader",
    "RunStatus",
    "Workspace",
    "default_workspace_root",
    "open",
]
