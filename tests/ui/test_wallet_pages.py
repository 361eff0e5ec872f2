"""Refill, Fund Payout, Statement and Reconcile through the real windows against a real server, from the keyboard."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from printing.money import format_rupees
from printing.receipt import ReceiptStatus
from rules.day import business_day
from server.core.config import Settings
from server.migrate import migrate
from server.wallet.credit import interest_for
from tests.support.auth import ShiftedClock, contacts
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, PASSWORD, WalletKiosk, op
from tests.ui.conftest import focused, press, type_text
from ui import ops
from ui.fund_payout import FundPayoutPage
from ui.main_window import Feature, MainWindow
from ui.reconcile import ReconcilePage
from ui.refill import RefillPage
from ui.shell import Shell
from ui.statement import StatementPage
from ui.strings import Language, language_switch

TIMEOUT = 20_000
ENV = {"EMITRA_ARGON2_PROFILE": "fast", **LONG_SESSIONS}


@pytest.fixture(scope="module")
def server_clock(tmp_path_factory: pytest.TempPathFactory) -> ShiftedClock:
    """The server's business clock; a test that moves it puts it back."""
    return ShiftedClock(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture(scope="module")
def wallet_server(tmp_path_factory: pytest.TempPathFactory, server_clock: ShiftedClock) -> Iterator[ServerProcess]:
    """One server for the module (SQLite); each test has its own kiosk."""
    tmp = tmp_path_factory.mktemp("wallet-ui")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    env = {**ENV, "EMITRA_CLOCK_OFFSET_FILE": str(server_clock.path)}
    server = ServerProcess(url, log_path=tmp / "server.log", env=env).start()
    yield server
    assert server.audit() == []
    server.stop()


@pytest.fixture
def no_faults(wallet_server: ServerProcess) -> Iterator[None]:
    yield
    for biller in ("discom", "phed", "telecom"):
        wallet_server.admin("PUT", f"/billers/{biller}/fault", json={"fault": "none"})


def _open(qtbot: QtBot, shell: Shell, kiosk: WalletKiosk, feature: Feature) -> tuple[MainWindow, Any]:
    type_text(qtbot, contacts(kiosk.code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
    main = shell.main
    assert main is not None
    main.activateWindow()
    main.actions_[feature.value].trigger()
    page = main.feature_pages[feature]
    assert main.stack.currentWidget() is page
    return main, page


def _shown(label: QLabel) -> str:
    return label.text() if label.isVisible() else ""


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


def test_refill_shows_the_neft_account_pays_a_gateway_order_and_accepts_a_cug_code(
    qtbot: QtBot, wallet_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    old_id = f"JPR-OLD-{uuid.uuid4().hex[:6].upper()}"
    kiosk = WalletKiosk(wallet_server, "RJ-UIR", old_emitra_id=old_id)
    kiosk.fund(1_000_00)
    r = wallet_server.admin(
        "PUT", f"/wallet/legacy-portal/{old_id}", json={"limit_paise": 2_500_00, "cug_code": "CUG-7731-0042"}
    )
    assert r.status_code == 200, r.text
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]
    main, page = _open(qtbot, shell_on(wallet_server), kiosk, Feature.REFILL)
    assert isinstance(page, RefillPage)
    qtbot.waitUntil(lambda: page.info is not None, timeout=TIMEOUT)

    # Pay Via NEFT/RTGS: the kiosk's own account, copied with one key.
    assert page.account_values["account_no"].text() == account["account_no"]
    assert page.account_values["ifsc"].text() == "RJIT0EMITRA"
    assert page.account_values["beneficiary"].text() == account["beneficiary_name"]
    qtbot.waitUntil(lambda: "₹1,000.00" in page.balance.text(), timeout=TIMEOUT)  # the window hands the money in
    page.findChild(QPushButton, "copy_ifsc").click()
    assert QApplication.clipboard().text() == "RJIT0EMITRA" and "RJIT0EMITRA" in page.copied.text()

    # Net banking: an amount below the minimum is refused next to the field; then an order, paid at the gateway.
    assert focused() is page.amount.editor
    type_text(qtbot, "50")
    press(qtbot, Qt.Key.Key_Return)
    assert page.amount.error.isVisible() and "₹100.00" in page.amount.error.text()
    page.amount.line_edit.clear()
    type_text(qtbot, "1,500")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.order is not None, timeout=TIMEOUT)
    order = page.order
    assert order is not None and order.amount_paise == 1_500_00 and not order.finished
    assert order.payment_url in _shown(page.order_view) and "waiting for the payment" in page.order_view.text()
    done = requests.post(order.payment_url + "/complete", json={"outcome": "success"}, timeout=30)
    assert done.status_code == 200, done.text
    page.poll.setInterval(200)
    qtbot.waitUntil(lambda: page.order is not None and page.order.credited, timeout=TIMEOUT)
    assert "the wallet is credited" in page.order_view.text()
    qtbot.waitUntil(lambda: "₹2,500.00" in page.balance.text(), timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: main.home.balance is not None and main.home.balance.wallet_balance_paise == 2_500_00, timeout=TIMEOUT
    )

    # Fund Receive Request from Existing Emitra: a wrong code is refused under the field, the right one accepted.
    page.cug_code.line_edit.setFocus()
    type_text(qtbot, "CUG-0000-0000")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.cug_code.error.isVisible, timeout=TIMEOUT)
    assert "does not recognise this CUG code" in page.cug_code.error.text()
    language_switch().set_language(Language.HINDI)
    assert "CUG कोड नहीं पहचानता" in page.cug_code.error.text()
    language_switch().set_language(Language.ENGLISH)
    page.cug_code.line_edit.clear()
    type_text(qtbot, " cug-7731-0042 ")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.cug_result.isVisible, timeout=TIMEOUT)
    assert not page.cug_code.error.isVisible()
    assert "Request accepted" in page.cug_result.text() and "₹2,500.00" in page.cug_result.text()
    assert "about an hour" in page.cug_result.text()
    language_switch().set_language(Language.HINDI)
    assert "अनुरोध स्वीकार हुआ" in page.cug_result.text()
    language_switch().set_language(Language.ENGLISH)
    transfers = kiosk.ok("GET", "/wallet/refill/existing-emitra")["transfers"]
    assert [(t["status"], t["amount_paise"]) for t in transfers] == [("scheduled", 2_500_00)]


