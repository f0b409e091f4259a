"""Generative Workbench: train, watch, diagnose and explore deep generative models, offline."""

__version__ = "0.1.0"
