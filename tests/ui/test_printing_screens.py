"""Settings → Printer and the receipt window, printing through the real python-escpos/pyusb path to a simulated
USB printer (tests/printing/escpos_usb_sim.py); the bytes it received are decoded and checked."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import UsbPrinterAddress, connect
from printing.errors import PaperOut
from printing.escpos_decode import decode, qr_payloads, text_lines
from printing.samples import sample_receipt
from printing.spool_runner import PrintOutcome, PrintResult, ReceiptPrinting
from printing.thermal import PAPER_58MM
from tests.printing.escpos_usb_sim import KEYBOARD, PAPER_OUT, PRINTER_58, SimBackend, SimPrinter
from tests.ui.conftest import press
from ui.core import Core
from ui.main_window import PrinterState
from ui.receipt_window import ReceiptWindow
from ui.settings_dialog import SettingsDialog
from ui.shell import Shell
from ui.strings import Language, language_switch

TIMEOUT = 15_000

NO_SERVER = "http://127.0.0.1:9"  # printer settings need no server; nothing listens here


def job_bytes(printer: SimPrinter) -> bytes:
    """What was sent, without the DLE EOT status questions around the job."""
    return bytes(printer.received).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")


@pytest.fixture
def sim_printer() -> SimPrinter:
    return SimPrinter()


@pytest.fixture
def usb_backend(sim_printer: SimPrinter) -> SimBackend:
    return SimBackend(sim_printer, [KEYBOARD, PRINTER_58])


def _printer_tab(qtbot: QtBot, shell: Shell) -> SettingsDialog:
    press(qtbot, Qt.Key.Key_F10)  # Settings, from the login
    dialog = shell.settings
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.tabs.setCurrentIndex(0)
    dialog.kind_combo.setFocus()
    return dialog


def test_settings_find_the_usb_printer_test_print_and_save(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
    sim_printer: SimPrinter,
    usb_backend: SimBackend,
) -> None:
    shell = make_shell(make_core(NO_SERVER, usb_backend=usb_backend))
    dialog = _printer_tab(qtbot, shell)
    press(qtbot, Qt.Key.Key_Down)  # No printer → USB printer
    assert dialog.kind_combo.currentData() == "usb"
    press(qtbot, Qt.Key.Key_F6)  # no printer chosen yet: said next to the field, nothing sent
    assert dialog.usb.error.text() == "Choose a printer first." and sim_printer.received == bytearray()

    press(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: dialog.usb_combo.count() == 1, timeout=TIMEOUT)
    assert dialog.usb_combo.currentText() == "Xprinter / POS-58 (Winbond) (0416:5011)"  # the keyboard is left out
    assert dialog.found_note.text() == "1 USB printer(s) found."
    assert dialog.paper == "POS-5890"  # its USB id names the model: chosen for it (no QR of its own, 384 dots)
    dialog.paper_combo.setCurrentIndex(dialog.paper_combo.findData("58mm"))  # the operator may choose another
    press(qtbot, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=TIMEOUT)
    assert dialog.last_result is not None and dialog.last_result.outcome is PrintOutcome.PRINTED
    assert dialog.test_result.text() == "Printed."
    elements = decode(job_bytes(sim_printer))
    assert "TEST PRINT" in text_lines(elements) and "Paper 58mm, 32 columns" in text_lines(elements)
    assert qr_payloads(elements) == ["EMITRA-TEST-PRINT"]

    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.settings is None, timeout=TIMEOUT)
    saved = shell.core.preferences_file.load()
    assert (saved.printer_kind, saved.printer_usb, saved.paper) == ("usb", "0416:5011", "58mm")
    assert saved.printer_address == UsbPrinterAddress(0x0416, 0x5011)
    assert shell.printer_state == (PrinterState.READY, "USB 0416:5011")


def test_a_test_print_without_paper_says_so_in_hindi_next_to_the_button(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
    sim_printer: SimPrinter,
    usb_backend: SimBackend,
) -> None:
    shell = make_shell(make_core(NO_SERVER, usb_backend=usb_backend, language="hi"))
    assert language_switch().language is Language.HINDI
    dialog = _printer_tab(qtbot, shell)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: dialog.usb_combo.count() == 1, timeout=TIMEOUT)
    sim_printer.paper_status = PAPER_OUT
    press(qtbot, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=TIMEOUT)
    assert dialog.last_result is not None and isinstance(dialog.last_result.problem, PaperOut)
    assert dialog.test_result.text().startswith(PaperOut.message_hi)
    assert b"TEST PRINT" not in sim_printer.received  # refused before sending
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: shell.settings is None, timeout=TIMEOUT)
    assert shell.core.preferences_file.load().printer_kind == "none"  # cancelled: nothing saved


@pytest.fixture
def desk(tmp_path: Path, usb_backend: SimBackend) -> Iterator[ReceiptPrinting]:
    # The window calls the desk from a worker thread. In the product kiosk_app's desk routes spool (SQLite) calls
    # to its one database worker; here one connection is used by one op at a time.
    db = Database(sqlite3.connect(tmp_path / "kiosk.sqlite3", check_same_thread=False))
    address = UsbPrinterAddress(0x0416, 0x5011)
    yield ReceiptPrinting(ReceiptSpool(db), lambda: connect(address, PAPER_58MM, usb_backend=usb_backend), PAPER_58MM)
    db.close()


def test_receipt_window_previews_and_reprints_as_duplicate(
    qtbot: QtBot, desk: ReceiptPrinting, sim_printer: SimPrinter
) -> None:
    receipt = sample_receipt()
    spool_id, first = desk.take(receipt, operation_id="op-ui-1", auto_print=True)
    assert first is not None and first.outcome is PrintOutcome.PRINTED
    sim_printer.received.clear()

    window = ReceiptWindow(receipt, PAPER_58MM, desk=desk, spool_id=spool_id)
    qtbot.addWidget(window)
    window.show()
    window.load_preview()
    qtbot.waitUntil(lambda: window.pixmap is not None, timeout=TIMEOUT)
    assert window.pixmap is not None and window.pixmap.width() == PAPER_58MM.dots + 32
    assert window.pixmap.height() > 600
    assert window.note.text() == "A reprint is marked DUPLICATE."

    qtbot.keyClick(window.print_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.last_result is not None, timeout=TIMEOUT)
    assert window.last_result is not None and window.last_result.outcome is PrintOutcome.PRINTED
    assert "*** DUPLICATE - Copy 2 ***" in text_lines(decode(job_bytes(sim_printer)))
    assert window.note.text() == "Printed."


def test_receipt_window_without_a_spool_entry_does_not_print(qtbot: QtBot) -> None:
    window = ReceiptWindow(sample_receipt(), PAPER_58MM)
    qtbot.addWidget(window)
    window.show()
    window.print_button.click()
    assert window.last_result is None
    assert window.note.text() == "This receipt is not in the receipt spool, so it cannot be printed from here."


def test_a_printer_that_cannot_tell_makes_the_window_ask_and_the_answer_is_kept(
    qtbot: QtBot, desk: ReceiptPrinting, sim_printer: SimPrinter
) -> None:
    """No status answer after the job: "Did it print?" — No prints it again as the original; Yes is noted."""
    sim_printer.answers_status = False
    receipt = sample_receipt()
    spool_id, _ = desk.take(receipt, operation_id="op-ui-ask", auto_print=False)
    window = ReceiptWindow(receipt, PAPER_58MM, desk=desk, spool_id=spool_id)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    assert not window.asking.isVisible()
    qtbot.keyClick(window.print_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.asking.isVisible(), timeout=TIMEOUT)
    assert "Did the receipt come out?" in window.question.text() and window.yes.hasFocus()
    sim_printer.received.clear()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # No, print again
    qtbot.waitUntil(lambda: bool(sim_printer.received) and window.asking.isVisible(), timeout=TIMEOUT)
    lines = text_lines(decode(job_bytes(sim_printer)))
    assert not any("DUPLICATE" in line for line in lines)  # it never came out: the original again
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)  # Yes
    qtbot.waitUntil(lambda: window.note.text() == "Noted: the receipt printed.", timeout=TIMEOUT)
    assert not window.asking.isVisible() and desk.awaiting_answer() == []


def test_the_receipt_window_says_at_once_that_no_printer_is_set(qtbot: QtBot) -> None:
    class NoPrinter:
        printer_set = False

        def print_spooled(self, spool_id: int) -> PrintResult:
            raise AssertionError("nothing is sent without a printer")

        reprint = print_spooled

        def answer(self, spool_id: int, *, printed: bool) -> None:
            raise AssertionError("nothing was asked")

    window = ReceiptWindow(sample_receipt(), PAPER_58MM, desk=NoPrinter(), spool_id=1)
    qtbot.addWidget(window)
    window.show()
    assert "No printer is set" in window.note.text() and "F9" in window.note.text()