def test_statement_lists_funded_adjustments_with_running_balance_and_exports_csv(
    qtbot: QtBot, wallet_server: ServerProcess, shell_on: Callable[..., Shell], tmp_path: Path
) -> None:
    kiosk = WalletKiosk(wallet_server, "RJ-UIS")
    kiosk.fund(10_000_00)
    kiosk.fund(2_500_50)
    main, page = _open(qtbot, shell_on(wallet_server), kiosk, Feature.STATEMENT)
    assert isinstance(page, StatementPage)
    qtbot.waitUntil(lambda: page.statement is not None, timeout=TIMEOUT)
    assert page.table.rowCount() == 2
    balances = [page.table.item(row, 6).text() for row in range(2)]
    credits = [page.table.item(row, 5).text() for row in range(2)]
    assert balances == ["₹10,000.00", "₹12,500.50"] and credits == ["₹10,000.00", "₹2,500.50"]
    assert "closing ₹12,500.50" in page.totals.text()

    # A range that ends before it starts is refused under "From".
    today = business_day()
    page.set_range(today, today.replace(year=today.year - 1))
    page.start.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.start.error.isVisible, timeout=TIMEOUT)
    assert "start date is after the end date" in page.start.error.text()
    page.set_range(today, today)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.start.error.isVisible(), timeout=TIMEOUT)

    # Export CSV: the file dialog is replaced by the test's path; the same bytes come through the use-case.
    target = tmp_path / "statement.csv"
    page.ask_path = lambda _suggested: str(target)
    qtbot.keyClick(page, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(page.saved.isVisible, timeout=TIMEOUT)
    assert str(target) in page.saved.text()
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["balance_paise"] for r in rows] == ["1000000", "1250050"]
    assert [r["credit_rupees"] for r in rows] == ["10000.00", "2500.50"]
    wallet = main.core.kiosk().wallet
    direct = tmp_path / "direct.csv"
    assert wallet.export_statement(today, today, str(direct)) == direct.stat().st_size
    assert direct.read_bytes() == target.read_bytes()


