"""Ledger posting throughput on PostgreSQL and SQLite, beside same-machine baselines run in the same invocation.

    python -m bench.bench_ledger            # full run (about two minutes), prints a table
    python -m bench.bench_ledger --quick    # a few hundred operations, for the test suite

Baselines: `pgbench -b tpcb-like` (a debit/credit transaction of the same shape: update an account, a
teller and a branch, insert a history row) for PostgreSQL; for SQLite a bare sqlite3 transaction doing the
same writes as one ledger posting (operation row, entry, two lines, two balance updates).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402

from server.catalog import Service  # noqa: E402
from server.core.config import Settings  # noqa: E402
from server.core.db import make_engine  # noqa: E402
from server.ledger import (  # noqa: E402
    ACCOUNTS,
    Debit,
    LedgerTx,
    OperationRequest,
    audit,
    debit_kiosk,
    in_transaction,
)
from server.migrate import migrate  # noqa: E402
from server.payments import load_kiosk_id  # noqa: E402
from server.payments.post import Posted, post_payments  # noqa: E402
from tests.support.payments import bill_item, bill_service, funded_kiosks  # noqa: E402
from tests.support.pgcluster import PgCluster, find_pg_bin  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402


@dataclass(frozen=True)
class Figure:
    name: str
    ops_per_s: float
    baseline: str
    baseline_ops_per_s: float
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.ops_per_s / self.baseline_ops_per_s if self.baseline_ops_per_s else 0.0


# -- setup --------------------------------------------------------------------------------------------


def prepare(url: str, kiosks: int, funds: int = 10**12) -> list[str]:
    migrate(Settings(database_url=url))
    engine = make_engine(url)
    codes = [f"BK-{i:05d}" for i in range(kiosks)]
    funded_kiosks(engine, codes, funds)
    engine.dispose()
    ACCOUNTS.clear()
    return codes


def post_one(tx: LedgerTx, code: str) -> None:
    """A debit as the administrator's adjustment posts it: `run` with `debit_kiosk` inside."""
    op = OperationRequest("admin", uuid.uuid4().hex, "adjustment", {"kiosk_code": code})
    tx.run(op, lambda t, pk: debit_kiosk(t, pk, code, 100, "system:adjustments", "bench"))


def post_many_of_one(tx: LedgerTx, code: str) -> None:
    """A debit as a payment posts it: `debit_many` of one, its answer stored with it."""
    op = OperationRequest(f"kiosk:{code}", uuid.uuid4().hex, "payment", {"n": 1})
    (debited,) = tx.debit_many(code, [Debit(op, 100, [("system:adjustments", 100)], "bench")])
    tx.store_responses([(debited.operation_pk, {"entry_id": debited.entry_id})])  # type: ignore[union-attr]


POSTINGS: dict[str, Callable[[LedgerTx, str], None]] = {"run": post_one, "many": post_many_of_one}


def post_payment_of_one(engine: Engine, kiosk_id: int, code: str, service: Service) -> None:
    """A payment as a kiosk's Pay press posts it: `post_payments` of one bill (the operation id, the debit,
    the payment and its bill, the stored answer), its department not yet asked."""
    (posted,) = post_payments(engine, kiosk_id, code, [bill_item(code, service)])
    assert isinstance(posted, Posted), posted


# -- in-process: N client processes calling the ledger directly ----------------------------------------


def _ledger_client(url: str, codes: list[str], seconds: float, seed: int, out: mp.Queue[int], how: str) -> None:
    engine = make_engine(url, pool_size=1)
    rng = random.Random(seed)
    with engine.connect() as conn:
        kiosk_ids = {code: load_kiosk_id(conn, code) for code in codes}
    service = bill_service()
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        code = rng.choice(codes)
        if how == "payment":
            post_payment_of_one(engine, kiosk_ids[code], code, service)
        else:
            in_transaction(engine, lambda tx, code=code, post=POSTINGS[how]: post(tx, code))
        done += 1
    engine.dispose()
    out.put(done)


