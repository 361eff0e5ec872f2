"""Send to customer (Ctrl+M) on the real receipt window against a real server process, through a proxy that can
take the kiosk offline: sent online through the simulated SMS gateway; a wrong mobile said beside the field in
both languages with nothing sent; kept offline and sent exactly once after reconnecting (a replay sends nothing);
the kiosk's hourly limit answered 429 and shown in both languages."""

from __future__ import annotations

from collections.abc import Callable

import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk_app.receipt_message import MessageStatus, message_payload
from offline_cache.outbox import RECEIPT_MESSAGE, NewOperation, OutboxState
from printing.money import format_rupees
from rules.ids import new_operation_id
from server.receipts import MESSAGES_PER_HOUR
from tests.support.auth import messages
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk
from tests.ui.conftest import press, type_text
from tests.ui.test_day_end_report import _pay
from tests.ui.test_reprint import sign_in
from ui.core import Core
from ui.receipt_window import ReceiptWindow, open_receipt
from ui.shell import Shell
from ui.strings import Language, language_switch

TIMEOUT = 20_000
PAID_BY = "9876500011"  # the mobile given at payment: the field is filled with it


def send(qtbot: QtBot, window: ReceiptWindow, to: str | None = None) -> None:
    """Keyboard alone: the address typed (or left as filled in), then Ctrl+M."""
    window.to.editor.setFocus()
    if to is not None:
        window.to.line_edit.clear()
        type_text(qtbot, to)
    window.last_message = None
    press(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.send_button.isEnabled(), timeout=TIMEOUT)


def receipt_sms(server: ServerProcess, to: str) -> list[str]:
    return [m["body"] for m in messages(server, to, "receipt")]