def test_reconcile_lists_a_pending_payment_first_and_verify_confirms_it_then_fund_payout(
    qtbot: QtBot, wallet_server: ServerProcess, shell_on: Callable[..., Shell], no_faults: None
) -> None:
    kiosk = WalletKiosk(wallet_server, "RJ-UIC", credit_limit=50_000_00)
    kiosk.fund(1_000_00)
    paid = _pay(kiosk, "ELEC-AVVNL", {"k_no": "310412340077"})
    assert paid["status"] == "success"
    r = wallet_server.admin("PUT", "/billers/telecom/fault", json={"fault": "timeout"})
    assert r.status_code == 200, r.text
    pending = _pay(kiosk, "TEL-MOBILE-POSTPAID", {"mobile": "9829012377"})
    assert pending["status"] == "pending" and pending["from_credit_paise"] > 0

    main, page = _open(qtbot, shell_on(wallet_server), kiosk, Feature.RECONCILE)
    assert isinstance(page, ReconcilePage)
    page.day.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # Submit
    qtbot.waitUntil(lambda: page.report is not None, timeout=TIMEOUT)
    assert page.table.rowCount() == 2
    assert [page.table.item(row, 2).text() for row in range(2)] == [pending["receipt_no"], paid["receipt_no"]]
    assert page.table.item(0, 0).text() == "PENDING" and page.table.item(1, 0).text() == "Success"
    assert "1 PENDING" in page.counts.text()
    assert page.selected_ids() == [pending["payment_id"]] and focused() is page.table

    assert not page.corrected.isEnabled()  # nothing settled yet: no corrected receipt to give
    r = wallet_server.admin("PUT", "/billers/telecom/fault", json={"fault": "none"})
    assert r.status_code == 200, r.text
    press(qtbot, Qt.Key.Key_F7)  # Verify the selected payment
    qtbot.waitUntil(lambda: pending["payment_id"] in page.results, timeout=TIMEOUT)
    assert page.table.item(0, 6).text() == "Confirmed by the department"
    assert page.table.item(0, 0).text() == "Success"
    assert kiosk.ok("GET", f"/payments/{pending['operation_id']}")["status"] == "success"

    # The customer left with a PENDING receipt: Ctrl+P prints the corrected one, once (again: the same spooled one).
    assert page.corrected.isEnabled()
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.receipt_window is not None and page.receipt_window.isVisible(), timeout=TIMEOUT)
    window = page.receipt_window
    assert window is not None
    receipt = window.receipt
    assert receipt.corrected is not None and receipt.status is ReceiptStatus.SUCCESS
    assert receipt.receipt_no == pending["receipt_no"]
    assert receipt.corrected_note().en == "Replaces the receipt given earlier marked PENDING"
    first_spool = window.spool_id
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=TIMEOUT)  # back to the list
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.receipt_window is not window and page.receipt_window is not None, timeout=TIMEOUT)
    assert page.receipt_window is not None and page.receipt_window.spool_id == first_spool
    press(qtbot, Qt.Key.Key_Escape)

    # The credit line used by that bill is now outstanding: Fund Payout shows it and pays it from the wallet.
    used = kiosk.balance["credit_used_paise"]
    assert used >= pending["from_credit_paise"] > 0
    kiosk.fund(10_000_00)
    main.actions_["fund_payout"].trigger()
    payout = main.feature_pages[Feature.FUND_PAYOUT]
    assert isinstance(payout, FundPayoutPage)
    qtbot.waitUntil(lambda: payout.info is not None, timeout=TIMEOUT)
    assert payout.info is not None and payout.info.outstanding_paise == used
    outstanding = format_rupees(used)
    assert f"Outstanding: {outstanding}" in payout.summary.text() and "Due date:" in payout.summary.text()
    assert payout.table.rowCount() >= 1
    payout.amount.line_edit.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # the amount is filled with the total payable
    qtbot.waitUntil(payout.result.isVisible, timeout=TIMEOUT)
    assert f"Paid {outstanding} from the wallet" in payout.result.text()
    qtbot.waitUntil(lambda: payout.info is not None and payout.info.nothing_due, timeout=TIMEOUT)
    assert kiosk.balance["credit_used_paise"] == 0
    press(qtbot, Qt.Key.Key_Return)
    assert not payout.pay.isEnabled()


