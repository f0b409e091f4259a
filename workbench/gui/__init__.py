"""The Qt application: main window, panels, widgets and the workers that bridge training threads to Qt."""
