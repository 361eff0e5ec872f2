"""A kiosk's receipts over HTTP on each backend: found by each key, never another kiosk's; a receipt message is
sent once per operation id even when copies arrive at the same instant, and another body under that id is 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from rules.day import business_day
from rules.ids import new_operation_id
from tests.support.auth import messages
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk
from tests.ui.test_day_end_report import _pay

MOBILE = "9876543210"  # the customer's, given at every payment below


def test_receipts_by_each_key_only_the_kiosks_own(auth_server: ServerProcess) -> None:
    mine, other = WalletKiosk(auth_server, "RJ-SRA"), WalletKiosk(auth_server, "RJ-SRB")
    mine.fund(10_000_00)
    other.fund(10_000_00)
    bills = paper_bills(3, series=90)
    first = _pay(mine, "ELEC-JVVNL", {"k_no": bills[0].k_no})
    second = _pay(mine, "ELEC-JVVNL", {"k_no": bills[1].k_no})
    theirs = _pay(other, "ELEC-JVVNL", {"k_no": bills[2].k_no})

    def found(**params: str) -> list[str]:
        r = mine.call("GET", "/receipts", params=params)
        assert r.status_code == 200, r.text
        return [p["receipt_no"] for p in r.json()["receipts"]]

    assert found(receipt_no=first["receipt_no"].lower()) == [first["receipt_no"]]
    assert found(consumer_no=bills[1].k_no) == [second["receipt_no"]]
    assert found(mobile="+91 98765 43210") == [second["receipt_no"], first["receipt_no"]]  # newest first
    assert found(date=business_day().isoformat()) == [second["receipt_no"], first["receipt_no"]]
    for params in (
        {"receipt_no": theirs["receipt_no"]},
        {"consumer_no": bills[2].k_no},
        {"date": (business_day() - timedelta(days=1)).isoformat()},
    ):
        r = mine.call("GET", "/receipts", params=params)
        assert r.status_code == 404 and r.json()["error"]["code"] == "receipt_not_found", (params, r.text)
    r = mine.call("GET", "/receipts", params={"date": "yesterday"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    for bad in ("12345", "98765x43210", "a\x00"):  # not a mobile: refused, never searched for
        r = mine.call("GET", "/receipts", params={"mobile": bad})
        assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_mobile", "invalid_request"), r.text
    assert requests.get(f"{auth_server.url}/api/v1/receipts", params={"receipt_no": "X"}, timeout=30).status_code == 401


def test_a_receipt_message_is_sent_once_per_operation_id(auth_server: ServerProcess) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-SRM")
    kiosk.fund(5_000_00)
    paid = _pay(kiosk, "ELEC-JVVNL", {"k_no": paper_bills(1, series=91)[0].k_no})
    to = "9876500099"
    body = {"operation_id": new_operation_id(), "receipt_no": paid["receipt_no"], "to": to, "language": "hi"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: kiosk.call("POST", "/receipts/messages", json=body), range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert sorted(a.json()["replayed"] for a in answers) == [False, True, True, True]
    assert {a.json()["to"] for a in answers} == {"98******99"}
    (sent,) = messages(auth_server, to, "receipt")
    assert sent["body"].startswith("ई-मित्र रसीद") and "/v/" in sent["body"]
    r = kiosk.call("POST", "/receipts/messages", json={**body, "to": "9876500098"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "operation_id_reused"
    assert messages(auth_server, "9876500098", "receipt") == []
    # By e-mail: the address as typed, in lower case; the subject names the receipt.
    mail = {"operation_id": new_operation_id(), "receipt_no": paid["receipt_no"], "to": " Customer@Example.IN "}
    r = kiosk.call("POST", "/receipts/messages", json=mail)
    assert r.status_code == 200 and r.json()["channel"] == "email" and r.json()["to"] == "c*******@example.in"
    (sent_mail,) = messages(auth_server, "customer@example.in", "receipt")
    assert sent_mail["subject"] == f"ई-मित्र रसीद {paid['receipt_no']} / eMitra receipt {paid['receipt_no']}"
