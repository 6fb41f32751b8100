"""Guards the PySide6 pin: the installed PySide6 must not leak references on emit.

PySide6 6.12.0 on Python 3.11 takes a reference away from ``True`` on every signal
emitted from Python; after enough emits the interpreter aborts in ``bool_dealloc``.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()
    carry = Signal(object)


def test_emit_keeps_reference_counts(qapp):
    probe = _Probe()
    received: list[object] = []
    probe.carry.connect(received.append)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(200):
        probe.ping.emit()
        probe.carry.emit(None)
    assert len(received) == 200
    received.clear()
    # A little slack for unrelated references taken meanwhile; the bug loses 200+.
    assert sys.getrefcount(True) >= true_before - 20
    assert sys.getrefcount(None) >= none_before - 20
