"""The customer memory's store: found by any part of a consumer number, a name in either script or a mobile kept
with consent; query text is never read as search syntax; schema 2 remembers the payments an older client made."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from offline_cache.customers import CustomerMemory, PaidBill
from offline_cache.database import migrate, open_database


def memory(tmp_path: Path) -> CustomerMemory:
    return CustomerMemory(open_database(tmp_path / "kiosk.sqlite3"))


def paid(k_no: str, name: str, amount: int = 500_00) -> PaidBill:
    return PaidBill("ELEC-JVVNL", {"k_no": k_no}, k_no, amount, name)


def test_found_by_part_of_the_number_the_name_in_either_script_and_a_consented_mobile(tmp_path: Path) -> None:
    m = memory(tmp_path)
    m.record("a", [paid("210400000017", "रमेश कुमार")], status="success", paid_at="2026-11-01T10:00:00+00:00",
             mobile="9812345678", consent=True)  # fmt: skip
    m.record("b", [paid("210400000025", "Sita DEVI")], status="success", paid_at="2026-11-02T10:00:00+00:00",
             mobile="9898989898", consent=False)  # fmt: skip
    assert [c.consumer_no for c in m.search("0000")] == ["210400000025", "210400000017"]  # the latest first
    assert [c.consumer_name for c in m.search("मेश")] == ["रमेश कुमार"]
    assert [c.consumer_name for c in m.search("sita devi")] == ["Sita DEVI"]  # case-blind
    assert [c.mobile for c in m.search("45678")] == ["9812345678"]
    assert m.search("98989") == []  # asked without consent: never kept
    assert m.search("21") == []  # too short for the index: the page asks for more
    for odd in ('"', 'a" OR "b', "NEAR(x y)", "*", "k_no:2104", "'; DROP TABLE customers; --"):
        assert m.search(odd) == [], odd  # one literal phrase, never syntax
    assert m.count() == 2


def test_a_payment_without_consent_forgets_the_mobile_and_a_replay_counts_once(tmp_path: Path) -> None:
    m = memory(tmp_path)
    bill = paid("210400000033", "Mohan Lal")
    m.record("first", [bill], status="pending", paid_at="2026-10-05T10:00:00+00:00", mobile="9812300000",
             consent=True)  # fmt: skip
    m.record("first", [bill], status="success", paid_at="2026-10-05T10:00:00+00:00", mobile="9812300000",
             consent=True, receipt_no="RJ1")  # fmt: skip
    [c] = m.search("Mohan")
    assert c.payments == 1 and c.mobile == "9812300000"
    assert [(p.status, p.receipt_no) for p in m.history("ELEC-JVVNL", "210400000033")] == [("success", "RJ1")]
    m.record("second", [bill], status="success", paid_at="2026-11-05T10:00:00+00:00", mobile="9812300000",
             consent=False)  # fmt: skip
    [c] = m.search("Mohan")
    assert c.payments == 2 and c.mobile is None and c.last_paid_at.startswith("2026-11-05")
    assert m.search("12300") == []


def test_schema_two_remembers_what_an_older_client_paid(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database(sqlite3.connect(path, isolation_level=None))
    assert migrate(db, up_to=1) == 1
    payload = {
        "operation_id": "old-op",
        "offline": False,
        "method": {"type": "wallet"},
        "contact": {"mobile": "9876543210", "email": None},
        "bills": [{"service_code": "ELEC-JVVNL", "fields": {"k_no": "210499999999"}, "amount_paise": 777_00}],
    }
    result = {
        "status": "success",
        "receipt_no": "RJ26110100000001",
        "created_at": "2026-11-01T09:00:00+00:00",
        "bills": [{"consumer_no": "210499999999", "consumer_name": "Geeta Bai"}],
    }
    db.execute(
        "INSERT INTO outbox (operation_id, kind, payload, state, amount_paise, wallet_paise, offline, result,"
        " created_at, updated_at) VALUES ('old-op', 'payment', ?, 'done', 77700, 77700, 0, ?, ?, ?)",
        [json.dumps(payload), json.dumps(result), "2026-11-01T09:00:00+00:00", "2026-11-01T09:00:00+00:00"],
    )
    db.conn.close()
    m = CustomerMemory(open_database(path))
    [c] = m.search("geeta")
    assert (c.consumer_no, c.last_amount_paise, c.mobile) == ("210499999999", 777_00, None)  # no consent was asked
    assert [p.receipt_no for p in m.history("ELEC-JVVNL", "210499999999")] == ["RJ26110100000001"]


def test_the_day_end_sync_gives_a_queued_payment_its_final_word(tmp_path: Path) -> None:
    m = memory(tmp_path)
    m.record("offline-op", [paid("210400000041", "Geeta Bai")], status="queued",
             paid_at="2026-12-01T10:00:00+00:00", mobile=None, consent=False)  # fmt: skip
    m.settle([("offline-op", "success", "RJ26120100000007"), ("never-remembered", "failed", None)])
    assert [(p.status, p.receipt_no) for p in m.history("ELEC-JVVNL", "210400000041")] == [
        ("success", "RJ26120100000007")
    ]
    assert m.count() == 1
