"""The departments on PostgreSQL: the same guarantees (one answer per reference, one success per bill)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from server.billers import BillAlreadyPaid, BillerPayment
from tests.departments.helpers import JVVNL, consumer, ist_today, pay_line, reference
from tests.support.departments import DepartmentsProcess
from tests.support.pgcluster import PgCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_departments(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[DepartmentsProcess]:
    process = DepartmentsProcess(tmp_path, database_url=pg_cluster.create_database("dept")).start()
    yield process
    process.stop()


def test_payments_on_postgresql(pg_departments: DepartmentsProcess) -> None:
    departments = pg_departments
    discom = departments.adapter("discom")
    number, ref = consumer(), reference()
    first = discom.pay(JVVNL, ref, number, "JVV1", 10_000)
    assert discom.pay(JVVNL, ref, number, "JVV1", 10_000) == first and discom.status(ref) == first
    with pytest.raises(BillAlreadyPaid):
        discom.pay(JVVNL, reference(), number, "JVV1", 10_000)
    # concurrent batches that pay the same bills under different references: each bill is paid once
    shared = [(consumer(), f"JVV{i}") for i in range(50)]
    results: list[dict[str, BillerPayment]] = []

    def batch() -> None:
        results.append(discom.pay_many([pay_line(JVVNL, c, b) for c, b in shared]))

    workers = [threading.Thread(target=batch) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(results) == 4
    successes = [a for answers in results for a in answers.values() if a.status == "success"]
    assert len(successes) == 50
    found, _ = discom.settlement(date.fromisoformat(ist_today()))
    assert len(found.lines) == 51
