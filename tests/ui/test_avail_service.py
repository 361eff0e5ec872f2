"""Avail Service and Day End through the real windows against a real server: online pay by wallet, and an
offline payment with a PROVISIONAL receipt that the Day End sync confirms. Keyboard first, as at the counter."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDateEdit
from pytestqt.qtbot import QtBot

from printing.escpos_decode import decode, text_lines
from printing.money import format_rupees
from printing.receipt import PaymentMethod, Receipt
from rules.day import business_day
from tests.printing.escpos_usb_sim import KEYBOARD, PRINTER_58, SimBackend, SimPrinter
from tests.support.auth import contacts, new_kiosk, ready_token
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import paper_bills, server_db, server_payments
from tests.support.server import ServerProcess
from tests.ui.conftest import focused, press, type_paper_bill, type_text
from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.day_end import DayEndPage
from ui.dialogs import RecordedMessages, confirm_box
from ui.main_window import Feature, MainWindow
from ui.receipt_window import ReceiptWindow
from ui.shell import Shell
from ui.strings import Language, language_switch
from words.amount import amount_in_words

NEW_PASSWORD = "camels rest near the stepwell"
READY_PASSWORD = "a quiet kiosk by the fort"
FUNDS = 50_000_00
TIMEOUT = 20_000


def _sign_in_first_time(qtbot: QtBot, shell: Shell, sso_id: str, issued: str) -> MainWindow:
    """Issued password → new password → log in again → profile → the main window."""
    sign_in = shell.sign_in
    type_text(qtbot, sso_id)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, issued)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sign_in.stack.currentWidget() is sign_in.change, timeout=TIMEOUT)
    type_text(qtbot, NEW_PASSWORD)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, NEW_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sign_in.stack.currentWidget() is sign_in.login, timeout=TIMEOUT)
    assert sign_in.login.password.editor.hasFocus()
    type_text(qtbot, NEW_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    profile = sign_in.profile
    qtbot.waitUntil(lambda: sign_in.stack.currentWidget() is profile, timeout=TIMEOUT)
    qtbot.waitUntil(profile.submit.isEnabled, timeout=TIMEOUT)
    type_text(qtbot, "Shop 4, Station Road, Malviya Nagar")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "302017")
    profile.confirm_box.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    profile.pincode.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    return _wait_main(qtbot, shell)


def _sign_in(qtbot: QtBot, shell: Shell, sso_id: str) -> MainWindow:
    type_text(qtbot, sso_id)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, READY_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    return _wait_main(qtbot, shell)


def _wait_main(qtbot: QtBot, shell: Shell) -> MainWindow:
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
    assert shell.main is not None
    return shell.main


def _open_avail_service(qtbot: QtBot, main: MainWindow) -> AvailServicePage:
    main.activateWindow()
    main.setFocus()
    press(qtbot, Qt.Key.Key_F4)
    page = main.feature_pages.get(Feature.AVAIL_SERVICE)
    assert isinstance(page, AvailServicePage) and main.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.kiosk is not None, timeout=TIMEOUT)
    return page


def _pick_jvvnl(qtbot: QtBot, page: AvailServicePage, typed: str) -> None:
    page.search.line_edit.setFocus()
    type_text(qtbot, typed)
    qtbot.waitUntil(lambda: page.results.count() == 3, timeout=TIMEOUT)
    codes = [page.results.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.results.count())]
    assert set(codes) == {"ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"}
    press(qtbot, Qt.Key.Key_Down)  # into the list
    assert focused() is page.results
    page.results.setCurrentRow(codes.index("ELEC-JVVNL"))
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == "ELEC-JVVNL", timeout=TIMEOUT)
    assert focused() is page.spec_fields[0].editor
    assert page.spec_fields[0].label.text() == "K No."


def _receipt_window(qtbot: QtBot, page: AvailServicePage, before: object = None) -> ReceiptWindow:
    """The receipt window of this payment; `before`: the last payment's (the page keeps its reference after it
    closed and was deleted)."""
    qtbot.waitUntil(lambda: getattr(page, "receipt_window", None) not in (None, before), timeout=TIMEOUT)
    window = page.receipt_window
    qtbot.waitUntil(lambda: window.pixmap is not None, timeout=TIMEOUT)
    return window


def test_first_login_then_pay_an_electricity_bill_by_wallet_and_see_the_receipt(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0801"
    sso_id, issued = new_kiosk(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    shell = shell_on(auth_server)
    main = _sign_in_first_time(qtbot, shell, sso_id, issued)
    qtbot.waitUntil(lambda: main.status.balance_label.text() == "Spendable: ₹50,000.00", timeout=TIMEOUT)

    page = _open_avail_service(qtbot, main)
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, "2104")  # too short: the catalog's pattern says so under the field, nothing is sent
    press(qtbot, Qt.Key.Key_Return)
    assert page.spec_fields[0].error.isVisible() and "210" in page.spec_fields[0].error.text()
    page.spec_fields[0].line_edit.clear()
    type_text(qtbot, "210412345678")
    press(qtbot, Qt.Key.Key_Return)  # Get Bill Details
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    assert not page.spec_fields[0].error.isVisible()
    details = page.details
    assert details is not None and details.consumer_name in page.bill_view.text()
    assert details.payable_now_paise is not None
    press(qtbot, Qt.Key.Key_F6)  # Add Bill For Payment
    assert len(page.bills) == 1 and page.bills[0].amount_paise == details.payable_now_paise
    assert page.table.rowCount() == 1 and "Total:" in page.total.text()
    assert focused() is page.mobile.editor
    press(qtbot, Qt.Key.Key_Return)  # no contact yet
    assert page.mobile.error.text().startswith("Enter the consumer's mobile number or e-mail")
    type_text(qtbot, "12345")
    press(qtbot, Qt.Key.Key_Return)
    assert "10 digits" in page.mobile.error.text()
    page.mobile.line_edit.clear()
    type_text(qtbot, "+91 98765 43210")
    assert page.pay.text() == "Pay By Wallet (F8)"
    press(qtbot, Qt.Key.Key_Return)  # Pay By Wallet

    window = _receipt_window(qtbot, page)
    receipt = window.receipt
    assert receipt.provisional is None and receipt.consumer_no == "210412345678"
    assert receipt.bills[0].amount_paise == details.payable_now_paise
    assert window.spool_id is not None and window.isVisible()
    assert receipt.receipt_no in page.outcome.text() and "Wallet balance now" in page.outcome.text()
    left = FUNDS - details.payable_now_paise
    assert auth_server.balance(code)["wallet_balance_paise"] == left
    qtbot.waitUntil(
        lambda: main.home.balance is not None and main.home.balance.wallet_balance_paise == left, timeout=TIMEOUT
    )
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)


def test_offline_payment_gives_a_provisional_receipt_and_day_end_sync_confirms_it(
    qtbot: QtBot,
    auth_server: ServerProcess,
    proxy: FaultProxy,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
) -> None:
    code = "RJ-JPR-0802"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    shell = make_shell(make_core(proxy.url))
    main = _sign_in(qtbot, shell, contacts(code)[0])
    page = _open_avail_service(qtbot, main)  # the catalog and the wallet snapshot are kept on this PC
    qtbot.waitUntil(lambda: main.status.queue_label.text() == "Queued: 0", timeout=TIMEOUT)

    proxy.set_offline(True)
    bill = paper_bills(1, series=80)[0]
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, bill.k_no)
    press(qtbot, Qt.Key.Key_Return)  # Get Bill Details cannot reach the server: the paper bill is typed
    qtbot.waitUntil(lambda: page.consumer_name.editor.hasFocus(), timeout=TIMEOUT)
    assert page.mode.isVisible() and "PROVISIONAL" in page.mode.text()
    assert not page.get_bill.isVisible()
    type_text(qtbot, "Ramesh Chand")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "B-88123")
    press(qtbot, Qt.Key.Key_Return)
    # The paper bill's three figures; what to collect today follows the server's rule (the late amount after the
    # due date), so a bill taken offline is not refused at day end for its amount.
    assert focused() is page.paper_due.editor and not page.amount.editor.isVisible()
    type_text(qtbot, "12x")
    press(qtbot, Qt.Key.Key_Return)
    assert bill.due_date is not None and bill.after_due_paise is not None
    _set_date(page.paper_due_date.editor, bill.due_date)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Return)  # Add Bill For Payment: refused, the amount by the due date is not one
    assert page.paper_due.error.isVisible() and page.bills == [] and focused() is page.paper_due.editor
    page.paper_due.line_edit.clear()
    type_text(qtbot, f"{bill.due_paise / 100:.2f}")
    overdue = business_day() > bill.due_date
    if overdue:  # the late amount is needed once the due date has passed: asked for beside its field
        page.paper_after_due.line_edit.setFocus()
        press(qtbot, Qt.Key.Key_Return)
        assert page.paper_after_due.error.isVisible() and page.bills == []
        assert focused() is page.paper_after_due.editor
    page.paper_after_due.line_edit.setFocus()
    type_text(qtbot, f"{bill.after_due_paise / 100:.2f}")
    assert format_rupees(bill.amount_paise) in page.collect.text()
    assert ("late surcharge" in page.collect.text()) is overdue
    press(qtbot, Qt.Key.Key_Return)  # Add Bill For Payment
    assert [b.amount_paise for b in page.bills] == [bill.amount_paise]
    type_text(qtbot, "9876543210")
    press(qtbot, Qt.Key.Key_F8)

    window = _receipt_window(qtbot, page)
    assert window.receipt.provisional is not None
    assert window.receipt.receipt_no.startswith("PRV-") and "PROVISIONAL" in page.outcome.text()
    assert window.receipt.consumer_name == "Ramesh Chand"
    qtbot.waitUntil(lambda: main.status.queue_label.text() == "Queued: 1", timeout=TIMEOUT)
    assert main.status.online_label.text() == "● Offline"
    assert server_payments(auth_server, code) == {}
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)

    proxy.set_offline(False)
    main.actions_["day_end"].trigger()
    day_end = main.feature_pages.get(Feature.DAY_END)
    assert isinstance(day_end, DayEndPage) and main.stack.currentWidget() is day_end
    qtbot.waitUntil(lambda: "Waiting now: 1" in day_end.intro.text(), timeout=TIMEOUT)
    day_end.sync.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: day_end.result is not None, timeout=TIMEOUT)
    assert day_end.result is not None and day_end.result.done == 1 and day_end.result.complete
    assert "1 confirmed" in day_end.summary.text() and "Everything is synced" in day_end.summary.text()
    assert day_end.bar.value() == day_end.bar.maximum() == 1
    assert day_end.table.rowCount() == 0
    payments = server_payments(auth_server, code)
    assert [v[0]["total_paise"] for v in payments.values()] == [bill.amount_paise]

    # The customer holds the PROVISIONAL receipt: Ctrl+R makes the corrected one (no printer here: it is kept in
    # the spool and the banner says why it did not print).
    assert day_end.result.settled == (window.receipt.txn_id,)
    assert day_end.corrected.isVisible() and day_end.corrected.text() == "Print c&orrected receipts (1) (Ctrl+R)"
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(day_end.tr_.banner.isVisible, timeout=TIMEOUT)
    kiosk = shell.core.kiosk()
    spooled = kiosk.worker.call(lambda: kiosk.store.spool.by_operation(f"{window.receipt.txn_id}:corrected:success"))
    assert spooled is not None
    corrected = Receipt.from_json(spooled.receipt_json)
    assert corrected.corrected is not None and corrected.provisional is None
    assert corrected.txn_id == next(iter(payments.values()))[0]["txn_id"]
    assert corrected.receipt_no != window.receipt.receipt_no and corrected.total_paise == bill.amount_paise
    qtbot.waitUntil(lambda: main.status.queue_label.text() == "Queued: 0", timeout=TIMEOUT)
    left = FUNDS - bill.amount_paise
    qtbot.waitUntil(
        lambda: main.home.balance is not None and main.home.balance.wallet_balance_paise == left, timeout=TIMEOUT
    )


def _wait_focus(qtbot: QtBot, widget: object) -> None:
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=TIMEOUT)


def _set_date(editor: object, day: date) -> None:
    assert isinstance(editor, QDateEdit)
    editor.setDate(QDate(day.year, day.month, day.day))


def _set_cheque_date(page: AvailServicePage, days_from_today: int) -> None:
    """The cheque date as the day/month/year sections would be typed; IST is the server's calendar."""
    editor = page.cheque_date.editor
    assert isinstance(editor, QDateEdit)
    day = business_day() + timedelta(days=days_from_today)
    editor.setDate(QDate(day.year, day.month, day.day))


