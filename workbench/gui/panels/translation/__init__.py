"""Sub-widgets of the Translate panel (`workbench.gui.panels.translation.panel`)."""
