"""The HParams tab (panel.py) and its scatter and parallel-coordinates plots (plots.py)."""