def test_departmental_cheque_pays_two_bills_checks_the_cheque_beside_its_fields_and_prints_it(
    qtbot: QtBot, auth_server: ServerProcess, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0803"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    printer = SimPrinter()
    core = make_core(auth_server.url, usb_backend=SimBackend(printer, [KEYBOARD, PRINTER_58]))
    core.save_preferences(
        replace(core.preferences, printer_kind="usb", printer_usb="0416:5011", paper="58mm", auto_print=True)
    )
    shell = make_shell(core)
    main = _sign_in(qtbot, shell, contacts(code)[0])
    page = _open_avail_service(qtbot, main)

    # Two bills in the list: electricity, then water (Ctrl+F back to the search box).
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, "210412340555")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)
    assert focused() is page.mobile.editor
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is page.search.line_edit
    page.search.line_edit.selectAll()
    type_text(qtbot, "pani")
    qtbot.waitUntil(
        lambda: page.results.count() == 1 and page.results.item(0).data(Qt.ItemDataRole.UserRole) == "WATER-PHED",
        timeout=TIMEOUT,
    )
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == "WATER-PHED", timeout=TIMEOUT)
    assert focused() is page.spec_fields[0].editor
    type_text(qtbot, "1102345678")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)
    assert [b.service_code for b in page.bills] == ["ELEC-JVVNL", "WATER-PHED"]
    total = sum(b.amount_paise for b in page.bills)
    type_text(qtbot, "9829012345")

    # Departmental Cheque with Alt+C: the cheque's fields appear; nothing typed → said beside each field.
    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(page.cheque.isChecked, timeout=TIMEOUT)
    assert page.pay.text() == "Pay By Cheque (F8)" and page.cheque_no.editor.isVisible()
    press(qtbot, Qt.Key.Key_F8)
    assert page.cheque_no.error.text() == "A cheque number is 6 digits."
    assert page.bank.error.text() == "This field is required."
    _wait_focus(qtbot, page.cheque_no.editor)
    language_switch().set_language(Language.HINDI)
    assert page.cheque_no.error.text() == "चेक नंबर 6 अंकों का होता है।"
    assert page.pay.text() == "चेक से भुगतान करें (Pay By Cheque, F8)"
    language_switch().set_language(Language.ENGLISH)
    type_text(qtbot, "4512")
    press(qtbot, Qt.Key.Key_Return)  # Enter in a cheque field pays, so it checks again
    assert page.cheque_no.error.isVisible()
    page.cheque_no.line_edit.clear()
    type_text(qtbot, "004512")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.bank.editor
    type_text(qtbot, "State Bank of India, MI Road")

    # A post-dated cheque and a stale one are refused beside the date; nothing reaches the server.
    _set_cheque_date(page, 2)
    press(qtbot, Qt.Key.Key_F8)
    assert not page.cheque_no.error.isVisible() and not page.bank.error.isVisible()
    assert "post-dated cheque cannot be accepted" in page.cheque_date.error.text()
    _wait_focus(qtbot, page.cheque_date.editor)
    _set_cheque_date(page, -95)
    press(qtbot, Qt.Key.Key_F8)
    assert "more than three months old" in page.cheque_date.error.text()
    language_switch().set_language(Language.HINDI)
    assert "तीन महीने से अधिक पुराना" in page.cheque_date.error.text()
    language_switch().set_language(Language.ENGLISH)
    assert server_payments(auth_server, code) == {}

    # Dated today: paid by cheque, the wallet untouched; the receipt names the cheque and is printed at once.
    _set_cheque_date(page, 0)
    press(qtbot, Qt.Key.Key_F8)
    window = _receipt_window(qtbot, page)
    assert not page.cheque_date.error.isVisible()
    receipt = window.receipt
    assert receipt.payment.method is PaymentMethod.DEPARTMENTAL_CHEQUE and receipt.payment.cheque is not None
    assert receipt.payment.cheque.number == "004512" and receipt.payment.cheque.bank == "State Bank of India, MI Road"
    assert receipt.total_paise == total and len(receipt.bills) == 2
    qtbot.waitUntil(lambda: window.spool_id is not None and b"004512" in bytes(printer.received), timeout=TIMEOUT)
    printed = "\n".join(text_lines(decode(bytes(printer.received))))
    assert "Departmental Cheque" in printed and "State Bank of India, MI Road" in printed
    assert receipt.receipt_no in printed
    db = sqlite3.connect(f"file:{server_db(auth_server)}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT p.method, p.cheque_no, p.cheque_bank, p.cheque_status, p.total_paise, "
            "p.from_wallet_paise FROM payments p JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ?",
            (code,),
        ).fetchall()
    finally:
        db.close()
    assert rows == [("cheque", "004512", "State Bank of India, MI Road", "received", total, 0)]
    assert auth_server.balance(code)["wallet_balance_paise"] == FUNDS
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    _wait_focus(qtbot, page.search.line_edit)  # the next customer starts at the search box


