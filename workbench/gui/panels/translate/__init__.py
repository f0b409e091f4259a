"""Sub-widgets of the Translate panel (`workbench.gui.panels.translate_panel`)."""
