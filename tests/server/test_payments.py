"""Services end to end over HTTP: Get Bill Details, Add Bill For Payment, pay, faults, bad input."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ready_token
from tests.support.server import ServerProcess

_codes = itertools.count(1)
FUNDS = 10_000_000  # ₹1,00,000

# One consumer number per service that the simulated departments answer for.
SERVICES: dict[str, dict[str, str]] = {
    "ELEC-JVVNL": {"k_no": "210412345678"},
    "ELEC-AVVNL": {"k_no": "310498765432"},
    "ELEC-JDVVNL": {"k_no": "4104123456789"},
    "WATER-PHED": {"phed_consumer": "1102345678"},
    "TEL-BSNL-LANDLINE": {"landline": "01412345678", "bsnl_account": "9012345678"},
    "TEL-MOBILE-POSTPAID": {"mobile": "9829012345"},
    "BHAMASHAH-ENROL": {"resident_name": "Kamla Devi", "aadhaar": "234567890124", "mobile": "9414012345"},
    "BHAMASHAH-SEED": {"bhamashah_family_id": "WDYYX7K", "bank_account": "31234567890", "ifsc": "SBIN0031234"},
}
RECHARGES = {
    "MOBILE-PREPAID": {"mobile": "9876501234", "mobile_operator": "AIRTEL"},
    "IPTV-RECHARGE": {"iptv_subscriber": "30012345"},
}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pay_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("payments")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'server.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database()
    migrate(Settings(database_url=url))
    server = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    yield server
    server.stop()


class Kiosk:
    """A signed-in kiosk talking to the server as the client would."""

    def __init__(self, server: ServerProcess, funds: int = FUNDS, credit_limit: int = 0) -> None:
        self.server = server
        self.code = f"RJ-PAY-{next(_codes):04d}"
        self.http = requests.Session()
        token = ready_token(server, self.code, credit_limit_paise=credit_limit)
        self.http.headers["Authorization"] = f"Bearer {token}"
        if funds:
            assert server.adjust(self.code, uuid.uuid4().hex, "credit", funds).status_code == 200

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, f"{self.server.url}/api/v1{path}", timeout=60, **kwargs)

    def fetch(self, service: str, fields: dict[str, str]) -> requests.Response:
        return self.call("POST", "/bills/fetch", json={"service_code": service, "fields": fields})

    def pay(
        self,
        bills: list[dict[str, Any]],
        *,
        op: str | None = None,
        contact: dict[str, Any] | None = None,
        method: dict[str, Any] | None = None,
    ) -> requests.Response:
        return self.call(
            "POST",
            "/payments",
            json={
                "operation_id": op or uuid.uuid4().hex,
                "bills": bills,
                "contact": contact if contact is not None else {"mobile": "9876543210"},
                "method": method or {"type": "wallet"},
            },
        )

    def bill_for(self, service: str, fields: dict[str, str]) -> dict[str, Any]:
        r = self.fetch(service, fields)
        assert r.status_code == 200, r.text
        bill = r.json()
        return {"service_code": service, "fields": fields, "amount_paise": bill["payable_now_paise"]}

    @property
    def wallet(self) -> int:
        return int(self.call("GET", "/wallet/balance").json()["wallet_balance_paise"])


@pytest.fixture
def kiosk(pay_server: ServerProcess) -> Iterator[Kiosk]:
    yield Kiosk(pay_server)
    for biller in ("discom", "phed", "telecom", "bhamashah"):
        pay_server.admin("PUT", f"/billers/{biller}/fault", json={"fault": "none"})
    assert pay_server.audit() == []


def test_every_bill_service_pays_end_to_end_with_a_full_receipt(kiosk: Kiosk) -> None:
    for service, fields in SERVICES.items():
        before = kiosk.wallet
        bill = kiosk.bill_for(service, fields)
        r = kiosk.pay([bill], contact={"mobile": "+91 98765 43210", "email": "customer@example.in"})
        assert r.status_code == 200, (service, r.text)
        receipt = r.json()
        assert receipt["status"] == "success", receipt
        assert kiosk.wallet == before - bill["amount_paise"]
        assert receipt["contact"] == {"mobile": "9876543210", "email": "customer@example.in"}
        for key in ("receipt_no", "txn_id", "created_at_ist", "kiosk_code", "kiosk_name"):
            assert receipt[key], key
        line = receipt["bills"][0]
        for key in (
            "service_name_en",
            "service_name_hi",
            "department_name_en",
            "consumer_name",
            "consumer_no",
            "bill_no",
            "biller_ref",
        ):
            assert line[key], (service, key)
        assert line["amount_paise"] == receipt["total_paise"] == bill["amount_paise"]
        assert receipt["kiosk_code"] == kiosk.code
        # The department now knows the bill is paid.
        again = kiosk.fetch(service, fields)
        if service.startswith(("ELEC", "WATER", "TEL")):
            assert (again.status_code, again.json()["error"]["code"]) == (409, "bill_already_paid")


def test_recharges_take_the_operators_amount_within_range(kiosk: Kiosk) -> None:
    for service, fields in RECHARGES.items():
        info = kiosk.fetch(service, fields).json()
        assert info["amount_due_paise"] is None
        low = kiosk.pay([{"service_code": service, "fields": fields, "amount_paise": info["min_paise"] - 1}])
        assert (low.status_code, low.json()["error"]["code"]) == (422, "amount_out_of_range")
        high = kiosk.pay([{"service_code": service, "fields": fields, "amount_paise": info["max_paise"] + 1}])
        assert (high.status_code, high.json()["error"]["code"]) == (422, "amount_out_of_range")
        ok = kiosk.pay([{"service_code": service, "fields": fields, "amount_paise": 19_900}])
        assert ok.json()["status"] == "success"
    assert kiosk.wallet == FUNDS - 2 * 19_900


def test_several_bills_are_paid_in_one_debit_or_not_at_all(pay_server: ServerProcess) -> None:
    kiosk = Kiosk(pay_server, funds=0)
    bills = [
        kiosk.bill_for("ELEC-JVVNL", {"k_no": "210400002222"}),
        kiosk.bill_for("WATER-PHED", {"phed_consumer": "1100002222"}),
        kiosk.bill_for("TEL-MOBILE-POSTPAID", {"mobile": "9829002222"}),
    ]
    total = sum(b["amount_paise"] for b in bills)
    pay_server.adjust(kiosk.code, uuid.uuid4().hex, "credit", total - 1)
    short = kiosk.pay(bills)
    assert (short.status_code, short.json()["error"]["code"]) == (422, "insufficient_balance")
    assert kiosk.wallet == total - 1
    pay_server.adjust(kiosk.code, uuid.uuid4().hex, "credit", 1)
    paid = kiosk.pay(bills).json()
    assert paid["status"] == "success" and paid["total_paise"] == total
    assert [b["status"] for b in paid["bills"]] == ["success"] * 3
    assert kiosk.wallet == 0
    summary = pay_server.admin("GET", "/ledger/audit").json()
    assert summary["problems"] == []


def test_departmental_cheque_moves_no_wallet_money_and_settles_once(kiosk: Kiosk) -> None:
    bill = kiosk.bill_for("ELEC-AVVNL", {"k_no": "310411112222"})
    today = date.today()
    cheque = {"type": "cheque", "cheque_no": "004512", "bank": "State Bank of India", "date": today.isoformat()}
    for bad, code in [
        ({**cheque, "cheque_no": "45A"}, "invalid_cheque_no"),
        ({**cheque, "bank": ""}, "invalid_cheque_bank"),
        ({**cheque, "date": (today + timedelta(days=5)).isoformat()}, "invalid_cheque_date"),
        ({**cheque, "date": (today - timedelta(days=120)).isoformat()}, "stale_cheque"),
    ]:
        r = kiosk.pay([bill], method=bad)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code)
    paid = kiosk.pay([bill], method=cheque).json()
    assert paid["status"] == "success" and paid["method"] == "cheque"
    assert paid["cheque"]["status"] == "received" and paid["from_wallet_paise"] == 0
    assert kiosk.wallet == FUNDS
    bounced = kiosk.server.admin("POST", f"/cheques/{paid['txn_id']}", json={"status": "bounced"})
    assert bounced.json()["cheque"]["status"] == "bounced"
    again = kiosk.server.admin("POST", f"/cheques/{paid['txn_id']}", json={"status": "cleared"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "cheque_already_settled")


def test_declined_payment_is_reversed_exactly_once(kiosk: Kiosk) -> None:
    kiosk.server.admin("PUT", "/billers/discom/fault", json={"fault": "decline", "times": 1})
    bill = kiosk.bill_for("ELEC-JVVNL", {"k_no": "210400001111"})
    op = uuid.uuid4().hex
    failed = kiosk.pay([bill], op=op).json()
    assert failed["status"] == "failed" and failed["reversed_paise"] == bill["amount_paise"]
    assert "declined" in failed["failure_reason"]
    assert kiosk.wallet == FUNDS
    for _ in range(3):  # asking again, or replaying the same operation, never reverses twice
        assert kiosk.call("GET", f"/payments/{op}").json()["status"] == "failed"
        assert kiosk.pay([bill], op=op).json()["reversed_paise"] == bill["amount_paise"]
    assert kiosk.wallet == FUNDS


def test_lost_answer_ends_with_exactly_one_debit_after_a_status_query(kiosk: Kiosk) -> None:
    kiosk.server.admin("PUT", "/billers/telecom/fault", json={"fault": "lost_answer", "times": 1})
    bill = kiosk.bill_for("TEL-MOBILE-POSTPAID", {"mobile": "9829077777"})
    op = uuid.uuid4().hex
    pending = kiosk.pay([bill], op=op).json()
    assert pending["status"] == "pending"
    assert kiosk.wallet == FUNDS - bill["amount_paise"]
    status = kiosk.call("GET", f"/payments/{op}").json()
    assert status["status"] == "success" and status["bills"][0]["biller_ref"]
    assert kiosk.pay([bill], op=op).json()["status"] == "success"
    assert kiosk.wallet == FUNDS - bill["amount_paise"]
    again = kiosk.fetch("TEL-MOBILE-POSTPAID", {"mobile": "9829077777"})
    assert again.json()["error"]["code"] == "bill_already_paid"  # paid at the department exactly once


def test_timeout_stays_pending_until_the_department_answers(kiosk: Kiosk) -> None:
    kiosk.server.admin("PUT", "/billers/phed/fault", json={"fault": "timeout", "times": 2})
    bill = kiosk.bill_for("WATER-PHED", {"phed_consumer": "1109876543"})
    op = uuid.uuid4().hex
    assert kiosk.pay([bill], op=op).json()["status"] == "pending"
    assert kiosk.call("GET", f"/payments/{op}").json()["status"] == "pending"  # second timeout
    assert kiosk.call("GET", f"/payments/{op}").json()["status"] == "success"
    assert kiosk.wallet == FUNDS - bill["amount_paise"]


def test_slow_department_still_pays(kiosk: Kiosk) -> None:
    kiosk.server.admin("PUT", "/billers/bhamashah/fault", json={"fault": "slow", "delay_ms": 300})
    bill = kiosk.bill_for("BHAMASHAH-SEED", SERVICES["BHAMASHAH-SEED"])
    assert kiosk.pay([bill]).json()["status"] == "success"


def test_fetch_timeout_is_a_504_and_changes_nothing(kiosk: Kiosk) -> None:
    kiosk.server.admin("PUT", "/billers/discom/fault", json={"fault": "timeout", "applies_to": "fetch"})
    r = kiosk.fetch("ELEC-JDVVNL", {"k_no": "410412345670"})
    assert (r.status_code, r.json()["error"]["code"]) == (504, "biller_timeout")


def test_bad_inputs_get_specific_errors_and_debit_nothing(kiosk: Kiosk, pay_server: ServerProcess) -> None:
    good = kiosk.bill_for("ELEC-JVVNL", {"k_no": "210455556666"})
    entries = pay_server.admin("GET", "/ledger/audit").json()["entries"]
    no_kno = kiosk.fetch("ELEC-JVVNL", {})
    assert (no_kno.status_code, no_kno.json()["error"]["code"]) == (422, "k_no_required")
    assert "without the K No." in no_kno.json()["error"]["message"]
    assert no_kno.json()["error"]["message_hi"]
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"bills": [{**good, "fields": {}}]}, 422, "k_no_required", "bills[0].fields.k_no"),
        ({"bills": [{**good, "fields": {"k_no": "21041234"}}]}, 422, "invalid_field", "bills[0].fields.k_no"),
        ({"bills": [{**good, "fields": {"k_no": "21041234567X"}}]}, 422, "invalid_field", "bills[0].fields.k_no"),
        (
            {"bills": [{**good, "amount_paise": good["amount_paise"] - 1}]},
            422,
            "amount_must_equal_due",
            "bills[0].amount_paise",
        ),
        (
            {"bills": [{**good, "amount_paise": good["amount_paise"] + 1}]},
            422,
            "amount_must_equal_due",
            "bills[0].amount_paise",
        ),
        ({"contact": {}}, 422, "contact_required", "contact"),
        ({"contact": {"mobile": "12345"}}, 422, "invalid_mobile", "contact.mobile"),
        ({"contact": {"mobile": "5876543210"}}, 422, "invalid_mobile", "contact.mobile"),
        ({"contact": {"email": "not-an-email"}}, 422, "invalid_email", "contact.email"),
        ({"bills": [good, good]}, 422, "duplicate_bill", "bills[1]"),
        ({"bills": [{**good, "service_code": "NO-SUCH"}]}, 404, "unknown_service", "bills[0].service_code"),
        ({"bills": [{**good, "fields": {"k_no": "210411110000"}}]}, 404, "consumer_not_found", "bills[0]"),
        ({"bills": [{**good, "fields": {"k_no": "210411119999"}}]}, 409, "bill_already_paid", "bills[0]"),
        (
            {"bills": [{**good, "fields": {"k_no": "210412345678", "name": "x"}}]},
            422,
            "unknown_field",
            "bills[0].fields.name",
        ),
    ]
    aadhaar = kiosk.fetch("BHAMASHAH-ENROL", {**SERVICES["BHAMASHAH-ENROL"], "aadhaar": "234567890125"})
    assert (aadhaar.status_code, aadhaar.json()["error"]["code"]) == (422, "invalid_check_digit")
    assert aadhaar.json()["error"]["field"] == "fields.aadhaar" and aadhaar.json()["error"]["label_hi"]
    for change, status, code, field in cases:
        args = {"bills": [good], "contact": {"mobile": "9876543210"}, **change}
        r = kiosk.pay(args["bills"], contact=args["contact"])
        assert (r.status_code, r.json()["error"]["code"], r.json()["error"].get("field")) == (status, code, field), (
            change,
            r.text,
        )
    for body in (
        {"operation_id": "x", "bills": [good]},
        {
            "operation_id": uuid.uuid4().hex,
            "bills": [],
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
        },
        {
            "operation_id": uuid.uuid4().hex,
            "bills": [{**good, "amount_paise": 10.5}],
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
        },
    ):
        r = kiosk.call("POST", "/payments", json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
    assert kiosk.wallet == FUNDS
    assert pay_server.admin("GET", "/ledger/audit").json()["entries"] == entries


def test_partial_payment_where_the_department_allows_it(kiosk: Kiosk) -> None:
    info = kiosk.fetch("WATER-PHED", {"phed_consumer": "1105550001"}).json()
    assert info["partial_allowed"]
    part = kiosk.pay(
        [{"service_code": "WATER-PHED", "fields": {"phed_consumer": "1105550001"}, "amount_paise": info["min_paise"]}]
    ).json()
    assert part["status"] == "success" and part["total_paise"] == info["min_paise"]


def test_a_kiosk_cannot_see_another_kiosks_payment(pay_server: ServerProcess) -> None:
    a, b = Kiosk(pay_server), Kiosk(pay_server)
    op = uuid.uuid4().hex
    assert a.pay([a.bill_for("ELEC-JVVNL", {"k_no": "210477778888"})], op=op).status_code == 200
    r = b.call("GET", f"/payments/{op}")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_payment")
    assert a.call("GET", f"/payments/{op}").status_code == 200


def test_same_operation_id_replays_and_a_changed_body_is_refused(kiosk: Kiosk) -> None:
    bill = kiosk.bill_for("ELEC-AVVNL", {"k_no": "310422223333"})
    op = uuid.uuid4().hex
    first = kiosk.pay([bill], op=op).json()
    again = kiosk.pay([bill], op=op).json()
    assert again["payment_id"] == first["payment_id"] and again["receipt_no"] == first["receipt_no"]
    changed = kiosk.pay([bill], op=op, contact={"mobile": "9000000001"})
    assert (changed.status_code, changed.json()["error"]["code"]) == (409, "operation_id_reused")
    assert kiosk.wallet == FUNDS - bill["amount_paise"]


def test_concurrent_copies_of_one_payment_debit_once(kiosk: Kiosk) -> None:
    bill = kiosk.bill_for("ELEC-JDVVNL", {"k_no": "4104000011112"})
    op = uuid.uuid4().hex
    barrier = threading.Barrier(8)

    def send(_: int) -> dict[str, Any]:
        barrier.wait()
        r = kiosk.pay([bill], op=op)
        assert r.status_code in (200, 409), r.text
        return dict(r.json())

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    ids = {a["payment_id"] for a in answers if "payment_id" in a}
    assert len(ids) == 1
    assert kiosk.wallet == FUNDS - bill["amount_paise"]


def test_search_in_hindi_and_english_with_a_typo_and_filters(kiosk: Kiosk) -> None:
    def codes(**params: Any) -> list[str]:
        r = kiosk.call("GET", "/catalog/search", params=params)
        assert r.status_code == 200, r.text
        return [s["code"] for s in r.json()["results"]]

    assert set(codes(q="bijli")[:3]) == {"ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"}
    assert set(codes(q="बिजली")[:3]) == {"ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"}
    assert codes(q="जोधपुर") == ["ELEC-JDVVNL"]
    assert codes(q="पानी") == ["WATER-PHED"]
    assert codes(q="electrcity")[:1][0].startswith("ELEC")  # one letter missing
    assert "MOBILE-PREPAID" in codes(q="rechareg")  # two letters swapped
    assert codes(q="jvv")[0] == "ELEC-JVVNL"  # prefix of the department
    assert codes(q="xyzzy") == []
    assert set(codes(category="TELECOM")) == {
        "TEL-BSNL-LANDLINE",
        "TEL-MOBILE-POSTPAID",
        "MOBILE-PREPAID",
        "IPTV-RECHARGE",
    }
    assert codes(category="UTILITY", department="PHED") == ["WATER-PHED"]
    assert codes(q="bill", department="BSNL") == ["TEL-BSNL-LANDLINE"]


def test_catalog_has_a_version_for_caching(kiosk: Kiosk) -> None:
    full = kiosk.call("GET", "/catalog")
    etag = full.headers["ETag"]
    body = full.json()
    assert len(body["services"]) >= 11 and etag.strip('"') == body["version"]
    elec = next(s for s in body["services"] if s["code"] == "ELEC-JVVNL")
    assert elec["offline_capable"] and elec["fields"][0]["label_hi"] == "के. नं."
    assert kiosk.call("GET", "/catalog", headers={"If-None-Match": etag}).status_code == 304


def test_insufficient_spendable_uses_credit_line_and_never_overdraws(pay_server: ServerProcess, tmp_path: Path) -> None:
    kiosk = Kiosk(pay_server, funds=10_000, credit_limit=200_000)
    bill = kiosk.bill_for("ELEC-JVVNL", {"k_no": "210499990001"})
    paid = kiosk.pay([bill]).json()
    assert paid["from_wallet_paise"] == 10_000 and paid["from_credit_paise"] == bill["amount_paise"] - 10_000
    balance = kiosk.call("GET", "/wallet/balance").json()
    assert balance["credit_used_paise"] == bill["amount_paise"] - 10_000
    assert balance["spendable_paise"] == 200_000 - (bill["amount_paise"] - 10_000)


def test_day_end_batch_pays_each_item_once_and_lists_refusals(kiosk: Kiosk) -> None:
    good = [kiosk.bill_for("ELEC-JVVNL", {"k_no": f"21043333{i:02d}11"}) for i in range(3)]
    typed_off_paper = {"service_code": "ELEC-AVVNL", "fields": {"k_no": "310433330001"}, "amount_paise": 100}
    items = [
        {
            "operation_id": f"sync-{kiosk.code}-{i}",
            "bills": [b],
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
            "offline": True,
        }
        for i, b in enumerate([*good, typed_off_paper])
    ]
    first = kiosk.call("POST", "/payments/batch", json={"items": items}).json()["results"]
    assert [r["result"] for r in first] == ["done", "done", "done", "refused"]
    assert first[3]["error"]["code"] == "amount_must_equal_due" and first[3]["status_code"] == 422
    assert all(r["payment"]["offline"] and r["payment"]["status"] == "success" for r in first[:3])
    again = kiosk.call("POST", "/payments/batch", json={"items": items}).json()["results"]
    assert [r["payment"]["payment_id"] for r in again[:3]] == [r["payment"]["payment_id"] for r in first[:3]]
    assert kiosk.wallet == FUNDS - sum(b["amount_paise"] for b in good)


def test_batch_refuses_a_second_item_for_the_same_bill_and_pays_recharges_twice(kiosk: Kiosk) -> None:
    bill = kiosk.bill_for("ELEC-JVVNL", {"k_no": "210466660011"})
    recharge = {
        "service_code": "MOBILE-PREPAID",
        "fields": {"mobile": "9876500011", "mobile_operator": "JIO"},
        "amount_paise": 19_900,
    }
    items = [
        {
            "operation_id": uuid.uuid4().hex,
            "bills": [b],
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
        }
        for b in (bill, bill, recharge, recharge)
    ]
    results = kiosk.call("POST", "/payments/batch", json={"items": items}).json()["results"]
    assert [r["result"] for r in results] == ["done", "refused", "done", "done"]
    assert results[1]["error"]["code"] == "bill_already_paid"
    assert kiosk.wallet == FUNDS - bill["amount_paise"] - 2 * 19_900


def test_batch_with_a_department_fault_settles_each_item_like_a_single_payment(kiosk: Kiosk) -> None:
    kiosk.server.admin("PUT", "/billers/discom/fault", json={"fault": "decline", "times": 1})
    bills = [kiosk.bill_for("ELEC-AVVNL", {"k_no": f"31047777{i:02d}11"}) for i in range(3)]
    items = [
        {
            "operation_id": uuid.uuid4().hex,
            "bills": [b],
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
        }
        for b in bills
    ]
    results = kiosk.call("POST", "/payments/batch", json={"items": items}).json()["results"]
    statuses = [r["payment"]["status"] for r in results]
    assert sorted(statuses) == ["failed", "success", "success"]
    paid = sum(b["amount_paise"] for b, st in zip(bills, statuses, strict=True) if st == "success")
    assert kiosk.wallet == FUNDS - paid
