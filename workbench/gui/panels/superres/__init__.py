"""Widgets of the Super-resolution pane: synchronised zoom views and the pane's session."""