def ledger_in_process(url: str, codes: list[str], clients: int, seconds: float, how: str = "run") -> float:
    ctx = mp.get_context("spawn")
    queue: mp.Queue[int] = ctx.Queue()
    procs = [ctx.Process(target=_ledger_client, args=(url, codes, seconds, i, queue, how)) for i in range(clients)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    total = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
    # The clients' start-up (imports) is outside their measured window; divide by that window.
    del start
    return total / seconds


# -- over HTTP ----------------------------------------------------------------------------------------


def http_rate(servers: list[ServerProcess], codes: list[str], clients: int, seconds: float, batch: int) -> float:
    done = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        session = requests.Session()
        session.headers["X-Admin-Token"] = servers[0].http.headers["X-Admin-Token"]
        server = servers[n % len(servers)]
        rng = random.Random(n)
        while time.perf_counter() < deadline:
            if batch == 1:
                code = rng.choice(codes)
                r = session.post(
                    f"{server.url}/api/v1/admin/kiosks/{code}/adjustments",
                    timeout=60,
                    json={"operation_id": uuid.uuid4().hex, "direction": "debit", "amount_paise": 100},
                )
                r.raise_for_status()
                done[n] += 1
            else:
                # A kiosk's day-end batch: many operations of one kiosk in one request.
                code = rng.choice(codes)
                items = [
                    {"operation_id": uuid.uuid4().hex, "kiosk_code": code, "direction": "debit", "amount_paise": 100}
                    for _ in range(batch)
                ]
                r = session.post(f"{server.url}/api/v1/admin/adjustments/batch", json={"items": items}, timeout=60)
                r.raise_for_status()
                assert all(x["status"] == "applied" for x in r.json()["results"])
                done[n] += batch

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - start)


# -- baselines ----------------------------------------------------------------------------------------


def pgbench_tps(cluster: PgCluster, clients: int, seconds: int) -> float:
    cluster.pgbench("-i", "-q", "-s", "10", database="postgres")
    out = cluster.pgbench(
        "-b", "tpcb-like", "-c", str(clients), "-j", "2", "-T", str(seconds), "-n", database="postgres"
    )
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def bare_sqlite_tps(path: Path, seconds: float) -> float:
    """The same writes as one posting, on the same schema and indexes, in hand-written sqlite3 calls.

    No SQLAlchemy, no idempotency lookup, no checks in Python: SQLite's ceiling for this work here.
    """
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")  # configured as the server configures its connections
    wallets = [r[0] for r in db.execute("SELECT id FROM accounts WHERE kind = 'kiosk_wallet'")]
    (hot,) = db.execute("SELECT id FROM accounts WHERE code = 'system:adjustments'").fetchone()
    (shards,) = db.execute("SELECT shards FROM accounts WHERE id = ?", (hot,)).fetchone()
    now = "2026-01-01 00:00:00.000000"
    done = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        account = random.choice(wallets)
        db.execute("BEGIN IMMEDIATE")
        op = db.execute(
            "INSERT INTO operations (scope, operation_id, kind, request_hash, response, created_at) "
            "VALUES ('admin', ?, 'adjustment', 'h', '{}', ?)",
            (uuid.uuid4().hex, now),
        ).lastrowid
        entry = db.execute(
            "INSERT INTO journal_entries (operation_pk, kind, memo, created_at) VALUES (?, 'bench', '', ?)", (op, now)
        ).lastrowid
        db.executemany(
            "INSERT INTO journal_lines (entry_id, account_id, amount) VALUES (?, ?, ?)",
            [(entry, account, -100), (entry, hot, 100)],
        )
        db.execute(
            "UPDATE account_balances SET balance = balance - 100 WHERE account_id = ? AND shard = 0 "
            "AND balance - 100 >= floor",
            (account,),
        )
        db.execute(
            "UPDATE account_balances SET balance = balance + 100 WHERE account_id = ? AND shard = ?",
            (hot, random.randrange(shards)),
        )
        db.execute("UPDATE operations SET response = '{}' WHERE id = ?", (op,))
        db.execute("COMMIT")
        done += 1
    rate = done / (time.perf_counter() - start)
    db.close()
    return rate


def sqlite_ledger_tps(url: str, codes: list[str], seconds: float) -> float:
    engine = make_engine(url)
    done = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        code = random.choice(codes)
        in_transaction(engine, lambda tx, code=code: post_one(tx, code))
        done += 1
    rate = done / (time.perf_counter() - start)
    engine.dispose()
    return rate


