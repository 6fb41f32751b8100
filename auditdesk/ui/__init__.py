"""The PySide6 desktop client: windows, views, item models, charts, dialogs, workers.

The only layer that imports Qt. Database work runs through ``worker.DbWorker``.
"""

from auditdesk.ui import qt_compat as _qt_compat

_qt_compat.apply()  # PySide6 6.12.0 on Python 3.11 loses references of None/True: see qt_compat
