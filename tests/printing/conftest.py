"""Printing tests run headless: Qt offscreen, one QGuiApplication-capable app for the session."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from offline_cache.receipt_spool import ReceiptSpool
from tests.printing.escpos_usb_sim import KEYBOARD, PRINTER_58, SimBackend, SimPrinter


@pytest.fixture(scope="session", autouse=True)
def qt_app(qapp: object) -> object:
    # pytest-qt's one QApplication for the whole session (UI tests need widgets, so printing tests
    # must not create a bare QGuiApplication first); ensure_qt_gui() then finds and reuses it.
    # Its own creation path is tested in a clean subprocess (test_raster.py).
    from printing.raster import ensure_qt_gui

    return ensure_qt_gui()


@pytest.fixture
def sim_printer() -> SimPrinter:
    return SimPrinter()


@pytest.fixture
def usb_backend(sim_printer: SimPrinter) -> SimBackend:
    return SimBackend(sim_printer, [KEYBOARD, PRINTER_58])


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[ReceiptSpool]:
    db = Database(tmp_path / "kiosk.sqlite3")
    yield ReceiptSpool(db)
    db.close()
