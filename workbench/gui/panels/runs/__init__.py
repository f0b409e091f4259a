"""The runs table (panel.py) and its parts: rows read from disk (rows.py), the Qt model and filter (model.py), the
view (view.py), the columns (columns.py), the config diff (config_diff.py), the menu (actions.py, dialogs.py)."""

from workbench.gui.panels.runs.columns import COLUMNS
from workbench.gui.panels.runs.panel import RunsPanel

__all__ = ["COLUMNS", "RunsPanel"]
