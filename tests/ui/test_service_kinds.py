"""Each kind of service has its own form and words, through the real windows against a real server: a micro-ATM
entry is cash paid to the customer (no payment method, its own receipt), a recharge takes the recharged number
as the contact and pays by wallet only, a fee has no bill to match. And every kind's words exist in both
languages."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from printing.money import format_rupees
from printing.receipt import Labels
from tests.support.auth import contacts, ready_token
from tests.support.server import ServerProcess, terminal_of
from tests.ui.conftest import focused, press, type_text
from tests.ui.test_avail_service import FUNDS, TIMEOUT, _open_avail_service, _receipt_window, _sign_in
from ui.avail_service import KIND_WORDS, AvailServicePage, kind_key
from ui.core import Core
from ui.dialogs import RecordedMessages
from ui.shell import Shell
from words import Language, text


def _pick(qtbot: QtBot, page: AvailServicePage, typed: str, code: str) -> None:
    page.search.line_edit.setFocus()
    page.search.line_edit.selectAll()
    type_text(qtbot, typed)
    qtbot.waitUntil(
        lambda: any(page.results.item(i).data(Qt.ItemDataRole.UserRole) == code for i in range(page.results.count())),
        timeout=TIMEOUT,
    )
    codes = [page.results.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.results.count())]
    page.results.setCurrentRow(codes.index(code))
    page.results.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == code, timeout=TIMEOUT)
    assert focused() is page.spec_fields[0].editor


@pytest.mark.parametrize("kind", sorted(KIND_WORDS))
@pytest.mark.parametrize("language", [Language.ENGLISH, Language.HINDI])
def test_every_kind_has_each_of_its_words_in_both_languages(kind: str, language: Language) -> None:
    for word in KIND_WORDS[kind]:
        key = kind_key(kind, word)
        assert key == f"avail.{kind}.{word}"
        said = text(key, language, number="R1", balance="₹1", name="N", consumer="C", bill_no="B", due="D",
                    due_amount="₹2", payable="₹3", min="₹4", max="₹5", bills="b", total="₹6", words_en="e",
                    words_hi="h", cheque="")  # fmt: skip
        assert said and said != key and "{" not in said, (key, said)


def test_a_micro_atm_entry_is_cash_paid_to_the_customer_with_its_own_words_and_receipt(
    qtbot: QtBot,
    auth_server: ServerProcess,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
    recorded: RecordedMessages,
) -> None:
    code = "RJ-JPR-0871"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    rrn = auth_server.simulated_departments().withdraw(terminal_of(code), 2_500_00)
    main = _sign_in(qtbot, make_shell(make_core(auth_server.url)), contacts(code)[0])
    page = _open_avail_service(qtbot, main)
    _pick(qtbot, page, "micro atm", "MICROATM-CW-ENTRY")
    assert page.get_bill.text() == "&Go On to the Cash Amount (Enter)"
    assert not page.method_box.isVisible()  # nobody pays: the bank credits the wallet

    type_text(qtbot, rrn)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "1234")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    assert "cash you paid to the customer" in page.bill_view.text() and "Bill No." not in page.bill_view.text()
    assert "paper bill" not in page.bill_view.text()
    assert page.amount.label.text() == "Cash paid to the customer (₹) (&A)"
    assert focused() is page.amount.editor
    type_text(qtbot, "2500")
    press(qtbot, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: len(page.bills) == 1, timeout=TIMEOUT)
    type_text(qtbot, "9829012345")
    assert page.pay.text() == "Record Cash Paid (F8)"
    press(qtbot, Qt.Key.Key_F8)

    window = _receipt_window(qtbot, page)
    receipt = window.receipt
    assert receipt.cash_out and receipt.title is Labels.CASH_OUT_TITLE and receipt.total_label is Labels.CASH_PAID
    assert [title for kind, title, _ in recorded.shown if kind == "confirm"] == ["Confirm the cash withdrawal"]
    assert "bank confirmed the withdrawal" in page.outcome.text()
    assert auth_server.balance(code)["wallet_balance_paise"] == FUNDS + 2_500_00
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)


def test_a_recharge_takes_its_number_as_the_contact_pays_by_wallet_only_and_goes_alone_with_no_micro_atm(
    qtbot: QtBot, auth_server: ServerProcess, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0872"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    main = _sign_in(qtbot, make_shell(make_core(auth_server.url)), contacts(code)[0])
    page = _open_avail_service(qtbot, main)
    _pick(qtbot, page, "recharge", "MOBILE-PREPAID")
    assert page.get_bill.text() == "&Get Recharge Limits (Enter)"
    assert page.method_box.isVisible() and not page.cheque.isVisible()  # a departmental cheque pays bills only
    type_text(qtbot, "9414012345")
    press(qtbot, Qt.Key.Key_Return)  # on to the operator, a list to pick from
    operator = page.spec_fields[1]
    assert focused() is operator.editor and operator.label.text() == "Operator"
    press(qtbot, Qt.Key.Key_Return)  # nothing picked: said beside the list, nothing asked of the department
    assert operator.error.isVisible() and not page.bill_view.isVisible()
    press(qtbot, Qt.Key.Key_Down)  # Airtel
    press(qtbot, Qt.Key.Key_Return)  # Get Recharge Limits
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    assert page.bill_view.text().startswith("Number: 9414012345") and "Bill No." not in page.bill_view.text()
    assert page.amount.label.text() == "Recharge &amount (₹)"
    # The plans are Airtel's only; a plan picked fills the amount, Enter goes on to it, Enter there adds it.
    assert focused() is page.plan.editor
    plans = [page.plan.editor.itemText(i) for i in range(page.plan.editor.count())]
    assert plans[0].startswith("— no plan") and len(plans) == 4 and plans[1].startswith("₹199: 28 days")
    press(qtbot, Qt.Key.Key_Down)
    assert page.amount.text() == "199.00"
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is page.amount.editor
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(page.bills) == 1, timeout=TIMEOUT)
    assert dict(page.bills[0].fields) == {"mobile": "9414012345", "mobile_operator": "AIRTEL"}
    assert page.mobile.text() == "9414012345"  # the recharged number is the customer's contact
    assert page.pay.text() == "Recharge By Wallet (F8)"

    # A micro-ATM entry cannot join it: said beside the amount, nothing added.
    _pick(qtbot, page, "micro atm", "MICROATM-CW-ENTRY")
    rrn = auth_server.simulated_departments().withdraw(terminal_of(code), 1_000_00)
    type_text(qtbot, rrn)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "1234")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    type_text(qtbot, "1000")
    press(qtbot, Qt.Key.Key_F6)
    assert len(page.bills) == 1 and page.amount.error.text() == text("error.micro_atm_alone")

    press(qtbot, Qt.Key.Key_F8)
    window = _receipt_window(qtbot, page)
    assert window.receipt.title is Labels.TITLE and window.receipt.total_paise == 199_00
    assert "Recharged: receipt" in page.outcome.text() and format_rupees(FUNDS - 199_00) in page.outcome.text()
    press(qtbot, Qt.Key.Key_Escape)