def test_advance_search_utility_department_service_by_keyboard_alone(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0804"
    ready_token(auth_server, code)
    shell = shell_on(auth_server)
    main = _sign_in(qtbot, shell, contacts(code)[0])
    page = _open_avail_service(qtbot, main)
    utility, department, service = (page._combo(f) for f in (page.utility, page.department, page.service_combo))
    assert not page.advance.isVisible()

    press(qtbot, Qt.Key.Key_F3)  # Advance Search
    assert page.advance.isVisible() and focused() is utility
    assert [utility.itemText(i) for i in range(utility.count())] == [
        "— choose —",
        "Utility",
        "Telecom",
        "Citizen Services",
        "Banking",
    ]
    press(qtbot, Qt.Key.Key_Down)  # Utility: its departments load, the focus stays to move on or choose
    qtbot.waitUntil(lambda: department.count() == 5, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Down)  # Telecom
    qtbot.waitUntil(lambda: department.count() == 4, timeout=TIMEOUT)
    assert focused() is utility and department.itemText(1) == "BSNL"
    press(qtbot, Qt.Key.Key_Up)  # back to Utility
    qtbot.waitUntil(lambda: department.count() == 5, timeout=TIMEOUT)
    assert focused() is utility and utility.currentData() == "UTILITY"
    press(qtbot, Qt.Key.Key_Return)  # go on to Department
    assert focused() is department
    assert department.itemText(4) == "Public Health Engineering Department"

    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)  # Ajmer Vidyut Vitran Nigam Ltd
    qtbot.waitUntil(lambda: service.count() == 2 and service.itemData(1) == "ELEC-AVVNL", timeout=TIMEOUT)
    assert focused() is department and department.currentData() == "AVVNL"
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is service and page.service is None
    language_switch().set_language(Language.HINDI)  # the lists follow the language, the choices stay
    assert (utility.currentText(), department.currentText(), service.itemText(0)) == (
        "उपयोगिता",
        "अजमेर विद्युत वितरण निगम लि.",
        "— चुनें —",
    )
    language_switch().set_language(Language.ENGLISH)
    assert department.currentText() == "Ajmer Vidyut Vitran Nigam Ltd" and focused() is service
    press(qtbot, Qt.Key.Key_Down)  # moving onto the service does not open it yet
    assert service.currentData() == "ELEC-AVVNL" and page.service is None
    press(qtbot, Qt.Key.Key_Return)  # open it: the K No. field takes the keys
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == "ELEC-AVVNL", timeout=TIMEOUT)
    assert focused() is page.spec_fields[0].editor and page.spec_fields[0].label.text() == "K No."
    assert "Ajmer Vidyut Vitran Nigam Ltd" in page.selected.text()
    type_text(qtbot, "310412340123")
    press(qtbot, Qt.Key.Key_Return)  # Get Bill Details
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    assert page.details is not None and page.details.consumer_name in page.bill_view.text()

    # F3 again closes Advance Search; the search box still works as before.
    press(qtbot, Qt.Key.Key_F3)
    assert not page.advance.isVisible()


