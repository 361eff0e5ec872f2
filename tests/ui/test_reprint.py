"""Reports → Reprint against a real server process: a past receipt found by each key in this PC's spool, then on
the server once the spool no longer has it, printed on a simulated USB printer (tests/printing/escpos_usb_sim.py)
whose received bytes are decoded: every copy says DUPLICATE. Another kiosk's receipt is never found; the
day-end report of a past day is shown and printed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk_app.reprint import SearchBy, Source
from printing.escpos_decode import decode, text_lines
from rules.day import business_day
from tests.printing.escpos_usb_sim import KEYBOARD, PRINTER_58, SimBackend, SimPrinter
from tests.support.auth import contacts
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess
from tests.support.wallet import PASSWORD, WalletKiosk
from tests.ui.conftest import focused, press, type_text
from tests.ui.test_day_end_report import _pay, job_bytes
from ui.core import Core
from ui.day_end import DayEndPage
from ui.main_window import Feature, MainWindow
from ui.reprint import ReprintPage
from ui.shell import Shell
from ui.strings import Language, language_switch

TIMEOUT = 20_000
MOBILE = "9876500001"


def printed_lines(printer: SimPrinter) -> list[str]:
    lines = text_lines(decode(job_bytes(printer)))
    printer.received.clear()
    return lines


def sign_in(qtbot: QtBot, shell: Shell, code: str) -> MainWindow:
    type_text(qtbot, contacts(code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
    assert shell.main is not None
    return shell.main


def open_reprint(qtbot: QtBot, main: MainWindow) -> ReprintPage:
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    main.setFocus()
    press(qtbot, Qt.Key.Key_F2)
    page = main.feature_pages.get(Feature.REPRINT)
    assert isinstance(page, ReprintPage) and main.stack.currentWidget() is page
    return page


def find(qtbot: QtBot, page: ReprintPage, by: SearchBy, text: str = "") -> None:
    """Keyboard alone: Ctrl+F, back to "Find by", the key chosen with the arrows, Tab, the number, Enter."""
    page.by.setFocus()
    press(qtbot, Qt.Key.Key_Home)
    for _ in range(list(SearchBy).index(by)):
        press(qtbot, Qt.Key.Key_Down)
    assert page.search_by is by
    press(qtbot, Qt.Key.Key_Tab)
    if by is not SearchBy.DATE:
        assert focused() is page.value.editor
        page.value.line_edit.clear()
        type_text(qtbot, text)
    page.found = []
    press(qtbot, Qt.Key.Key_Return)  # the search runs on a worker, its button disabled meanwhile
    qtbot.waitUntil(
        lambda: page.search_button.isEnabled() and bool(page.found or page.value.error.isVisible()), timeout=TIMEOUT
    )


def reprint_selected(qtbot: QtBot, page: ReprintPage) -> None:
    page.last_print = None
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_print is not None, timeout=TIMEOUT)


def test_reprint_by_each_key_from_the_spool_then_from_the_server_always_duplicate(
    qtbot: QtBot, auth_server: ServerProcess, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-RPR")
    kiosk.fund(20_000_00)
    other = WalletKiosk(auth_server, "RJ-OTH")
    other.fund(5_000_00)
    others = _pay(other, "ELEC-JVVNL", {"k_no": paper_bills(1, series=62)[0].k_no})
    elsewhere = _pay(kiosk, "ELEC-JVVNL", {"k_no": paper_bills(1, series=61)[0].k_no})  # at its other PC

    printer = SimPrinter()
    core = make_core(auth_server.url, usb_backend=SimBackend(printer, [KEYBOARD, PRINTER_58]))
    core.save_preferences(
        dataclasses.replace(core.preferences, printer_kind="usb", printer_usb="0416:5011", paper="58mm")
    )
    main = sign_in(qtbot, make_shell(core), kiosk.code)
    client = core.kiosk()
    client.catalog.refresh()
    bill = paper_bills(1, series=60)[0]
    outcome = client.payments.pay(bill.order(MOBILE))
    assert outcome.receipt is not None and outcome.spool_id is not None
    receipt_no = outcome.receipt.receipt_no
    desk = core.receipt_desk(client)
    assert desk.print_spooled(outcome.spool_id).outcome.value == "printed"  # the customer's original
    assert "*** DUPLICATE - Copy 2 ***" not in printed_lines(printer)

    page = open_reprint(qtbot, main)
    copy = 2
    for by, text in (
        (SearchBy.RECEIPT_NO, receipt_no.lower()),
        (SearchBy.CONSUMER_NO, bill.k_no),
        (SearchBy.MOBILE, "+91 98765 00001"),
        (SearchBy.DATE, ""),
    ):
        find(qtbot, page, by, text)
        assert not page.value.error.isVisible(), (by, page.value.error.text())
        assert [f.receipt.receipt_no for f in page.found] == [receipt_no], by
        assert page.found[0].source is Source.SPOOL and "on this PC" in page.note.text()
        assert page.table.item(0, 0).text() == receipt_no and focused() is page.table
        reprint_selected(qtbot, page)
        lines = printed_lines(printer)
        assert f"*** DUPLICATE - Copy {copy} ***" in lines, (by, lines)
        assert any(receipt_no in line for line in lines)
        copy += 1

    # The spool no longer has it (a new PC, a cleared spool): the server's record is printed, still DUPLICATE.
    client.worker.call(lambda: client.store.db.execute("DELETE FROM receipt_spool"))
    find(qtbot, page, SearchBy.RECEIPT_NO, receipt_no)
    assert [f.receipt.receipt_no for f in page.found] == [receipt_no]
    assert page.found[0].source is Source.SERVER and "central server" in page.note.text()
    assert page.table.item(0, 5).text() == "Central server"
    reprint_selected(qtbot, page)
    lines = printed_lines(printer)
    assert "*** DUPLICATE - Copy 2 ***" in lines and any(receipt_no in line for line in lines)
    assert any(bill.k_no in line for line in lines)

    # Each key finds the server's receipts too: the one paid at the other PC, by its K No. and by the mobile.
    find(qtbot, page, SearchBy.CONSUMER_NO, elsewhere["bills"][0]["consumer_no"])
    assert [f.receipt.receipt_no for f in page.found] == [elsewhere["receipt_no"]]
    assert page.found[0].source is Source.SERVER
    reprint_selected(qtbot, page)
    assert "*** DUPLICATE - Copy 2 ***" in printed_lines(printer)
    find(qtbot, page, SearchBy.MOBILE, "9876543210")
    assert [f.receipt.receipt_no for f in page.found] == [elsewhere["receipt_no"]]  # now kept on this PC again

    # Another kiosk's receipt: not found, said beside the field in both languages, nothing printed.
    find(qtbot, page, SearchBy.RECEIPT_NO, others["receipt_no"])
    assert page.found == [] and page.value.error.isVisible()
    assert page.value.error.text().startswith("No receipt of this kiosk matches")
    language_switch().set_language(Language.HINDI)
    assert "इस कियोस्क की कोई रसीद मेल नहीं खाती" in page.value.error.text()
    language_switch().set_language(Language.ENGLISH)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert job_bytes(printer) == b""
    answer = requests.get(
        f"{auth_server.url}/api/v1/receipts",
        params={"receipt_no": others["receipt_no"]},
        headers={"Authorization": f"Bearer {core.account.api.token}"},
        timeout=30,
    )
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "receipt_not_found"

    # A wrong mobile is said beside the field before anything is asked.
    find(qtbot, page, SearchBy.MOBILE, "12345")
    assert page.value.error.isVisible() and "10 digits" in page.value.error.text()


def test_the_day_end_report_of_a_past_day_opens_on_the_day_end_page_and_prints(
    qtbot: QtBot, auth_server: ServerProcess, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-RPD")
    printer = SimPrinter()
    core = make_core(auth_server.url, usb_backend=SimBackend(printer, [KEYBOARD, PRINTER_58]))
    core.save_preferences(
        dataclasses.replace(core.preferences, printer_kind="usb", printer_usb="0416:5011", paper="58mm")
    )
    main = sign_in(qtbot, make_shell(core), kiosk.code)
    page = open_reprint(qtbot, main)
    yesterday = business_day() - timedelta(days=1)
    page.report_day.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # the Day End page opens with that day's report
    day_end = main.feature_pages[Feature.DAY_END]
    assert isinstance(day_end, DayEndPage) and main.stack.currentWidget() is day_end
    qtbot.waitUntil(lambda: day_end.report is not None, timeout=TIMEOUT)
    assert day_end.report is not None and day_end.report.day == yesterday
    assert yesterday.strftime("%d-%m-%Y") in day_end.report_view.text()
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: day_end.last_print is not None, timeout=TIMEOUT)
    lines = printed_lines(printer)
    assert any(yesterday.strftime("%d-%m-%Y") in line for line in lines), lines
