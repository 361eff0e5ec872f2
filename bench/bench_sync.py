"""Day-end sync of queued operations against a real server, beside the server's raw posting rate; local search.

    python -m bench.bench_sync            # 5,000 operations, 5,000 cached services (about two minutes)
    python -m bench.bench_sync --quick    # a few hundred, for the test suite

Targets: the whole day-end sync of 5,000 operations in ≤ 10 s with SQLite on the server; a search keystroke
over 5,000 cached services in ≤ 2 ms. The server's per-item time in its batch path is broken down by phase (bill
checks, ledger transaction, department payment and statuses, answers) in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_ledger import prepare, sqlite_ledger_tps  # noqa: E402
from kiosk_app.services import ServiceCatalog  # noqa: E402
from kiosk_app.worker import InlineWorker  # noqa: E402
from offline_cache.store import LocalStore  # noqa: E402
from server.catalog import load_catalog  # noqa: E402
from server.core.config import Settings  # noqa: E402
from server.migrate import migrate  # noqa: E402
from tests.support.kiosk_client import KioskPc, paper_bills  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

SYNC_TARGET_S = 10.0
KEYSTROKE_TARGET_MS = 2.0


def day_end_sync(work: Path, operations: int, log: Callable[[str], None]) -> dict[str, float]:
    url = f"sqlite:///{work / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = ServerProcess(url, log_path=work / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    try:
        log(f"sync: preparing {operations:,} paper bills and the outbox …")
        bills = paper_bills(operations, series=90)
        pc = KioskPc(server, work, "RJ-BENCH-0001", funds=sum(b.amount_paise for b in bills))
        pc.queue_offline(bills)
        log("sync: running the day-end sync …")
        start = time.perf_counter()
        summary = pc.core.sync.run()
        seconds = time.perf_counter() - start
        assert summary.complete and summary.done == operations, summary
        pc.close()
    finally:
        server.stop()
    return {"seconds": seconds, "ops_per_s": operations / seconds}


def raw_posting_rate(work: Path, seconds: float) -> float:
    url = f"sqlite:///{work / 'ledger.sqlite3'}"
    codes = prepare(url, 20)
    return sqlite_ledger_tps(url, codes, seconds)


def server_breakdown(work: Path, items: int) -> dict[str, float]:
    """Milliseconds per item in each phase of the server's batch path (`pay_batch`), run in-process."""
    from server.billers.departments import billers_of
    from server.core.db import make_engine
    from server.ledger import in_transaction
    from server.payments import BillRequest, Payments, PayRequest, load_kiosk_id
    from tests.support.departments import DepartmentsProcess

    url = f"sqlite:///{work / 'phases.sqlite3'}"
    (code,) = prepare(url, 1)
    engine = make_engine(url)
    departments = DepartmentsProcess(work).start()  # the departments over HTTP, as the server reaches them
    catalog = load_catalog()
    billers = {biller: departments.adapter(biller) for biller in billers_of(catalog)}
    payments = Payments(engine, catalog, lambda: datetime.now(UTC), dict(billers))
    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    # Instance attributes shadow the methods: the same code runs, with a stopwatch around each phase.
    payments.checks.validate_many = timed(  # type: ignore[method-assign]
        "bill checks (one department enquiry per batch)", payments.checks.validate_many
    )
    payments.answers.send = timed("department payment + statuses", payments.answers.send)  # type: ignore[method-assign]
    payments.views = timed("answers (payment views)", payments.views)  # type: ignore[method-assign]
    bills = paper_bills(items, series=91)
    with engine.connect() as conn:
        kiosk_id = load_kiosk_id(conn, code)
    requests = [
        PayRequest(
            uuid.uuid4().hex,
            [BillRequest(b.service_code, {"k_no": b.k_no}, b.amount_paise)],
            "9876543210",
            None,
            "wallet",
            offline=True,
        )
        for b in bills
    ]
    import server.payments.post as module

    module.in_transaction = timed("ledger transaction (set-wise posting)", in_transaction)  # type: ignore[attr-defined]
    start = time.perf_counter()
    try:
        for i in range(0, items, 100):
            answers = payments.pay_batch(kiosk_id, code, requests[i : i + 100])
            assert all(a["result"] == "done" for a in answers), answers[0]
    finally:
        module.in_transaction = in_transaction  # type: ignore[attr-defined]
    total = time.perf_counter() - start
    engine.dispose()
    departments.stop()
    phases = {k: v / items * 1000 for k, v in spent.items()}
    phases["the rest (operation ids, checks)"] = total / items * 1000 - sum(phases.values())
    phases["total per item"] = total / items * 1000
    return phases