def test_a_payment_whose_water_bill_is_declined_is_shown_and_printed_as_partly_paid(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0809"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    main = _sign_in(qtbot, shell_on(auth_server), contacts(code)[0])
    assert main.isMaximized()  # the main window opens on the whole screen
    page = _open_avail_service(qtbot, main)
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, "210412340909")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    page.search.line_edit.selectAll()
    type_text(qtbot, "pani")
    qtbot.waitUntil(lambda: page.results.count() == 1, timeout=TIMEOUT)
    english = page.results.item(0).text()
    language_switch().set_language(Language.HINDI)  # F12: the list already shown is redrawn in Hindi
    try:
        assert page.results.item(0).text() != english and "पानी" in page.results.item(0).text()
    finally:
        language_switch().set_language(Language.ENGLISH)
    assert page.results.item(0).text() == english
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == "WATER-PHED", timeout=TIMEOUT)
    _wait_focus(qtbot, page.spec_fields[0].editor)
    type_text(qtbot, "1102340909")
    # Water is not taken offline: Get Bill Details needs the server, so the kiosk is known to reach it first.
    qtbot.waitUntil(lambda: page.online is True and page.get_bill.isVisible(), timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Return)
    try:
        qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    except Exception as exc:  # say what the page showed instead
        shown = (page.tr_.banner.text(), page.spec_fields[0].error.text(), page.mode.text(), page.online)
        raise AssertionError(f"no water bill shown: {shown}") from exc
    press(qtbot, Qt.Key.Key_F6)
    electricity, water = page.bills
    type_text(qtbot, "9829012345")
    auth_server.admin("PUT", "/billers/phed/fault", json={"fault": "decline"}).raise_for_status()
    try:
        press(qtbot, Qt.Key.Key_F8)
        window = _receipt_window(qtbot, page)
    finally:
        auth_server.admin("PUT", "/billers/phed/fault", json={"fault": "none"}).raise_for_status()
    assert window.receipt.status.value == "partial"
    assert "PARTLY PAID" in page.outcome.text() and "pending" not in page.outcome.text().lower()
    language_switch().set_language(Language.HINDI)
    try:
        assert "आंशिक भुगतान" in page.outcome.text()
    finally:
        language_switch().set_language(Language.ENGLISH)
    assert auth_server.balance(code)["wallet_balance_paise"] == FUNDS - electricity.amount_paise  # water given back
    assert water.amount_paise > 0


