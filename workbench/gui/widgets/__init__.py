"""Reusable Qt widgets (plots, image viewers)."""
