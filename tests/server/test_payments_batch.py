"""The day-end batch path in-process on SQLite and PostgreSQL: ids reused or sent twice, one id on two routes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event

from rules.day import business_day
from server.billers.departments import billers_of
from server.catalog import load_catalog
from server.core.db import make_engine
from server.kiosks import create_kiosk
from server.ledger import ACCOUNTS, OperationRequest, audit, credit_kiosk, in_transaction, read_kiosk_balances
from server.payments import BillRequest, Payments, PayRequest, load_kiosk_id
from server.schemas import KioskIn
from tests.support.departments import DepartmentsProcess

FUNDS = 10_000_000


@pytest.fixture
def payments(database_url: str, fresh_departments: DepartmentsProcess) -> Iterator[Payments]:
    ACCOUNTS.clear()
    engine = make_engine(database_url)
    catalog = load_catalog()
    billers = {biller: fresh_departments.adapter(biller) for biller in billers_of(catalog)}
    yield Payments(engine, catalog, lambda: datetime.now(UTC), dict(billers))
    with engine.connect() as conn:
        assert audit(conn) == []
    engine.dispose()
    ACCOUNTS.clear()


def kiosk(engine: Engine, code: str) -> int:
    with engine.begin() as conn:
        create_kiosk(
            conn,
            KioskIn(
                code=code,
                name=code,
                holder_name="h",
                district="Jaipur",
                sso_id=f"SSO{code[-4:]}B",
                mobile="9876543211",
                email="b@example.in",
            ),
        )
    op = OperationRequest("admin", uuid.uuid4().hex, "adjustment", {"k": code})
    in_transaction(
        engine,
        lambda tx: tx.run(op, lambda tx, pk: credit_kiosk(tx, pk, code, FUNDS, "system:adjustments", "adjustment")),
    )
    with engine.connect() as conn:
        return load_kiosk_id(conn, code)


def bill(payments: Payments, service: str, fields: dict[str, str]) -> BillRequest:
    _, _, _, found = payments.fetch(service, fields)
    amount = found.payable_now(business_day(payments.now()))
    return BillRequest(service, fields, amount if amount is not None else max(found.min_paise, 19_900))


def pay(op: str, *bills: BillRequest, **kw: Any) -> PayRequest:
    return PayRequest(op, list(bills), "9876543210", None, kw.pop("method", "wallet"), **kw)


def answers(results: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(r["result"], r.get("error", {}).get("code")) for r in results]


def test_an_operation_id_reused_with_another_body_is_refused_alone_and_a_copy_gets_the_first_answer(
    payments: Payments,
) -> None:
    kid = kiosk(payments.engine, "RJ-BAT-0001")
    recharge = bill(payments, "MOBILE-PREPAID", {"mobile": "9876500011", "mobile_operator": "JIO"})
    changed = BillRequest(recharge.service_code, recharge.fields, recharge.amount_paise + 100)
    power = [bill(payments, "ELEC-JVVNL", {"k_no": f"2104333300{n:02d}"}) for n in range(1, 5)]
    first = payments.pay_batch(kid, "RJ-BAT-0001", [pay("X", recharge)])
    assert answers(first) == [("done", None)]
    # A later batch: the known id with another body is refused, its neighbour is paid.
    later = payments.pay_batch(kid, "RJ-BAT-0001", [pay("X", changed), pay("Y", power[0])])
    assert answers(later) == [("refused", "operation_id_reused"), ("done", None)]
    # One batch: the same id twice — another body is refused, the same body gets the first one's answer.
    twice = payments.pay_batch(
        kid, "RJ-BAT-0001", [pay("Z", power[1]), pay("Z", power[2]), pay("W", power[3]), pay("W", power[3])]
    )
    assert answers(twice) == [("done", None), ("refused", "operation_id_reused"), ("done", None), ("done", None)]
    assert twice[2]["payment"] == twice[3]["payment"]
    paid = recharge.amount_paise + sum(b.amount_paise for b in (power[0], power[1], power[3]))
    with payments.engine.connect() as conn:
        assert read_kiosk_balances(conn, "RJ-BAT-0001").wallet == FUNDS - paid


def test_an_id_taken_by_a_cheque_is_refused_in_a_later_batch_not_answered_500(payments: Payments) -> None:
    kid = kiosk(payments.engine, "RJ-BAT-0002")
    power = [bill(payments, "ELEC-JVVNL", {"k_no": f"2104333301{n:02d}"}) for n in range(1, 3)]
    cheque = payments.pay(
        kid,
        "RJ-BAT-0002",
        pay(
            "C",
            power[0],
            method="cheque",
            cheque_no="123456",
            cheque_bank="State Bank",
            cheque_date=business_day(payments.now()),
        ),
    )
    assert cheque["method"] == "cheque"
    later = payments.pay_batch(kid, "RJ-BAT-0002", [pay("C", power[1]), pay("D", power[1])])
    assert answers(later) == [("refused", "operation_id_reused"), ("done", None)]
    with payments.engine.connect() as conn:
        assert read_kiosk_balances(conn, "RJ-BAT-0002").wallet == FUNDS - power[1].amount_paise


def test_a_batch_of_known_ids_is_answered_from_what_is_committed_without_a_write(payments: Payments) -> None:
    """The day-end replays (a lost answer sent again): the first payments come back; nothing is written."""
    kid = kiosk(payments.engine, "RJ-BAT-0009")
    power = [bill(payments, "ELEC-JVVNL", {"k_no": f"2104333309{n:02d}"}) for n in range(1, 4)]
    first = payments.pay_batch(kid, "RJ-BAT-0009", [pay(f"R{n}", b) for n, b in enumerate(power)])
    assert answers(first) == [("done", None)] * 3
    commits: list[str] = []
    event.listen(payments.engine, "commit", lambda _conn: commits.append("commit"))
    again = payments.pay_batch(kid, "RJ-BAT-0009", [pay("R2", power[2]), pay("R0", power[0]), pay("R1", power[0])])
    assert answers(again) == [("done", None), ("done", None), ("refused", "operation_id_reused")]
    assert [a["payment"] for a in again[:2]] == [first[2]["payment"], first[0]["payment"]]
    assert commits == []
    with payments.engine.connect() as conn:
        assert read_kiosk_balances(conn, "RJ-BAT-0009").wallet == FUNDS - sum(b.amount_paise for b in power)