def _customer_left_over(page: AvailServicePage) -> list[str]:
    """Whatever of the last customer the page still holds."""
    left = [f.name for f in (page.mobile, page.email, page.cheque_no, page.bank, *page.spec_fields) if f.text()]
    left += [
        f"error:{f.name}"
        for f in (page.mobile, page.email, page.cheque_no, page.bank, page.cheque_date, *page.spec_fields)
        if f.error.isVisible()
    ]
    if page.cheque.isChecked():
        left.append("cheque")
    if page.bills:
        left.append("bills")
    if page.tr_.banner.isVisible():
        left.append("banner")
    return left


def test_a_new_customer_starts_clean_after_a_cheque_payment_and_after_ctrl_n(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell], recorded: RecordedMessages
) -> None:
    code = "RJ-JPR-0810"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    main = _sign_in(qtbot, shell_on(auth_server), contacts(code)[0])
    page = _open_avail_service(qtbot, main)

    def bill_by_cheque(k_no: str, *, pick: bool = True) -> None:
        if pick:
            _pick_jvvnl(qtbot, page, "bijli")
        else:  # the service stays chosen after a payment: its number field is empty for the next customer
            assert page.service is not None and page.spec_fields[0].text() == ""
            page.spec_fields[0].line_edit.setFocus()
        type_text(qtbot, k_no)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
        press(qtbot, Qt.Key.Key_F6)
        type_text(qtbot, "9829012345")
        press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(page.cheque.isChecked, timeout=TIMEOUT)
        page.cheque_no.line_edit.setText("004513")
        page.bank.line_edit.setText("Bank of Baroda, Sanganer")

    bill_by_cheque("210412341010")
    total = page.bills[0].amount_paise
    press(qtbot, Qt.Key.Key_F8)
    window = _receipt_window(qtbot, page)
    # F8 asked first: the total in figures and in words in both languages, the service and the consumer.
    asked = [text for kind, _, text in recorded.shown if kind == "confirm"]
    assert len(asked) == 1 and format_rupees(total) in asked[0] and "004513" in asked[0]
    assert amount_in_words(total) in asked[0] and amount_in_words(total, Language.HINDI) in asked[0]
    assert "Electricity" in asked[0] and "210412341010" in asked[0]
    assert "Cheque" in window.receipt.payment.method.label.en
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    assert _customer_left_over(page) == [] and page.wallet.isChecked()
    assert page.outcome.text()  # the result of the payment stays in view until the next customer is started
    _wait_focus(qtbot, page.search.line_edit)  # the next customer starts at the search box

    # The next customer's cheque is mistyped; Ctrl+N clears that too, and the form starts over.
    bill_by_cheque("210412341111", pick=False)
    page.cheque_no.line_edit.setText("12")
    press(qtbot, Qt.Key.Key_F8)
    assert page.cheque_no.error.isVisible()
    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert _customer_left_over(page) == [] and page.outcome.text() == "" and page.service is None
    _wait_focus(qtbot, page.search.line_edit)


