"""Small builders for the widgets every panel makes the same way: buttons with a name, a tooltip and a slot, grey
hint labels, spin boxes, busy bars, centred placeholders, thumbnail strips and rows of widgets.

One place for these keeps the panels' look consistent (the same grey for hints, the same red for errors, the
same placeholder size) and lets a panel's constructor say what it shows instead of how Qt is told.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: palette(mid);"
SMALL_HINT_STYLE = "color: palette(mid); font-size: 11px;"
PLACEHOLDER_STYLE = "color: palette(mid); padding: 32px; font-size: 14px;"
SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse


def _set(*setters: tuple[Callable, object]) -> None:
    """Call each setter with its value, skipping empty values (so a builder's optional arguments stay optional)."""
    for setter, value in setters:
        if value:
            setter(value)


def button(text: str, name: str = "", tip: str = "", on_click: Callable | None = None,
           tool: bool = False) -> QAbstractButton:
    """A push button (or, with `tool`, a flat tool button) named `name`, with `tip` and `on_click` connected."""
    widget: QAbstractButton = QToolButton() if tool else QPushButton()
    widget.setText(text)
    _set((widget.setObjectName, name), (widget.setToolTip, tip))
    if on_click is not None:
        widget.clicked.connect(on_click)
    return widget


def checkbox(text: str, name: str = "", tip: str = "", on_toggle: Callable | None = None,
             checked: bool = False) -> QCheckBox:
    """A check box, ticked when `checked`; `on_toggle(bool)` is connected after that is set."""
    widget = QCheckBox(text)
    widget.setChecked(checked)
    _set((widget.setObjectName, name), (widget.setToolTip, tip))
    if on_toggle is not None:
        widget.toggled.connect(on_toggle)
    return widget


def choice(items: tuple | list = (), name: str = "", tip: str = "", on_change: Callable | None = None) -> QComboBox:
    """A combo box of (text, data) `items`; `on_change(index)` is connected after they are added."""
    widget = QComboBox()
    for text, data in items:
        widget.addItem(text, data)
    _set((widget.setObjectName, name), (widget.setToolTip, tip))
    if on_change is not None:
        widget.currentIndexChanged.connect(on_change)
    return widget


def slider(low: int, high: int, value: int, name: str = "", tip: str = "") -> QSlider:
    """A horizontal slider over low..high starting at `value`."""
    widget = QSlider(Qt.Orientation.Horizontal)
    widget.setRange(low, high)
    widget.setValue(value)
    _set((widget.setObjectName, name), (widget.setToolTip, tip))
    return widget


def seed_spin(name: str = "", tip: str = "") -> QSpinBox:
    """A seed: any non-negative 32-bit integer, 0 at first."""
    return spin(0, 2**31 - 1, 0, name, tip)


def line_edit(name: str = "", placeholder: str = "", tip: str = "") -> QLineEdit:
    widget = QLineEdit()
    _set((widget.setObjectName, name), (widget.setPlaceholderText, placeholder), (widget.setToolTip, tip))
    return widget


def label(text: str = "", name: str = "", style: str = "", wrap: bool = False, selectable: bool = False,
          tip: str = "") -> QLabel:
    """A label; `style` is a style sheet (HINT_STYLE, ERROR_STYLE...), `selectable` lets the user copy its text."""
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    _set((widget.setObjectName, name), (widget.setStyleSheet, style), (widget.setToolTip, tip),
         (widget.setTextInteractionFlags, SELECTABLE if selectable else None))
    return widget


def hint(text: str = "", name: str = "", small: bool = False, selectable: bool = False) -> QLabel:
    """A grey, word-wrapped explanation (small: the 11 px size the tool columns use)."""
    return label(text, name, SMALL_HINT_STYLE if small else HINT_STYLE, wrap=True, selectable=selectable)


def title(name: str) -> QLabel:
    """The bold run line at the top of a panel: wraps, and its run id can be copied."""
    return label("", name, wrap=True, selectable=True)


def placeholder(name: str, text: str = "") -> QLabel:
    """The large grey centred text a panel shows instead of its content (no run, loading, nothing to show)."""
    widget = label(text, name, PLACEHOLDER_STYLE, wrap=True)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def spin(low: float, high: float, value: float, name: str = "", tip: str = "", step: float = 0, suffix: str = "",
         prefix: str = "") -> QSpinBox | QDoubleSpinBox:
    """A spin box over low..high starting at `value`; a QDoubleSpinBox when any of the numbers is a float."""
    widget = QDoubleSpinBox() if any(isinstance(x, float) for x in (low, high, value, step)) else QSpinBox()
    widget.setRange(low, high)
    widget.setValue(value)
    _set((widget.setObjectName, name), (widget.setToolTip, tip), (widget.setSingleStep, step),
         (widget.setSuffix, suffix), (widget.setPrefix, prefix))
    return widget


def busy_bar(name: str = "", width: int = 120) -> QProgressBar:
    """An indeterminate progress bar, hidden until something runs."""
    bar = QProgressBar()
    if name:
        bar.setObjectName(name)
    bar.setRange(0, 0)
    bar.setMaximumWidth(width)
    bar.setTextVisible(False)
    bar.hide()
    return bar


def scroll_area(widget: QWidget, frame: bool = True) -> QScrollArea:
    """`widget` in a scroll area that resizes it to the area's width (and scrolls what does not fit)."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    if not frame:
        area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def grid_host(spacing: int, vertical_spacing: int | None = None, margins: int | None = None) -> tuple[QWidget,
                                                                                                    QGridLayout]:
    """A widget and its grid, packed to the top left (image grids fill from there)."""
    host = QWidget()
    grid = QGridLayout(host)
    grid.setHorizontalSpacing(spacing)
    grid.setVerticalSpacing(spacing if vertical_spacing is None else vertical_spacing)
    if margins is not None:
        grid.setContentsMargins(margins, margins, margins, margins)
    grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return host, grid


def clear_layout(layout: QLayout) -> None:
    """Remove every item; their widgets leave the screen at once (not only when the event loop deletes them)."""
    while layout.count():
        widget = layout.takeAt(0).widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()


def single_shot(parent: QWidget, interval_ms: int, slot: Callable) -> QTimer:
    """A single-shot timer: restarting it while it runs coalesces calls, the last one wins."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def icon_strip(name: str, icon: int, grid: QSize | None = None, wrap: bool = False) -> QListWidget:
    """A list of thumbnails: one scrolling row (or, with `wrap`, rows that wrap), static, `icon` px icons."""
    strip = QListWidget()
    strip.setObjectName(name)
    strip.setViewMode(QListView.ViewMode.IconMode)
    if not wrap:
        strip.setFlow(QListView.Flow.LeftToRight)
    strip.setWrapping(wrap)
    strip.setMovement(QListView.Movement.Static)
    strip.setIconSize(QSize(icon, icon))
    if grid is not None:
        strip.setGridSize(grid)
    scrolling, fixed = (Qt.ScrollBarPolicy.ScrollBarAsNeeded, Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    strip.setHorizontalScrollBarPolicy(fixed if wrap else scrolling)
    strip.setVerticalScrollBarPolicy(scrolling if wrap else fixed)
    return strip


Item = QWidget | QLayout | int | None | tuple


def fill(layout: QBoxLayout, *items: Item, margins: int | None = None, spacing: int | None = None) -> QBoxLayout:
    """Add `items` in order: a widget or layout; (widget or layout, stretch); an int, spacing; None, a stretch.
    `margins` sets all four content margins, `spacing` the space between items. `fill(QVBoxLayout(self), ...)`
    lays a widget out."""
    if margins is not None:
        layout.setContentsMargins(margins, margins, margins, margins)
    if spacing is not None:
        layout.setSpacing(spacing)
    for item in items:
        stretch = 0
        if isinstance(item, tuple):
            item, stretch = item
        if item is None:
            layout.addStretch(1)
        elif isinstance(item, int):
            layout.addSpacing(item)
        elif isinstance(item, QLayout):
            layout.addLayout(item, stretch)
        else:
            layout.addWidget(item, stretch)
    return layout


def row(*items: Item, margins: int | None = None, spacing: int | None = None) -> QHBoxLayout:
    """A horizontal layout of `items` (see `fill`)."""
    return fill(QHBoxLayout(), *items, margins=margins, spacing=spacing)


def column(*items: Item, margins: int | None = None, spacing: int | None = None) -> QVBoxLayout:
    """A vertical layout of `items` (see `fill`)."""
    return fill(QVBoxLayout(), *items, margins=margins, spacing=spacing)