def test_fund_payout_by_net_banking_checks_the_amount_beside_the_field_then_follows_the_order_until_paid(
    qtbot: QtBot, wallet_server: ServerProcess, shell_on: Callable[..., Shell], no_faults: None
) -> None:
    kiosk = WalletKiosk(wallet_server, "RJ-UIP", credit_limit=50_000_00)
    kiosk.fund(100_00)
    paid = _pay(kiosk, "ELEC-JVVNL", {"k_no": "210412340091"})
    assert paid["status"] == "success" and paid["from_credit_paise"] > 0
    used = kiosk.balance["credit_used_paise"]
    assert used == paid["from_credit_paise"] and kiosk.wallet == 0

    main, page = _open(qtbot, shell_on(wallet_server), kiosk, Feature.FUND_PAYOUT)
    assert isinstance(page, FundPayoutPage)
    qtbot.waitUntil(lambda: page.info is not None, timeout=TIMEOUT)
    assert page.info is not None and page.info.total_payable_paise == used  # not overdue yet: no interest
    total = format_rupees(used)
    assert focused() is page.amount.editor and page.amount.text() == f"{used / 100:.2f}"
    assert page.chosen_method == "wallet" and page.pay.text() == "&Pay from wallet (Enter)"

    # From the wallet: it is empty, so the amount is refused beside the field and net banking is suggested.
    press(qtbot, Qt.Key.Key_Return)
    assert page.amount.error.isVisible() and "The wallet has only ₹0.00" in page.amount.error.text()
    assert "net banking" in page.amount.error.text()
    language_switch().set_language(Language.HINDI)
    assert "वॉलेट में केवल ₹0.00 हैं" in page.amount.error.text()
    assert page.pay.text() == "वॉलेट से भुगतान करें (&Pay, Enter)"
    language_switch().set_language(Language.ENGLISH)

    # More than the total payable is refused beside the field, whichever the method; so is a word.
    page.amount.line_edit.selectAll()
    type_text(qtbot, f"{used // 100 + 10}")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.method.editor
    press(qtbot, Qt.Key.Key_Down)  # Pay by: Net banking
    assert page.chosen_method == "net_banking" and page.pay.text() == "&Pay by net banking (Enter)"
    assert not page.amount.error.isVisible() and "bank's payment page" in page.method_hint.text()
    press(qtbot, Qt.Key.Key_Return)
    assert page.amount.error.isVisible() and f"Enter at most {total}" in page.amount.error.text()
    assert focused() is page.amount.editor
    language_switch().set_language(Language.HINDI)
    assert f"अधिकतम {total} दर्ज करें" in page.amount.error.text()
    language_switch().set_language(Language.ENGLISH)
    page.amount.line_edit.selectAll()
    type_text(qtbot, "all of it")
    press(qtbot, Qt.Key.Key_Return)
    assert "Enter the amount in rupees" in page.amount.error.text()
    assert kiosk.ok("GET", "/wallet/refill")["orders"] == []  # nothing reached the server

    # Net banking: an order for the amount; the operator cancels on the bank's page; nothing moves.
    page.amount.line_edit.selectAll()
    type_text(qtbot, f"{used / 100:.2f}")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.order is not None, timeout=TIMEOUT)
    first = page.order
    assert first is not None and first.purpose == "payout" and first.amount_paise == used
    assert not page.amount.error.isVisible() and page.open_page.isVisible() and focused() is page.open_page
    assert "waiting for the payment" in page.order_view.text() and first.payment_url in page.order_view.text()
    page.poll.setInterval(200)
    cancelled = requests.post(first.payment_url + "/complete", json={"outcome": "failed"}, timeout=30)
    assert cancelled.status_code == 200, cancelled.text
    qtbot.waitUntil(lambda: page.order is not None and page.order.status == "failed", timeout=TIMEOUT)
    assert "no money moved" in page.order_view.text() and not page.open_page.isVisible()
    assert focused() is page.amount.editor and kiosk.balance["credit_used_paise"] == used

    # A new order (a new operation id: the first was answered), paid at the bank: the outstanding is cleared.
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.order is not None and page.order.order_id != first.order_id, timeout=TIMEOUT)
    second = page.order
    assert second is not None and second.operation_id != first.operation_id
    language_switch().set_language(Language.HINDI)
    assert "भुगतान की प्रतीक्षा" in page.order_view.text()
    language_switch().set_language(Language.ENGLISH)
    done = requests.post(second.payment_url + "/complete", json={"outcome": "success"}, timeout=30)
    assert done.status_code == 200, done.text
    qtbot.waitUntil(lambda: page.order is not None and page.order.credited, timeout=TIMEOUT)
    assert "the outstanding is reduced" in page.order_view.text()
    assert f"Paid {total} by net banking" in page.result.text() and second.order_id in page.result.text()
    qtbot.waitUntil(lambda: page.info is not None and page.info.nothing_due, timeout=TIMEOUT)
    assert kiosk.balance["credit_used_paise"] == 0 and kiosk.wallet == 0
    assert not page.pay.isEnabled() and "Nothing is outstanding" in page.summary.text()
    qtbot.waitUntil(lambda: main.home.balance is not None and main.home.balance.credit_used_paise == 0, timeout=TIMEOUT)
    orders = kiosk.ok("GET", "/wallet/refill")["orders"]
    assert sorted((o["purpose"], o["status"]) for o in orders) == [("payout", "failed"), ("payout", "success")]


