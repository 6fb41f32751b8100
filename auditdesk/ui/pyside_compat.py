"""Work around a reference-count bug of PySide6 6.12 on Python 3.11.

``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so every
signal emitted from Python takes one reference away from ``True``. After a few
hundred emits (the worker's relay, ``data_changed``, ...) the interpreter aborts
with "Fatal Python error: bool_dealloc: deallocating True or False", typically
while collecting garbage at exit. Python 3.12 made ``True`` immortal, which hides the
bug there; :func:`protect_true` gives ``True`` the same protection on older Pythons
by adding a very large number of references, once, when the bug is detected.

Imported for its effect by ``auditdesk.ui.charts`` (and so by the dashboard); the
application start-up may import it as well, which is harmless.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40
_protected = False


def emit_steals_true() -> bool:
    """Whether this PySide6 loses a reference to ``True`` on each Python-side emit."""
    if sys.version_info >= (3, 12):
        return False  # True is immortal: nothing to protect
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    ctypes.pythonapi.Py_IncRef.argtypes = [ctypes.py_object]
    for _ in range(max(lost, 0)):  # give back what the probe took
        ctypes.pythonapi.Py_IncRef(True)
    probe.deleteLater()
    return lost >= 8


def protect_true() -> bool:
    """Make ``True`` practically immortal when emits steal references; True if done."""
    global _protected
    if _protected:
        return True
    if not emit_steals_true():
        return False
    refcount = ctypes.c_ssize_t.from_address(id(True))
    refcount.value += _EXTRA_REFERENCES
    _protected = True
    return True


protect_true()
