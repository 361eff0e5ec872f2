"""Day End's report against a real server: one bill paid, then the report after Sync and with Report; Save PDF and
Print to a simulated USB printer (tests/printing/escpos_usb_sim.py), whose received bytes are decoded and checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk_app.sync import ReconcileItem, SyncSummary
from printing.errors import PaperOut
from printing.escpos_decode import decode, rasters, text_lines
from printing.money import format_rupees, format_rupees_plain
from printing.spool_runner import PrintOutcome
from rules.day import business_day
from tests.printing.escpos_usb_sim import KEYBOARD, PAPER_OUT, PRINTER_58, SimBackend, SimPrinter
from tests.support.auth import contacts
from tests.support.server import ServerProcess
from tests.support.wallet import PASSWORD, WalletKiosk, op
from tests.ui.conftest import press, type_text
from ui.core import Core
from ui.day_end import DayEndPage, save_report_pdf
from ui.main_window import Feature
from ui.shell import Shell
from ui.strings import Language, language_switch

TIMEOUT = 20_000


def _pay(kiosk: WalletKiosk, service: str, fields: dict[str, str]) -> dict[str, Any]:
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": service, "fields": fields})
    return dict(
        kiosk.ok(
            "POST",
            "/payments",
            json={
                "operation_id": op(),
                "contact": {"mobile": "9876543210"},
                "method": {"type": "wallet"},
                "bills": [{"service_code": service, "fields": fields, "amount_paise": bill["payable_now_paise"]}],
            },
        )
    )


def job_bytes(printer: SimPrinter) -> bytes:
    """What was sent, without the DLE EOT status questions around the job."""
    return bytes(printer.received).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")


def test_day_end_report_after_sync_and_on_its_own_saves_a_pdf_and_prints(
    qtbot: QtBot,
    auth_server: ServerProcess,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
    tmp_path: Path,
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-UIDE")
    kiosk.fund(5_000_00)
    paid = _pay(kiosk, "ELEC-JVVNL", {"k_no": "210412345601"})
    assert paid["status"] == "success"
    total = int(paid["total_paise"])

    printer = SimPrinter()
    core = make_core(auth_server.url, usb_backend=SimBackend(printer, [KEYBOARD, PRINTER_58]))
    core.save_preferences(
        dataclasses.replace(core.preferences, printer_kind="usb", printer_usb="0416:5011", paper="58mm")
    )
    shell = make_shell(core)
    type_text(qtbot, contacts(kiosk.code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
    main = shell.main
    assert main is not None
    main.activateWindow()
    main.actions_["day_end"].trigger()
    page = main.feature_pages[Feature.DAY_END]
    assert isinstance(page, DayEndPage) and main.stack.currentWidget() is page

    # Sync (nothing waiting), then the day's report comes by itself.
    qtbot.waitUntil(lambda: "Waiting now: 0" in page.intro.text(), timeout=TIMEOUT)
    page.sync.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.report is not None, timeout=TIMEOUT)
    report = page.report
    assert report is not None and report.day == business_day()
    assert report.collections.count == 1 and report.collections.amount_paise == total
    assert [(s.service_code, s.count, s.amount_paise) for s in report.by_service] == [("ELEC-JVVNL", 1, total)]
    assert f"Collected: 1 / {format_rupees(total)}" in page.report_view.text()
    assert f"By Wallet: 1 / {format_rupees(total)}" in page.report_view.text()
    assert page.report_table.rowCount() == 1 and page.report_table.item(0, 2).text() == format_rupees(total)
    language_switch().set_language(Language.HINDI)
    assert f"कुल संग्रह: 1 / {format_rupees(total)}" in page.report_view.text()
    language_switch().set_language(Language.ENGLISH)

    # A sync that had a refusal says so (not "everything is synced") and lists whom to call, in both languages.
    refused = ReconcileItem(
        "op-refused",
        "2026-12-02T10:00:00+00:00",
        1_250_00,
        "ELEC-JVVNL",
        "210412345678",
        True,
        "amount_must_equal_due",
        "this bill must be paid in full",
        "bills[0].amount_paise",
        {"payable_paise": 1_275_00},
        "9829012345",
    )
    page.on_sync_finished(SyncSummary(3, 2, 1, 0, 0, False, None, 0.5, (refused,)))
    assert "1 payment was refused" in page.summary.text() and "Everything is synced" not in page.summary.text()
    row = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert "9829012345" in row and any("₹1,275.00" in cell for cell in row)
    assert row[0] == "02-12-2026 15:30" and row[1] == "JVVNL Electricity Bill"  # IST, and the service's name
    language_switch().set_language(Language.HINDI)
    assert "अस्वीकृत हुआ" in page.summary.text()
    language_switch().set_language(Language.ENGLISH)
    qtbot.waitUntil(lambda: page.report is not None, timeout=TIMEOUT)

    # Report on its own (F7), for the date in the field.
    page.report = None
    qtbot.keyClick(page, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: page.report is not None, timeout=TIMEOUT)
    assert page.report is not None and page.report.collections.amount_paise == total

    # Save PDF: the file dialog is replaced by the test's path.
    target = tmp_path / "day-end.pdf"
    page.ask_path = lambda _suggested: str(target)
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: str(target) in page.report_note.text(), timeout=TIMEOUT)
    assert target.read_bytes().startswith(b"%PDF")
    direct = tmp_path / "direct.pdf"
    assert save_report_pdf(page.report, direct) == direct.stat().st_size
    assert direct.read_bytes().startswith(b"%PDF")

    # Print: through the USB printer connection receipts use; the decoded text has the title and the total.
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_print is not None, timeout=TIMEOUT)
    assert page.last_print is not None and page.last_print.outcome is PrintOutcome.PRINTED
    assert page.report_note.text() == "Printed."
    lines = text_lines(decode(job_bytes(printer)))
    assert "DAY END REPORT" in lines
    assert any("Collected" in line and line.endswith(f"1 / {format_rupees_plain(total)}") for line in lines), lines
    assert any(line.startswith(kiosk.code) for line in lines)

    # The refused payment's slip for its customer (Ctrl+T on its row): what was taken, why, and what to do.
    printer.received.clear()
    assert not page.slip.isEnabled()
    page.table.selectRow(0)
    assert page.slip.isEnabled()
    page.last_print = None
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_print is not None, timeout=TIMEOUT)
    assert page.last_print is not None and page.last_print.outcome is PrintOutcome.PRINTED
    slip = " ".join(text_lines(decode(job_bytes(printer))))
    for said in ("Payment Not Accepted", "PRV-OP-REFUSED", kiosk.code, "210412345678", "9829012345", "Rs. 1,250.00",
                 "What to do: call the customer"):  # fmt: skip
        assert said in slip, (said, slip)
    # the title's Hindi, the reason (it carries ₹, so it is drawn), the Hindi of what to do
    assert len(rasters(decode(job_bytes(printer)))) >= 4

    # A printer without paper: its operator message next to the buttons, nothing sent.
    printer.received.clear()
    printer.paper_status = PAPER_OUT
    page.last_print = None
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_print is not None, timeout=TIMEOUT)
    assert page.last_print is not None and isinstance(page.last_print.problem, PaperOut)
    assert page.report_note.text().startswith(PaperOut.message_en)
    assert b"DAY END REPORT" not in printer.received
