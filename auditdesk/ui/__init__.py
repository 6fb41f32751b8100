"""The PySide6 desktop client: windows, views, item models, charts, dialogs, workers.

The only layer that imports Qt. Database work runs through ``worker.DbWorker``.
"""