class UrlCatcher(QObject):
    """Stands in for the PC's web browser: records the pages the kiosk asks to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser() -> Iterator[UrlCatcher]:
    catcher = UrlCatcher()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open_url")
    yield catcher
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


def test_fund_payout_after_a_restart_lists_the_waiting_order_then_shows_how_the_bank_payment_was_applied(
    qtbot: QtBot,
    wallet_server: ServerProcess,
    server_clock: ShiftedClock,
    shell_on: Callable[..., Shell],
    browser: UrlCatcher,
    no_faults: None,
) -> None:
    kiosk = WalletKiosk(wallet_server, "RJ-UIW", credit_limit=50_000_00)
    kiosk.fund(1_000_00)
    assert wallet_server.adjust(kiosk.code, op(), "debit", 11_000_00).json()["from_credit_paise"] == 10_000_00
    before = kiosk.ok("GET", "/wallet/payout")
    due_in = (date.fromisoformat(before["next_due_on"]) - date.fromisoformat(before["as_of"])).days
    server_clock.advance(hours=24 * (due_in + 3))  # three days past the due date: interest is due
    try:
        shell = shell_on(wallet_server)
        _main, page = _open(qtbot, shell, kiosk, Feature.FUND_PAYOUT)
        assert isinstance(page, FundPayoutPage)
        qtbot.waitUntil(lambda: page.info is not None, timeout=TIMEOUT)
        assert page.info is not None and page.info.open_orders == () and not page.open_table.isVisible()
        interest = interest_for(10_000_00 * 3, 18)  # 10 00 000 × 3 × 18 / 36 500 = 1 479.45 → ₹14.79
        assert (page.info.interest_due_paise, page.info.total_payable_paise) == (interest, 10_000_00 + interest)

        # Net banking for the total payable: an order is made, and the kiosk closes before it is paid.
        press(qtbot, Qt.Key.Key_Tab)
        press(qtbot, Qt.Key.Key_Down)  # Pay by: Net banking
        assert page.chosen_method == "net_banking"
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.order is not None, timeout=TIMEOUT)
        made = page.order
        assert made is not None and made.amount_paise == 10_000_00 + interest and not made.finished
        assert page.open_table.isVisible() and page.open_table.rowCount() == 1
        shell.lock(None)  # the operator signs out; the page and everything it knew are gone
        qtbot.waitUntil(lambda: ops.pending() == 0, timeout=TIMEOUT)
        shell.sign_in.hide()
        shell.core.close()

        # The kiosk program starts again: Fund Payout lists the order waiting for the bank and follows it.
        shell = shell_on(wallet_server)
        assert focused().objectName() == "password"  # the PC remembers the SSO ID
        type_text(qtbot, PASSWORD)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
        assert shell.main is not None
        shell.main.activateWindow()
        shell.main.actions_[Feature.FUND_PAYOUT.value].trigger()
        page = shell.main.feature_pages[Feature.FUND_PAYOUT]
        assert isinstance(page, FundPayoutPage)
        qtbot.waitUntil(lambda: page.info is not None, timeout=TIMEOUT)
        assert page.order is not None and page.order.order_id == made.order_id
        assert page.open_table.isVisible() and page.open_table.rowCount() == 1
        assert page.open_table.item(0, 0).text() == made.order_id
        assert page.open_table.item(0, 1).text() == format_rupees(made.amount_paise)
        assert page.open_table.item(0, 3).text() == "waiting for the payment"
        assert "waiting for the bank (1)" in page.open_caption.text()
        assert "waiting for the payment" in _shown(page.order_view) and page.open_page.isVisible()
        assert page.poll.isActive()
        language_switch().set_language(Language.HINDI)
        assert "बैंक की पुष्टि की प्रतीक्षा" in page.open_caption.text()
        assert page.open_table.horizontalHeaderItem(1).text() == "राशि"
        language_switch().set_language(Language.ENGLISH)

        # "Open payment page" (Alt+O) opens the bank's page in the browser; the operator pays there.
        assert page.open_page.text() == "&Open payment page"
        qtbot.keyClick(focused(), Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: len(browser.urls) == 1, timeout=TIMEOUT)
        assert browser.urls == [made.payment_url]
        bank_page = requests.get(browser.urls[0], timeout=30)
        assert bank_page.status_code == 200 and "Fund Payout" in bank_page.text
        assert f"Pay {format_rupees(made.amount_paise)}" in bank_page.text
        paid_page = requests.post(browser.urls[0], data={"outcome": "success"}, timeout=30)
        assert paid_page.status_code == 200 and "Payment successful" in paid_page.text
        page.poll.setInterval(200)
        qtbot.waitUntil(lambda: page.order is not None and page.order.credited, timeout=TIMEOUT)

        # The bank confirmed it: how the money was applied, interest first, then the outstanding.
        breakdown = kiosk.ok("GET", f"/wallet/refill/orders/{made.order_id}")["breakdown"]
        assert breakdown["interest_paise"] == interest and breakdown["principal_paise"] == 10_000_00
        assert breakdown["to_wallet_paise"] == 0
        shown = _shown(page.result)
        assert f"Paid {format_rupees(made.amount_paise)} by net banking (order {made.order_id})" in shown
        assert f"{format_rupees(interest)} for interest and {format_rupees(10_000_00)} off the outstanding" in shown
        assert "added to the wallet" not in shown
        language_switch().set_language(Language.HINDI)
        hindi = f"{format_rupees(interest)} ब्याज में और {format_rupees(10_000_00)} बकाया क्रेडिट में से घटे"
        assert hindi in page.result.text()
        language_switch().set_language(Language.ENGLISH)
        assert not page.open_table.isVisible() and not page.open_page.isVisible()
        qtbot.waitUntil(lambda: page.info is not None and page.info.nothing_due, timeout=TIMEOUT)
        assert page.open_orders == [] and kiosk.balance["credit_used_paise"] == 0 and kiosk.wallet == 0
    finally:
        server_clock.advance(hours=-24 * (due_in + 3))
