"""The controls of curve plots: the smoothing slider, log y and the x axis, built once here for the Training
panel's plots (one set each) and the Compare tab (one set for every plot)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox
from superqt import QLabeledDoubleSlider

from workbench.gui.widgets.curve_data import X_RELATIVE, X_STEP, X_WALL

DEFAULT_SMOOTHING = 0.6  # TensorBoard's default
MAX_SMOOTHING = 0.99
X_AXIS_STEP = "Step"
X_AXIS_TIME = "Relative time (s)"
X_AXIS_WALL = "Wall clock"
X_MODES = {X_AXIS_STEP: X_STEP, X_AXIS_TIME: X_RELATIVE, X_AXIS_WALL: X_WALL}
X_LABELS = {X_STEP: "step", X_RELATIVE: "time (s)", X_WALL: "wall clock (local time)"}


def smoothing_slider(tip: str = "Exponential moving average weight, debiased as in TensorBoard"
                     ) -> QLabeledDoubleSlider:
    slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
    slider.setRange(0.0, MAX_SMOOTHING)
    slider.setSingleStep(0.01)
    slider.setDecimals(2)
    slider.setValue(DEFAULT_SMOOTHING)
    slider.setMinimumWidth(70)  # three plots' bars fit beside the samples on a laptop screen
    slider.setMaximumWidth(220)
    slider.setToolTip(tip)
    return slider


def log_y_checkbox() -> QCheckBox:
    checkbox = QCheckBox("log y")
    checkbox.setToolTip("Logarithmic y axis; values ≤ 0 are not drawn")
    return checkbox


def x_axis_combo(tip: str = "x axis: training step, seconds since the run's first point, or date and time"
                 ) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(X_MODES))
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)  # narrower than its longest entry; the list shows them whole
    combo.setToolTip(tip)
    return combo
