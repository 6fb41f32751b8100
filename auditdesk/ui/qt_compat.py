"""Work around a reference-counting defect of PySide6 6.12.0 on Python < 3.12.

In PySide6 6.12.0 many bindings return a singleton without taking a new reference
to it: every call of a ``void`` method (``setText``, ``processEvents``,
``beginResetModel``…) drops one reference of ``None``, and ``SignalInstance.emit()``
drops one of ``True``. On Python 3.12+ these singletons are immortal and nothing
happens; on Python 3.11 the interpreter aborts ("Fatal Python error:
none_dealloc" / "bool_dealloc") after a few thousand calls, which a paged table
reaches within seconds. Measured here (Python 3.11.7, PySide6-Essentials 6.12.0):
200 ``QLabel.setText`` calls lose 200 references of ``None``; 100 emits lose 100
of ``True``.

``apply()`` probes for the defect and, only when it is present, gives ``None``,
``True`` and ``False`` a very large reference count, which is what Python 3.12 does
for them anyway (immortal objects). The proper fix is a PySide6 release without
the defect (6.11.x here); this keeps the application alive meanwhile.
"""

from __future__ import annotations

import ctypes
import sys

_applied = False
_IMMORTAL_MARGIN = 1 << 40
_SINGLETONS = (None, True, False)


def _add_references(value: object, count: int) -> None:
    # ob_refcnt is the first field of every object in CPython's release builds.
    ctypes.c_ssize_t.from_address(id(value)).value += count


def _probe() -> bool:
    """True when ordinary PySide6 calls lose references to ``None`` or ``True``."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = {id(v): sys.getrefcount(v) for v in _SINGLETONS}
    for _ in range(4):
        probe.ping.emit()
        probe.setObjectName("probe")
    defective = False
    for value in _SINGLETONS:
        lost = before[id(value)] - sys.getrefcount(value)
        if lost > 0:
            _add_references(value, lost)  # give the probe's losses back
            defective = True
    return defective


def apply() -> bool:
    """Apply the workaround once if this PySide6 needs it; returns whether it did."""
    global _applied
    if _applied or sys.version_info >= (3, 12):
        return _applied
    if _probe():
        for value in _SINGLETONS:
            _add_references(value, _IMMORTAL_MARGIN)
        _applied = True
    return _applied