def check_books(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        problems = audit(conn)
    engine.dispose()
    assert not problems, problems[:5]


# -- the run ------------------------------------------------------------------------------------------


def run(quick: bool, log: Callable[[str], None] = print) -> list[Figure]:
    seconds = 0.5 if quick else 10.0
    kiosks = 20 if quick else 1000
    clients = 8
    figures: list[Figure] = []
    work = Path(tempfile.mkdtemp(prefix="emitra-bench-"))

    # SQLite
    log("SQLite: preparing …")
    sqlite_url = f"sqlite:///{work / 'ledger.sqlite3'}"
    codes = prepare(sqlite_url, kiosks)
    prepare(f"sqlite:///{work / 'bare.sqlite3'}", kiosks)
    bare = bare_sqlite_tps(work / "bare.sqlite3", seconds)
    figures.append(
        Figure(
            "SQLite ledger, in-process, 1 writer",
            sqlite_ledger_tps(sqlite_url, codes, seconds),
            "hand-written sqlite3, same writes",
            bare,
            0.6,
        )
    )
    server = ServerProcess(sqlite_url, log_path=work / "sqlite-server.log").start()
    try:
        single = http_rate([server], codes, clients, seconds, batch=1)
        batched = http_rate([server], codes, clients, seconds, batch=100)
    finally:
        server.stop()
    figures.append(Figure("SQLite ledger over HTTP, 1 op/request", single, "hand-written sqlite3, same writes", bare))
    figures.append(
        Figure("SQLite ledger over HTTP, 100 ops/request", batched, "hand-written sqlite3, same writes", bare, 0.25)
    )
    figures.append(Figure("SQLite batch of 100 vs single op (HTTP)", batched, "1 op/request", single, 3.0))
    check_books(sqlite_url)

    bin_dir = find_pg_bin()
    if bin_dir is None:
        log("PostgreSQL binaries not found: PostgreSQL figures skipped")
        return figures
    cluster = PgCluster(bin_dir).start()
    try:
        log("PostgreSQL: pgbench baseline …")
        baseline = pgbench_tps(cluster, clients, max(1, int(seconds)))
        pg_url = cluster.create_database("bench")
        codes = prepare(pg_url, kiosks)
        log("PostgreSQL: ledger in-process …")
        figures.append(
            Figure(
                f"PostgreSQL ledger, in-process, {clients} client processes",
                ledger_in_process(pg_url, codes, clients, seconds),
                f"pgbench tpcb-like, {clients} clients",
                baseline,
                0.6,
            )
        )
        figures.append(
            Figure(
                f"PostgreSQL ledger, in-process, {clients} client processes, debit_many of one",
                ledger_in_process(pg_url, codes, clients, seconds, how="many"),
                f"pgbench tpcb-like, {clients} clients",
                baseline,
            )
        )
        figures.append(
            Figure(
                f"PostgreSQL payment of one bill, in-process, {clients} client processes (one statement)",
                ledger_in_process(pg_url, codes, clients, seconds, how="payment"),
                f"pgbench tpcb-like, {clients} clients",
                baseline,
                0.6,
            )
        )
        servers = [ServerProcess(pg_url, log_path=work / f"pg-server-{i}.log").start() for i in range(2)]
        try:
            log("PostgreSQL: ledger over HTTP …")
            single = http_rate(servers, codes, clients, seconds, batch=1)
            batched = http_rate(servers, codes, clients, seconds, batch=100)
        finally:
            for s in servers:
                s.stop()
        figures.append(
            Figure(
                "PostgreSQL ledger over HTTP (2 server processes), 1 op/request", single, "pgbench tpcb-like", baseline
            )
        )
        figures.append(
            Figure(
                "PostgreSQL ledger over HTTP (2 server processes), 100 ops/request",
                batched,
                "pgbench tpcb-like",
                baseline,
                0.25,
            )
        )
        figures.append(Figure("PostgreSQL batch of 100 vs single op (HTTP)", batched, "1 op/request", single, 3.0))
        check_books(pg_url)
    finally:
        cluster.stop()
    return figures


def table(figures: list[Figure]) -> str:
    rows = [f"{'measurement':<66} {'ops/s':>9}  {'baseline':<38} {'ops/s':>9} {'ratio':>6} {'target':>7}"]
    for f in figures:
        target = f"≥{f.target:g}×" if f.target else ""
        rows.append(
            f"{f.name:<66} {f.ops_per_s:>9,.0f}  {f.baseline:<38} {f.baseline_ops_per_s:>9,.0f} "
            f"{f.ratio:>5.2f}× {target:>7}"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run for the test suite")
    args = parser.parse_args()
    figures = run(args.quick)
    print(f"\n{time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(table(figures))
    print(f"median ratio {statistics.median(f.ratio for f in figures):.2f}")


if __name__ == "__main__":
    main()
