"""Refresh a view only while someone can see it.

An edit reaches every view at once; a chart or a tornado behind another tab need not redraw until
it comes to the front, so its cost is taken off every edit (and the tornado's off start-up).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class RefreshWhenShown(QObject):
    """``request()`` runs ``refresh`` at once while ``widget`` is visible; while it is hidden, the
    request is remembered and ``refresh`` runs when the widget is next shown."""

    def __init__(self, widget: QWidget, refresh: Callable[[], None], stale: bool) -> None:
        super().__init__(widget)
        self._widget, self._refresh, self.stale = widget, refresh, stale
        widget.installEventFilter(self)

    def request(self) -> None:
        self.stale = True
        self._catch_up()

    def _catch_up(self) -> None:
        if self.stale and self._widget.isVisible():
            self.stale = False
            self._refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self._catch_up()
        return False
