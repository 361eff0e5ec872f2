"""The ledger's stateful model on PostgreSQL, where a kiosk's debits run inside the database (`ledger_debit`)."""

from __future__ import annotations

import atexit
import uuid

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from server.core.config import Settings
from server.core.db import make_engine
from server.kiosks import create_kiosk
from server.ledger import (
    ACCOUNTS,
    Debit,
    Debited,
    OperationRequest,
    OperationResult,
    audit,
    in_transaction,
    read_kiosk_balances,
)
from server.migrate import migrate
from server.schemas import KioskIn
from tests.server.test_ledger_properties import LedgerMachine, post, wallet_first_then_credit
from tests.support.pgcluster import PgCluster, find_pg_bin

pytestmark = pytest.mark.postgres

_CLUSTER: PgCluster | None = None


def migrated_database() -> str:
    """A fresh migrated database on one cluster for the module (a hypothesis example cannot take a fixture)."""
    global _CLUSTER
    if _CLUSTER is None:
        bin_dir = find_pg_bin()
        if bin_dir is None:
            pytest.skip("PostgreSQL server binaries not installed")
        _CLUSTER = PgCluster(bin_dir).start()
        atexit.register(_CLUSTER.stop)
    url = _CLUSTER.create_database("ledger")
    migrate(Settings(database_url=url, hot_account_shards=4))
    return url


class PostgresLedgerMachine(LedgerMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine.dispose()
        self.engine = make_engine(migrated_database(), pool_size=2)


TestPostgresLedgerMachine = PostgresLedgerMachine.TestCase
TestPostgresLedgerMachine.settings = settings(
    max_examples=10, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_debit_many_in_the_database_takes_the_wallet_first_then_credit_and_refuses_past_it() -> None:
    def then(engine: Engine, debits: list[Debit]) -> None:
        # A cheque's operation: stored, no entry, no money; a stored id answers as a replay.
        cheque = Debit(OperationRequest("admin", "cheque-1", "payment", {}), 0, [], "bill_payment")
        (stored,) = in_transaction(engine, lambda tx: tx.debit_many("RJ-M-01", [cheque]))
        assert isinstance(stored, Debited) and stored.entry_id is None
        (replayed,) = in_transaction(engine, lambda tx: tx.debit_many("RJ-M-01", debits[:1]))
        assert isinstance(replayed, OperationResult) and replayed.replayed

    wallet_first_then_credit(migrated_database(), then)


def test_an_operation_id_of_this_kiosk_is_posted_once_across_debit_kiosk_and_debit_many() -> None:
    ACCOUNTS.clear()
    engine = make_engine(migrated_database())
    with engine.begin() as conn:
        create_kiosk(
            conn,
            KioskIn(
                code="RJ-N-01",
                name="n",
                holder_name="h",
                district="d",
                sso_id="SSON1",
                mobile="9876543212",
                email="n@example.in",
            ),
        )
    post(engine, OperationRequest("admin", "fund", "adjustment", {}), "credit", "RJ-N-01", 1_000)
    op = OperationRequest("admin", uuid.uuid4().hex, "adjustment", {"a": 100})
    first = post(engine, op, "debit", "RJ-N-01", 100)
    (again,) = in_transaction(
        engine, lambda tx: tx.debit_many("RJ-N-01", [Debit(op, 100, [("system:adjustments", 100)], "debit")])
    )
    assert isinstance(again, OperationResult) and again.response == first
    with engine.connect() as conn:
        assert read_kiosk_balances(conn, "RJ-N-01").wallet == 900
        assert audit(conn) == []
    engine.dispose()
    ACCOUNTS.clear()
