"""Posting payments in-process on both backends: one answer per item whichever way the backend posts them
(statements in Python on SQLite, one call of `payment_post` on PostgreSQL), and on PostgreSQL one statement
with no BEGIN or COMMIT around it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from rules.day import business_day
from server.core.db import make_engine, reader
from server.core.errors import ApiError
from server.ledger import ACCOUNTS, audit, read_kiosk_balances
from server.payments import load_kiosk_id
from server.payments.post import Posted, post_payments, receipt_no
from server.payments.status import bills_t, payments_t
from tests.support.payments import bill_item, bill_service, funded_kiosks

SERVICE = bill_service()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=4)
    ACCOUNTS.clear()
    funded_kiosks(engine, ("PP-1", "PP-2"), 1_000)
    yield engine
    engine.dispose()
    ACCOUNTS.clear()


def kiosk_id(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return load_kiosk_id(conn, code)


def wallet(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return read_kiosk_balances(conn, code).wallet


def codes(answers: list[Posted | ApiError]) -> list[str]:
    return ["posted" if isinstance(a, Posted) else a.code for a in answers]


def test_one_batch_gets_each_kind_of_answer_in_order_and_the_books_balance(engine: Engine) -> None:
    """Posted, replayed, 409 for another body under the same id, not enough balance (the next item may still
    fit), a bill another operation holds — each in its place; the rows carry the debit's facts and the
    receipt number of the business day."""
    k1, k2 = kiosk_id(engine, "PP-1"), kiosk_id(engine, "PP-2")
    first = bill_item("PP-1", SERVICE, amount_paise=300, bill_no="B-1", consumer_no="C-1")
    (posted,) = post_payments(engine, k1, "PP-1", [first])
    assert isinstance(posted, Posted) and not posted.replayed
    held = bill_item("PP-2", SERVICE, bill_no="B-1", consumer_no="C-1")  # the same department bill, from another kiosk
    another_body = bill_item(
        "PP-1", SERVICE, amount_paise=999, bill_no="B-1", consumer_no="C-1", operation_id=first.request.operation_id
    )
    assert codes(post_payments(engine, k1, "PP-1", [another_body])) == ["operation_id_reused"]
    answers = post_payments(
        engine,
        k1,
        "PP-1",
        [
            first,  # the same operation again
            bill_item("PP-1", SERVICE, amount_paise=600),
            bill_item("PP-1", SERVICE, amount_paise=200),  # 1,000 - 300 - 600 = 100 left: refused
            bill_item("PP-1", SERVICE, amount_paise=100),  # still fits
        ],
    )
    assert codes(answers) == ["posted", "posted", "insufficient_balance", "posted"]
    replay = answers[0]
    assert isinstance(replay, Posted) and replay.replayed and replay.payment_id == posted.payment_id
    refusal = answers[2]
    assert isinstance(refusal, ApiError) and refusal.body()["error"]["spendable_paise"] == 100
    assert codes(post_payments(engine, k2, "PP-2", [held])) == ["bill_already_paid"]
    assert wallet(engine, "PP-1") == 0 and wallet(engine, "PP-2") == 1_000
    with engine.connect() as conn:
        rows = conn.execute(
            select(payments_t.c.id, payments_t.c.receipt_no, payments_t.c.from_wallet_paise, payments_t.c.created_at)
            .where(payments_t.c.kiosk_id == k1)
            .order_by(payments_t.c.id)
        ).all()
        bills = conn.execute(select(bills_t.c.payment_id, bills_t.c.reference, bills_t.c.live_key)).all()
        assert not audit(conn)
    assert [r.from_wallet_paise for r in rows] == [300, 600, 100]
    assert all(r.receipt_no == receipt_no(business_day(r.created_at), r.id) for r in rows)
    assert len(bills) == 3 and {b.payment_id for b in bills} == {r.id for r in rows}
    assert any(b.live_key and b.live_key.endswith("|B-1") for b in bills)


def test_concurrent_payments_of_one_bill_under_different_ids_post_it_once(engine: Engine) -> None:
    """Eight threads pay the same department bill, each with its own operation id: one is posted, the
    others meet the bill's live key (a retried whole posting) and are refused; one debit."""
    k1 = kiosk_id(engine, "PP-1")
    answers: list[Posted | ApiError] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def pay() -> None:
        item = bill_item("PP-1", SERVICE, amount_paise=50, bill_no="SAME")
        start.wait()
        (answer,) = post_payments(engine, k1, "PP-1", [item])
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes(answers)) == ["bill_already_paid"] * 7 + ["posted"]
    assert wallet(engine, "PP-1") == 950
    with engine.connect() as conn:
        assert not audit(conn)


@pytest.mark.postgres
def test_a_payment_is_one_statement_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement posting is PostgreSQL's")
    k1 = kiosk_id(engine, "PP-1")
    post_payments(engine, k1, "PP-1", [bill_item("PP-1", SERVICE)])  # the accounts' cache filled
    seen: list[tuple[str, bool]] = []

    def statement(conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        seen.append((text, conn.connection.dbapi_connection.autocommit))

    for e in (engine, reader(engine)):
        event.listen(e, "before_cursor_execute", statement)
    (posted,) = post_payments(engine, k1, "PP-1", [bill_item("PP-1", SERVICE)])
    assert isinstance(posted, Posted)
    # One statement in autocommit: the driver sends no BEGIN and no COMMIT around it.
    assert len(seen) == 1 and seen[0][0].startswith("SELECT * FROM payment_post(") and seen[0][1]
