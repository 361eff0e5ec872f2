"""The installed PySide6 itself: defects in it that would crash the kiosk program are caught here first."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    count = Signal(int)


def test_emitting_signals_from_python_keeps_the_reference_counts_of_true_and_false(qapp: object) -> None:
    """PySide6 6.12.0 lost a reference to True on every emit(); after enough, Python aborts at exit."""
    emitter, seen = _Emitter(), []
    emitter.flag.connect(seen.append)
    emitter.count.connect(seen.append)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for n in range(200):
        emitter.flag.emit(n % 2 == 0)
        emitter.count.emit(n)
    del seen[:]
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