def test_send_online_bad_mobile_offline_once_after_reconnect_and_the_hourly_limit(
    qtbot: QtBot,
    auth_server: ServerProcess,
    proxy: FaultProxy,
    make_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-MSG")
    kiosk.fund(10_000_00)
    core = make_core(proxy.url)
    main = sign_in(qtbot, make_shell(core), kiosk.code)
    client = core.kiosk()
    client.catalog.refresh()
    outcome = client.payments.pay(paper_bills(1, series=70)[0].order(PAID_BY))
    receipt = outcome.receipt
    assert receipt is not None and receipt.provisional is None
    window = open_receipt(
        main,
        receipt,
        desk=core.receipt_desk(client),
        paper=core.preferences.paper_roll,
        spool_id=outcome.spool_id,
        auto_print=False,
    )
    qtbot.waitUntil(lambda: window.pixmap is not None and QApplication.activeWindow() is window, timeout=TIMEOUT)
    assert window.to.text() == PAID_BY and window.send_button.text() == "&Send to customer (Ctrl+M)"
    window.grab().save(str(core.database_path.parent / "receipt-window.png"))

    # Online: one key sends it, in both languages (the default), with the verification link.
    send(qtbot, window)
    assert window.last_message is not None and window.last_message.status is MessageStatus.SENT
    assert window.message_note.text() == "Sent by SMS to 98******11."
    (body,) = receipt_sms(auth_server, PAID_BY)
    assert receipt.receipt_no in body and format_rupees(receipt.total_paise) in body
    assert "ई-मित्र रसीद" in body and "Electricity" in body and "Check it:" in body
    link = body.rsplit("Check it: ", 1)[1].strip()
    page = requests.get(link, timeout=30)
    assert page.status_code == 200 and receipt.receipt_no in page.text

    # A wrong mobile: said beside the field, in both languages; nothing sent, nothing kept.
    send(qtbot, window, "12345")
    assert window.last_message is None and window.to.error.isVisible()
    assert window.to.error.text().startswith("A mobile number is 10 digits")
    language_switch().set_language(Language.HINDI)
    assert "मोबाइल नंबर 6, 7, 8 या 9 से शुरू होने वाले 10 अंकों" in window.to.error.text()
    QApplication.processEvents()  # laid out again in Hindi
    window.grab().save(str(core.database_path.parent / "receipt-window-hi.png"))
    language_switch().set_language(Language.ENGLISH)
    assert receipt_sms(auth_server, "12345") == [] and len(receipt_sms(auth_server, PAID_BY)) == 1
    kept = client.worker.call(
        lambda: client.store.db.execute("SELECT count(*) FROM outbox WHERE kind = ?", [RECEIPT_MESSAGE]).fetchone()[0]
    )
    assert kept == 1  # the one sent

    # Offline: kept in the outbox; sent once when the server is back, and never again.
    proxy.set_offline(True)
    assert client.connectivity.check() is False
    window.language.setFocus()
    press(qtbot, Qt.Key.Key_End)  # English alone
    offline_to = "9876500012"
    send(qtbot, window, offline_to)
    queued = window.last_message
    assert queued is not None and queued.status is MessageStatus.QUEUED
    assert window.message_note.text().startswith("No connection now: the message is kept on this PC")
    assert client.receipt_messages.waiting() == 1 and receipt_sms(auth_server, offline_to) == []
    assert client.payments.queue_length() == 0  # a message is no payment: the day-end sync leaves it alone
    proxy.set_offline(False)
    assert client.connectivity.check() is True  # back online: the kept message goes by itself
    qtbot.waitUntil(lambda: client.receipt_messages.waiting() == 0, timeout=TIMEOUT)
    assert client.receipt_messages.flush_finished(10)
    (english,) = receipt_sms(auth_server, offline_to)
    assert english.startswith("eMitra receipt") and "ई-मित्र" not in english
    entry = client.worker.call(client.store.outbox.get, queued.operation_id)
    assert entry is not None and entry.state is OutboxState.DONE
    assert client.receipt_messages.flush() == 0  # a replayed flush has nothing to send
    token = {"Authorization": f"Bearer {core.account.api.token}"}
    again = requests.post(f"{auth_server.url}/api/v1/receipts/messages", json=entry.payload, headers=token, timeout=30)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert len(receipt_sms(auth_server, offline_to)) == 1

    # Sent, but the answer was lost (the outbox still says "sending"): the next flush asks with the same id, and
    # the server sends nothing a second time.
    lost_to = "9876500013"
    payload, _channel = message_payload(receipt, lost_to, "hi")
    first = requests.post(f"{auth_server.url}/api/v1/receipts/messages", json=payload, headers=token, timeout=30)
    assert first.status_code == 200 and first.json()["replayed"] is False
    operation = NewOperation(str(payload["operation_id"]), RECEIPT_MESSAGE, payload, 0, 0, False)
    client.worker.call(client.store.outbox.add, operation, state=OutboxState.SENDING)
    assert client.receipt_messages.flush() == 1
    assert len(receipt_sms(auth_server, lost_to)) == 1

    # The kiosk's hourly limit (3 sent so far): 429 with the code and the wait, shown in both languages.
    for _ in range(MESSAGES_PER_HOUR - 3):
        body = {"operation_id": new_operation_id(), "receipt_no": receipt.receipt_no, "to": PAID_BY}
        r = requests.post(f"{auth_server.url}/api/v1/receipts/messages", json=body, headers=token, timeout=30)
        assert r.status_code == 200, r.text
    body = {"operation_id": new_operation_id(), "receipt_no": receipt.receipt_no, "to": PAID_BY}
    limited = requests.post(f"{auth_server.url}/api/v1/receipts/messages", json=body, headers=token, timeout=30)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "receipt_message_rate_limited"
    wait = limited.json()["error"]["retry_after_seconds"]
    assert 0 < wait <= 3600 and limited.headers["Retry-After"] == str(wait)
    send(qtbot, window, PAID_BY)
    assert window.last_message is None and "Try again in" in window.message_note.text()
    language_switch().set_language(Language.HINDI)
    assert "सेकंड बाद फिर प्रयास करें" in window.message_note.text()
    language_switch().set_language(Language.ENGLISH)
    assert len(receipt_sms(auth_server, PAID_BY)) == MESSAGES_PER_HOUR - 2
    assert client.receipt_messages.waiting() == 0  # refused at the counter: nothing kept to send later
    window.close()


def test_another_kiosks_receipt_and_a_bad_address_are_refused_with_codes(auth_server: ServerProcess) -> None:
    mine, other = WalletKiosk(auth_server, "RJ-MSA"), WalletKiosk(auth_server, "RJ-MSB")
    url = f"{auth_server.url}/api/v1/receipts/messages"
    other.fund(5_000_00)
    paid = _pay(other, "ELEC-JVVNL", {"k_no": paper_bills(1, series=71)[0].k_no})
    theirs = {"operation_id": new_operation_id(), "receipt_no": paid["receipt_no"], "to": "9876500020"}
    r = mine.call("POST", "/receipts/messages", json=theirs)
    assert r.status_code == 404 and r.json()["error"]["code"] == "receipt_not_found", r.text
    bad = {**theirs, "operation_id": new_operation_id(), "to": "12345"}
    r = other.call("POST", "/receipts/messages", json=bad)
    assert r.status_code == 422 and r.json()["error"] == {
        "code": "invalid_mobile",
        "message": "the customer's mobile number is not valid",
        "field": "to",
    }
    none = {"operation_id": new_operation_id(), "to": "9876500020"}
    r = other.call("POST", "/receipts/messages", json=none)
    assert r.status_code == 422 and r.json()["error"]["code"] == "receipt_required"
    r = requests.post(url, json=none, timeout=30)
    assert r.status_code == 401
    r = mine.call("GET", "/receipts")
    assert r.status_code == 422 and r.json()["error"]["code"] == "search_key_required"
