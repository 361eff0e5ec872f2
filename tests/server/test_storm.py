"""The day-end storm in its quick form: kiosks syncing at once against two server processes on PostgreSQL,
one drill per storm (kill -9 of a server process, a PostgreSQL restart, a cut line, a department that
loses and declines answers), and the books checked straight in PostgreSQL after each — plus proof that
the checks see a doubled payment, an unbalanced entry, a second reversal and a wallet that drifted."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from bench import bench_storm
from bench.bench_storm import DRILLS, Kiosk, Op, Rig, StormConfig, check_books
from tests.support.pgcluster import find_pg_bin

pytestmark = pytest.mark.postgres

QUICK = StormConfig(
    kiosks=20, ops_per_kiosk=10, concurrency=6, batch_size=5, duplicates=0.1, batch_replays=0.1, underfunded=0.1
)


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    if find_pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing; .ci/run must install them")
        pytest.skip("PostgreSQL server binaries not installed")
    rig = Rig(Path(tempfile.mkdtemp(prefix="emitra-storm-test-")), proxies=True, statements=True).start()
    yield rig
    rig.stop()


def test_a_storm_without_drills_leaves_every_operation_exactly_once(rig: Rig) -> None:
    config = replace(QUICK, statements=True)
    storm = bench_storm.storm(rig, config, print)
    f = storm.figures
    report = bench_storm.report(f, config)
    print(report)
    assert f.all_problems == []
    held = [op for k in storm.kiosks for op in k.ops]
    assert all(op.state in ("done", "refused") for op in held)
    assert f.events["replays answered with the first payment"] == f.events["operations replayed with the same id"] > 0
    assert f.events["whole batches sent again to the other server process"] > 0
    assert f.books["refills credited"] == sum(1 for op in held if op.kind == "refill" and op.state == "done") > 0
    assert f.books["payments success"] == sum(1 for op in held if op.kind == "payment" and op.state == "done")
    # Underfunded kiosks: what the wallet could not cover was refused and is not on the server.
    assert f.refused["insufficient_balance"] == sum(1 for op in held if op.state == "refused") > 0
    # Where PostgreSQL spent its time (--statements): the ledger's writes (one call of its posting function,
    # server/migrations 0013) are among the dearest statements.
    assert any(query.startswith("SELECT * FROM payment_post(") for query, *_ in f.pg_statements)
    assert "PostgreSQL time by statement" in report


@pytest.mark.parametrize("drill", DRILLS)
def test_each_drill_during_a_storm_loses_and_doubles_nothing(rig: Rig, drill: str) -> None:
    config = replace(QUICK, drills=(drill,), water=0.6 if drill == "biller" else 0.2)
    storm = bench_storm.storm(rig, config, print)
    f = storm.figures
    print(bench_storm.report(f, config))
    assert [name for name, _, _ in f.drills] == [drill]
    assert "not run" not in f.drills[0][2] and "failed" not in f.drills[0][2]
    assert set(f.problems) == {f"after {drill}", "final"}
    assert f.all_problems == []
    if drill in ("kill9", "netcut", "pgrestart"):
        assert sum(f.errors.values()) > 0, "the drill cut no request: it proved nothing"
    if drill == "biller":
        assert "lost_answer, decline" in f.drills[0][2]
        assert f.books["bills reversed"] == f.books["payments failed"] > 0
        assert f.events["pending payments asked again"] > 0


def _small_storm(rig: Rig) -> list[Kiosk]:
    config = StormConfig(
        kiosks=4, ops_per_kiosk=4, concurrency=4, refills=0.0, duplicates=0.0, batch_replays=0.0, underfunded=0.0
    )
    storm = bench_storm.storm(rig, config, print)
    assert storm.figures.all_problems == []
    return storm.kiosks


def _tamper(rig: Rig, *statements: tuple[str, tuple[object, ...]]) -> None:
    with psycopg.connect(rig.dsn) as conn:
        for sql, params in statements:
            conn.execute(sql, params)


def _undo(rig: Rig, *statements: tuple[str, tuple[object, ...]]) -> None:
    """The journal refuses UPDATE and DELETE by trigger; a superuser session without triggers may undo."""
    with psycopg.connect(rig.dsn) as conn:
        conn.execute("SET session_replication_role = replica")
        for sql, params in statements:
            conn.execute(sql, params)


def test_the_checks_catch_a_doubled_payment_and_a_missing_one(rig: Rig) -> None:
    kiosks = _small_storm(rig)
    op = next(op for op in kiosks[0].ops if op.state == "done")
    twin = uuid.uuid4().hex
    _tamper(
        rig,
        (
            "INSERT INTO operations (scope, operation_id, kind, request_hash, response, created_at) "
            "VALUES ('tamper', %s, 'payment', 'x', '{}', now())",
            (twin,),
        ),
        (
            "INSERT INTO payments (kiosk_id, operation_pk, operation_id, status, method, total_paise, txn_id, "
            "from_wallet_paise, from_credit_paise, reversed_paise, offline, created_at, updated_at) "
            "SELECT kiosk_id, (SELECT id FROM operations WHERE operation_id = %s), operation_id, status, method, "
            "total_paise, 'TAMPER' || id, 0, 0, 0, offline, created_at, updated_at FROM payments WHERE id = %s",
            (twin, op.payment_id),
        ),
    )
    found = check_books(rig.dsn, kiosks, rig.department_payments, final=True)
    assert f"{kiosks[0].code} payment {op.op_id} is on the server 2 times" in found
    _undo(
        rig,
        ("DELETE FROM payments WHERE txn_id = %s", (f"TAMPER{op.payment_id}",)),
        ("DELETE FROM operations WHERE operation_id = %s", (twin,)),
    )
    assert check_books(rig.dsn, kiosks, rig.department_payments, final=True) == []

    # An operation a kiosk holds as done that the server never took.
    ghost = Op(uuid.uuid4().hex, "payment", {}, 100, state="done", payment_id=1)
    kiosks[1].ops.append(ghost)
    assert check_books(rig.dsn, kiosks, rig.department_payments, final=True) == [
        f"{kiosks[1].code} payment {ghost.op_id} is done at the kiosk but missing on the server"
    ]
    kiosks[1].ops.remove(ghost)


def test_the_checks_catch_an_unbalanced_entry_a_second_reversal_and_a_drifted_wallet(rig: Rig) -> None:
    kiosks = _small_storm(rig)
    code = kiosks[2].code
    op = next(op for op in kiosks[2].ops if op.state == "done")
    with psycopg.connect(rig.dsn) as conn:
        (wallet,) = conn.execute("SELECT id FROM accounts WHERE code = %s", (f"kiosk:{code}:wallet",)).fetchone() or (
            0,
        )
        (reference,) = conn.execute(
            "SELECT reference FROM payment_bills WHERE payment_id = %s", (op.payment_id,)
        ).fetchone() or ("",)
    tag = uuid.uuid4().hex

    # One line alone: the entry does not balance and the wallet's balance row no longer equals its journal.
    _tamper(
        rig,
        (
            "INSERT INTO operations (scope, operation_id, kind, request_hash, response, created_at) "
            "VALUES ('tamper', %s, 'x', 'x', '{}', now())",
            (tag,),
        ),
        (
            "INSERT INTO journal_entries (operation_pk, kind, memo, created_at) "
            "SELECT id, 'tamper', '', now() FROM operations WHERE operation_id = %s",
            (tag,),
        ),
        (
            "INSERT INTO journal_lines (entry_id, account_id, amount) SELECT e.id, %s, 500 FROM journal_entries e "
            "JOIN operations o ON o.id = e.operation_pk WHERE o.operation_id = %s",
            (wallet, tag),
        ),
    )
    found = check_books(rig.dsn, kiosks, rig.department_payments, final=True)
    assert any(p.startswith("journal entry") and "does not balance: sum 500 over 1 lines" in p for p in found)
    assert any(p.startswith(f"account {wallet}: balance") for p in found)

    # Balanced, balance rows kept equal — but the wallet got 500 paise nobody paid: only the wallet's own
    # books (funding + refills − payments + reversals) show it.
    _tamper(
        rig,
        (
            "INSERT INTO journal_lines (entry_id, account_id, amount) SELECT e.id, "
            "(SELECT id FROM accounts WHERE code = 'system:adjustments'), -500 FROM journal_entries e "
            "JOIN operations o ON o.id = e.operation_pk WHERE o.operation_id = %s",
            (tag,),
        ),
        ("UPDATE account_balances SET balance = balance + 500 WHERE account_id = %s AND shard = 0", (wallet,)),
        (
            "UPDATE account_balances SET balance = balance - 500 WHERE shard = 0 AND account_id = "
            "(SELECT id FROM accounts WHERE code = 'system:adjustments')",
            (),
        ),
    )
    found = check_books(rig.dsn, kiosks, rig.department_payments, final=True)
    assert len(found) == 1 and found[0].startswith(f"{code} wallet ") and "its books say" in found[0], found

    # A reversal for a bill that did not fail.
    _tamper(
        rig,
        ("UPDATE operations SET operation_id = %s WHERE operation_id = %s", (f"reversal-{reference}", tag)),
        ("UPDATE operations SET scope = 'system' WHERE operation_id = %s", (f"reversal-{reference}",)),
    )
    found = check_books(rig.dsn, kiosks, rig.department_payments, final=True)
    assert f"bill {reference} (success) has 1 reversals" in found

    _undo(
        rig,
        (
            "DELETE FROM journal_lines WHERE entry_id IN (SELECT e.id FROM journal_entries e JOIN operations o "
            "ON o.id = e.operation_pk WHERE o.operation_id = %s)",
            (f"reversal-{reference}",),
        ),
        (
            "DELETE FROM journal_entries WHERE operation_pk IN (SELECT id FROM operations WHERE operation_id = %s)",
            (f"reversal-{reference}",),
        ),
        ("DELETE FROM operations WHERE operation_id = %s", (f"reversal-{reference}",)),
        ("UPDATE account_balances SET balance = balance - 500 WHERE account_id = %s AND shard = 0", (wallet,)),
        (
            "UPDATE account_balances SET balance = balance + 500 WHERE shard = 0 AND account_id = "
            "(SELECT id FROM accounts WHERE code = 'system:adjustments')",
            (),
        ),
    )
    assert check_books(rig.dsn, kiosks, rig.department_payments, final=True) == []


def test_the_benchmark_quick_mode_prints_every_figure_beside_pgbench(capsys: pytest.CaptureFixture[str]) -> None:
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    assert bench_storm.main(["--quick", "--kiosks", "10", "--ops", "6"]) == 0
    out = capsys.readouterr().out
    for figure in (
        "operations/s",
        "batch latency: p50",
        "baseline pgbench tpcb-like",
        "CPU during the storm",
        "lost answers",
        "every operation exactly once",
    ):
        assert figure in out, out


def test_bulk_onboarding_sends_first_passwords_and_a_list_sent_again_changes_nothing(rig: Rig) -> None:
    admin = rig.servers[0]
    tag = uuid.uuid4().hex[:6].upper()
    items = [
        {
            "code": f"BULK-{tag}-{i}",
            "name": f"Kiosk {i}",
            "holder_name": "Holder",
            "district": "Ajmer",
            "sso_id": f"SSO.BULK{tag}{i}",
            "mobile": f"98765{i:05d}",
            "email": f"bulk{i}@example.in",
        }
        for i in range(3)
    ]
    r = admin.admin("POST", "/kiosks/batch", json={"items": items, "issue_passwords": True})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["created"] * 3
    sms = [
        m
        for m in admin.admin("GET", "/messages", params={"limit": 50}).json()["messages"]
        if m["channel"] == "sms" and f"SSO.BULK{tag}" in m["body"] and "Password: " in m["body"]
    ]
    assert len(sms) == 3

    again = admin.admin(
        "POST",
        "/kiosks/batch",
        json={"items": [*items[:1], {**items[1], "code": f"BULK-{tag}-9"}], "issue_passwords": True},
    )
    assert again.status_code == 200, again.text
    assert [(x["status"], x["error"]["code"]) for x in again.json()["results"]] == [
        ("exists", "kiosk_exists"),
        ("exists", "kiosk_exists"),
    ]  # the same code, or the same SSO ID
    assert (
        len(
            [
                m
                for m in admin.admin("GET", "/messages", params={"limit": 50}).json()["messages"]
                if f"SSO.BULK{tag}" in m["body"]
            ]
        )
        == 6
    )  # no new password went out

    bad = admin.admin("POST", "/kiosks/batch", json={"items": [{**items[0], "mobile": "12345"}]})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    assert admin.admin("POST", "/kiosks/batch", json={"items": []}).status_code == 422
    assert (
        admin.http.post(
            admin.url + "/api/v1/admin/kiosks/batch", json={"items": items}, headers={"X-Admin-Token": "wrong"}
        ).status_code
        == 401
    )