def synthetic_catalog(count: int) -> dict[str, Any]:
    """`count` services made from the real catalog's, each with its own name (a district, a number)."""
    base = load_catalog().public()
    districts = [
        ("Jaipur", "जयपुर"),
        ("Ajmer", "अजमेर"),
        ("Jodhpur", "जोधपुर"),
        ("Bikaner", "बीकानेर"),
        ("Udaipur", "उदयपुर"),
        ("Kota", "कोटा"),
        ("Alwar", "अलवर"),
        ("Sikar", "सीकर"),
    ]
    services = []
    for i in range(count):
        s = dict(base["services"][i % len(base["services"])])
        en, hi = districts[i % len(districts)]
        s["code"] = f"{s['code']}-{i:05d}"
        s["name_en"] = f"{s['name_en']} {en} {i}"
        s["name_hi"] = f"{s['name_hi']} {hi} {i}"
        services.append(s)
    return {**base, "services": services}


def keystrokes(work: Path, services: int) -> dict[str, float]:
    store = LocalStore.open(work / "kiosk-search.sqlite3")
    store.catalog.replace(synthetic_catalog(services), '"bench"')
    catalog = ServiceCatalog(None, store, InlineWorker(), None)  # type: ignore[arg-type]  # search needs no network
    words = ["bijli", "बिजली", "jodhpur", "recharge", "पानी बिल", "electricity bill kota", "xyz"]
    times: list[float] = []
    for word in words:
        for n in range(1, len(word) + 1):
            for _ in range(5):
                t = time.perf_counter()
                catalog.search(word[:n])
                times.append((time.perf_counter() - t) * 1000)
    store.close()
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95)],
        "max_ms": times[-1],
        "keystrokes": len(times),
    }


def run(quick: bool, log: Callable[[str], None] = print) -> list[tuple[str, str, str]]:
    work = Path(tempfile.mkdtemp(prefix="emitra-bench-sync-"))
    operations = 300 if quick else 5_000
    services = 1_000 if quick else 5_000
    sync = day_end_sync(work, operations, log)
    raw = raw_posting_rate(work, 0.5 if quick else 3.0)
    phases = server_breakdown(work, 100 if quick else 1_000)
    search = keystrokes(work, services)
    scaled = 5_000 / sync["ops_per_s"]
    rows = [
        (
            f"day-end sync, {operations:,} ops (batches of 100)",
            f"{sync['seconds']:.1f} s  ({sync['ops_per_s']:,.0f} ops/s)",
            f"5,000 ops ≤ {SYNC_TARGET_S:g} s → at this rate {scaled:.0f} s",
        ),
        (
            "server's raw ledger posting rate (in-process, SQLite)",
            f"{raw:,.0f} ops/s",
            f"5,000 postings ≈ {5_000 / raw:.1f} s",
        ),
    ]
    rows += [(f"  server per batch item: {name}", f"{ms:.2f} ms", "") for name, ms in phases.items()]
    rows.append(
        (
            f"local search per keystroke, {services:,} cached services",
            f"median {search['median_ms']:.2f} ms, p95 {search['p95_ms']:.2f} ms",
            f"≤ {KEYSTROKE_TARGET_MS:g} ms",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run for the test suite")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print(f"\n{time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'figure':<40} target")
    for name, figure, target in rows:
        print(f"{name:<{width}}  {figure:<40} {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
