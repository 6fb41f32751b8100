"""The PySide6 desktop client: windows, views, item models, charts, dialogs, workers.

The only layer that imports Qt. Background work runs through ``runner.Runner`` (docs/architecture.md, "Threading rule").
"""
