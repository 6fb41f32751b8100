"""Python's cyclic garbage collection, run only on the GUI thread.

Left to itself, the collector runs on whichever thread happens to allocate when its
threshold is crossed. A dialog closed while a query was running often sits in a
reference cycle (a signal connected to one of its own methods); collected on a
database thread, its C++ side would be destroyed off the GUI thread, which crashes Qt.
So automatic collection is switched off and a timer on the GUI thread collects instead,
a generation at a time as the counts call for it, the way Python itself would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 500


class GuiThreadCollector(QObject):
    """Switches automatic collection off and collects on the GUI thread instead."""

    def __init__(self, parent: QObject, interval_ms: int = CHECK_EVERY_MS):
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold; the number of
        unreachable objects found."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                return gc.collect(generation)
        return 0


def install(app: QObject) -> GuiThreadCollector:
    """The collector for ``app``, created once."""
    existing = app.findChild(GuiThreadCollector)
    if isinstance(existing, GuiThreadCollector):
        return existing
    return GuiThreadCollector(app)
