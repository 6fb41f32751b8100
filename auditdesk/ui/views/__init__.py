"""The main views; each is ``View(context, parent=None)`` with ``title``, ``reload()``,
``has_data()``, ``navigate(payload)``, ``save_state(settings)`` and ``restore_state(settings)``."""
