"""The run store: one folder per run with its config, metrics database, sample images and checkpoints.

Torch-free, so the window can list and watch runs before torch is loaded.
"""

from workbench.runs.metrics_db import MetricsReader, MetricsWriter
from workbench.runs.run import Run, RunLockedError, RunStatus
from workbench.runs.workspace import Workspace, default_workspace_root

__all__ = [
    "MetricsReader",
    "MetricsWriter",
    "Run",
    "RunLockedError",
    "RunStatus",
    "Workspace",
    "default_workspace_root",
]