def test_the_confirmation_pays_on_enter_and_goes_back_on_esc(qtbot: QtBot) -> None:
    for key, pays in ((Qt.Key.Key_Return, True), (Qt.Key.Key_Escape, False)):
        box = confirm_box(None, "Confirm the payment", "Total ₹1,250.50", "&Pay (Enter)", "Go &back (Esc)")
        qtbot.addWidget(box)
        box.show()
        qtbot.waitExposed(box)
        qtbot.keyClick(box, key)
        qtbot.waitUntil(lambda shown=box: not shown.isVisible(), timeout=TIMEOUT)
        assert (box.clickedButton() is box.defaultButton()) is pays


def test_an_aadhaar_number_with_a_mistyped_digit_is_shown_beside_its_field_in_both_languages(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0812"
    ready_token(auth_server, code)
    main = _sign_in(qtbot, shell_on(auth_server), contacts(code)[0])
    page = _open_avail_service(qtbot, main)
    page.search.line_edit.setFocus()
    type_text(qtbot, "enrolment")
    qtbot.waitUntil(lambda: page.results.count() >= 1, timeout=TIMEOUT)
    assert page.results.item(0).data(Qt.ItemDataRole.UserRole) == "BHAMASHAH-ENROL"
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == "BHAMASHAH-ENROL", timeout=TIMEOUT)
    name, aadhaar, mobile = page.spec_fields
    type_text(qtbot, "Kamla Devi")
    aadhaar.line_edit.setFocus()
    type_text(qtbot, "234567890142")  # the last two digits swapped
    mobile.line_edit.setFocus()
    type_text(qtbot, "9414012345")
    press(qtbot, Qt.Key.Key_Return)
    assert aadhaar.error.isVisible() and "last digit" in aadhaar.error.text()
    assert not name.error.isVisible() and not mobile.error.isVisible() and page.details is None  # nothing was sent
    assert focused() is aadhaar.editor
    language_switch().set_language(Language.HINDI)
    try:
        press(qtbot, Qt.Key.Key_Return)
        assert "अंतिम अंक" in aadhaar.error.text()
    finally:
        language_switch().set_language(Language.ENGLISH)
    aadhaar.line_edit.clear()
    type_text(qtbot, "234567890124")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.details is not None, timeout=TIMEOUT)
    assert not aadhaar.error.isVisible()


