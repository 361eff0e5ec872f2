"""Customer memory through the real windows and a real server: a returning customer is found by part of the K No.,
the mobile (only when they agreed) or the name; Enter pays again — the service opened, the K No. filled in, the
new bill fetched, the past payments here shown — in far fewer keys than a new customer; offline too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from offline_cache.customers import PaidBill
from tests.support.auth import contacts, ready_token
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess
from tests.ui.conftest import focused, press, type_text
from tests.ui.test_avail_service import _open_avail_service, _pick_jvvnl, _receipt_window, _sign_in
from ui.avail_service import CUSTOMER, AvailServicePage
from ui.core import Core
from ui.shell import Shell
from ui.strings import Language, language_switch

FUNDS = 50_000_00
TIMEOUT = 20_000
NEW_CUSTOMER_KEYS = 34  # bench/bench_ui.py: a new customer's electricity payment, from the main window


def _pay_new_customer(qtbot: QtBot, page: AvailServicePage, k_no: str, mobile: str, *, remember: bool) -> str:
    """Pay a first-time customer's bill; the consumer's name as the department gave it."""
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, k_no)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.details is not None, timeout=TIMEOUT)
    assert page.details is not None
    name = page.details.consumer_name
    press(qtbot, Qt.Key.Key_F6)
    assert focused() is page.mobile.editor
    type_text(qtbot, mobile)
    assert not page.remember_mobile.isChecked()  # a new customer's consent is asked, never assumed
    if remember:
        page.remember_mobile.setFocus()
        press(qtbot, Qt.Key.Key_Space)
        assert page.remember_mobile.isChecked()
    before = getattr(page, "receipt_window", None)
    press(qtbot, Qt.Key.Key_F8)
    window = _receipt_window(qtbot, page, before)
    assert window.receipt.consumer_no == k_no
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(
        lambda: QApplication.activeWindow() is page.window() and page.search.line_edit.hasFocus(), timeout=TIMEOUT
    )
    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    return name


def _customer_rows(page: AvailServicePage) -> list[str]:
    items = [page.results.item(i) for i in range(page.results.count())]
    return [item.text() for item in items if item.data(CUSTOMER) is not None]


def test_a_returning_customer_pays_again_in_half_the_keys(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0901"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    shell = shell_on(auth_server)
    main = _sign_in(qtbot, shell, contacts(code)[0])
    page = _open_avail_service(qtbot, main)
    agreed, declined, monthly = (b.k_no for b in paper_bills(3, series=91))
    _pay_new_customer(qtbot, page, agreed, "9812345678", remember=True)
    name = _pay_new_customer(qtbot, page, declined, "9898989898", remember=False)
    assert page.search.line_edit.hasFocus()
    # A customer who paid here last month (this month's bill of the two above is paid: the department says so).
    kiosk = shell.core.kiosk()
    last_month = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    paid = PaidBill("ELEC-JVVNL", {"k_no": monthly}, monthly, 1_234_00, "Sita Devi")
    kiosk.worker.call(
        lambda: kiosk.store.customers.record(
            "last-month-op",
            [paid],
            status="success",
            paid_at=last_month,
            mobile="9812300000",
            consent=True,
            receipt_no="RJ261106000000123",
        )
    )

    # This month: the operator types the last digits of the K No. printed on the new bill.
    main.setFocus()
    keys = 0

    def key(k: Qt.Key) -> None:
        nonlocal keys
        press(qtbot, k)
        keys += 1

    def typed(text: str) -> None:
        nonlocal keys
        type_text(qtbot, text)
        keys += len(text)

    key(Qt.Key.Key_F4)
    qtbot.waitUntil(page.search.line_edit.hasFocus, timeout=TIMEOUT)
    typed(monthly[-5:])
    qtbot.waitUntil(lambda: len(_customer_rows(page)) == 1, timeout=TIMEOUT)
    assert page.results.currentItem().data(CUSTOMER) is not None  # digits typed: the customer comes first
    row = _customer_rows(page)[0]
    assert monthly in row and "Sita Devi" in row and "₹1,234.00" in row and "payments here: 1" in row
    key(Qt.Key.Key_Return)  # pay again
    qtbot.waitUntil(lambda: page.details is not None, timeout=TIMEOUT)  # the new bill, asked for at once
    assert page.service is not None and page.service.code == "ELEC-JVVNL"
    assert page.spec_fields[0].text() == monthly
    assert page.mobile.text() == "9812300000" and page.remember_mobile.isChecked()
    assert page.history.isVisible() and "RJ261106000000123" in page.history.text()
    key(Qt.Key.Key_F6)
    before = page.receipt_window
    key(Qt.Key.Key_F8)
    keys += 1  # Enter on the confirmation (answered by the recorded dialog)
    window = _receipt_window(qtbot, page, before)
    assert window.receipt.consumer_no == monthly
    assert keys <= NEW_CUSTOMER_KEYS // 2, keys
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(
        lambda: QApplication.activeWindow() is page.window() and page.search.line_edit.hasFocus(), timeout=TIMEOUT
    )

    # The mobile finds only the customer who agreed; the other's mobile was never kept.
    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "9812345678")
    qtbot.waitUntil(lambda: [agreed in r for r in _customer_rows(page)] == [True], timeout=TIMEOUT)
    assert "payments here: 1" in _customer_rows(page)[0]
    page.search.line_edit.selectAll()
    type_text(qtbot, monthly[-6:])
    qtbot.waitUntil(lambda: any("payments here: 2" in r for r in _customer_rows(page)), timeout=TIMEOUT)
    page.search.line_edit.selectAll()
    type_text(qtbot, "9898989898")
    qtbot.waitUntil(lambda: page.results.count() == 1 and not _customer_rows(page), timeout=TIMEOUT)
    # By name, as the department gave it, in either language's screen.
    language_switch().set_language(Language.HINDI)
    page.search.line_edit.selectAll()
    type_text(qtbot, name.split()[0][:4].lower())
    qtbot.waitUntil(lambda: any(declined in row for row in _customer_rows(page)), timeout=TIMEOUT)
    assert any(row.startswith("ग्राहक") for row in _customer_rows(page))
    # Letters typed: the services come first, the customers after them.
    language_switch().set_language(Language.ENGLISH)


def test_pay_again_works_offline_from_the_kiosks_own_memory(
    qtbot: QtBot,
    auth_server: ServerProcess,
    proxy: FaultProxy,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
) -> None:
    code = "RJ-JPR-0902"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    core = make_core(proxy.url)
    shell = make_shell(core)
    main = _sign_in(qtbot, shell, contacts(code)[0])
    page = _open_avail_service(qtbot, main)
    k_no = paper_bills(1, series=92)[0].k_no
    name = _pay_new_customer(qtbot, page, k_no, "9812345670", remember=True)

    proxy.set_offline(True)
    page.search.line_edit.setFocus()
    type_text(qtbot, k_no[-4:])
    qtbot.waitUntil(lambda: len(_customer_rows(page)) == 1, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Return)
    # Get Bill Details cannot be asked: the paper bill's figures are typed, the name and K No. are filled in.
    qtbot.waitUntil(lambda: page.service is not None and page.bill_no.editor.hasFocus(), timeout=TIMEOUT)
    assert page.spec_fields[0].text() == k_no and page.consumer_name.text() == name
    assert page.mobile.text() == "9812345670"
    proxy.set_offline(False)
    QApplication.processEvents()


def test_the_memory_forgets_what_is_older_than_its_months(make_core: Callable[..., Core]) -> None:
    core = make_core("http://127.0.0.1:9")
    store = core.kiosk().store
    now = datetime.now(UTC)
    old, recent = (now - timedelta(days=400)).isoformat(), (now - timedelta(days=3)).isoformat()
    bill = PaidBill("ELEC-JVVNL", {"k_no": "210000000017"}, "210000000017", 100_00, "Old Customer")
    store.customers.record("old-op", [bill], status="success", paid_at=old, mobile="9800000001", consent=True)
    fresh = PaidBill("ELEC-JVVNL", {"k_no": "210000000025"}, "210000000025", 100_00, "New Customer")
    store.customers.record("new-op", [fresh], status="success", paid_at=recent, mobile=None, consent=False)
    assert store.customers.forget_before((now - timedelta(days=365)).isoformat()) == 1
    assert [c.consumer_no for c in store.customers.search("customer")] == ["210000000025"]
    assert store.customers.search("98000") == []
    assert store.customers.history("ELEC-JVVNL", "210000000017") == []
