"""Generative Workbench: train, watch, diagnose and explore deep generative models, offline."""

__version__ = "0.1.0"  # the package's version (pyproject.toml reads it from here); `workbench --version`