def test_every_money_figure_on_screen_is_the_servers_after_each_kind_of_operation(
    qtbot: QtBot,
    auth_server: ServerProcess,
    proxy: FaultProxy,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
) -> None:
    """One money state (kiosk_app.money): the status bar, the home page and Avail Service's offline limit move
    together after an online payment, an offline one, the day-end sync and a credit the kiosk did not make."""
    code = "RJ-JPR-0813"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    core = make_core(proxy.url)
    main = _sign_in(qtbot, make_shell(core), contacts(code)[0])
    page = _open_avail_service(qtbot, main)

    def servers() -> dict[str, int]:
        return {k: v for k, v in auth_server.balance(code).items() if k.endswith("_paise")}

    def shown_everywhere(spendable: int) -> bool:
        money = main.money
        return (
            money is not None
            and money.spendable_paise == spendable
            and main.status.balance_label.text() == f"Spendable: {format_rupees(spendable)}"
            and main.home.spendable.text() == format_rupees(spendable)
            and page.money is money
        )

    qtbot.waitUntil(lambda: shown_everywhere(FUNDS), timeout=TIMEOUT)
    online, offline = paper_bills(2, series=81)
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, online.k_no)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)  # Add Bill For Payment (the amount is the bill's)
    assert len(page.bills) == 1
    type_text(qtbot, "9876543210")
    press(qtbot, Qt.Key.Key_F8)
    window = _receipt_window(qtbot, page)
    qtbot.waitUntil(lambda: shown_everywhere(servers()["spendable_paise"]), timeout=TIMEOUT)
    assert servers()["spendable_paise"] == FUNDS - online.amount_paise
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)

    proxy.set_offline(True)
    page.spec_fields[0].line_edit.setFocus()
    type_text(qtbot, offline.k_no)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.consumer_name.editor.hasFocus(), timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Return)
    type_paper_bill(qtbot, page, offline)
    type_text(qtbot, "9876543210")
    first = window
    press(qtbot, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: page.receipt_window is not first, timeout=TIMEOUT)
    window = _receipt_window(qtbot, page)
    left = FUNDS - online.amount_paise - offline.amount_paise
    qtbot.waitUntil(lambda: main.money is not None and main.money.offline_limit_paise == left, timeout=TIMEOUT)
    assert main.status.queue_label.text() == "Queued: 1" and main.money.queued == 1
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)
    assert page.service is not None and format_rupees(left) in page.mode.text()  # the banner for the next bill

    proxy.set_offline(False)
    core.kiosk().sync.run()  # what Day End's Sync does
    qtbot.waitUntil(lambda: shown_everywhere(servers()["spendable_paise"]), timeout=TIMEOUT)
    assert servers()["spendable_paise"] == left and main.money is not None and main.money.queued == 0

    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", 1_000_00).status_code == 200  # a refill at the bank
    press(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: shown_everywhere(left + 1_000_00), timeout=TIMEOUT)
