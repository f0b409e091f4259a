"""A tab widget whose pages scroll when the window is smaller than they are.

Without it the tallest and the widest of a panel's tools set the window's minimum size, even while another tool
is shown: a QTabWidget is at least as large as its largest page. Each page sits in a frameless scroll area that
gives it the whole room when there is enough (so nothing changes on a large screen) and scrolls it otherwise.
`widget`, `currentWidget`, `indexOf` and `setCurrentWidget` speak of the pages, not of their scroll areas.
"""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QTabWidget, QWidget


class _PageArea(QScrollArea):
    """The scroll area of one page (a class of its own, so that a page that is a scroll area stays one)."""


class ScrollingTabs(QTabWidget):
    def addTab(self, page: QWidget, *args) -> int:  # noqa: N802, ANN002 - Qt's name and overloads (icon, title)
        return super().addTab(self._wrap(page), *args)

    def insertTab(self, index: int, page: QWidget, *args) -> int:  # noqa: N802, ANN002
        return super().insertTab(index, self._wrap(page), *args)

    @staticmethod
    def _wrap(page: QWidget) -> QWidget:
        area = _PageArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setWidget(page)
        area.setObjectName(f"{page.objectName() or 'page'}-scroll")
        return area

    def widget(self, index: int) -> QWidget | None:
        area = super().widget(index)
        return area.widget() if isinstance(area, _PageArea) else area

    def currentWidget(self) -> QWidget | None:  # noqa: N802 - Qt's name
        return self.widget(self.currentIndex())

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 - Qt's name
        for index in range(self.count()):
            if self.widget(index) is page:
                return index
        return super().indexOf(page)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 - Qt's name
        index = self.indexOf(page)
        if index >= 0:
            self.setCurrentIndex(index)
