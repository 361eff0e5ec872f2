"""Fleet health at a state's scale: the storm's 1,000 kiosks each send their health report at once to two server
processes over one PostgreSQL, then the centre lists the fleet by problem.

    python -m bench.bench_fleet            # 1,000 kiosks
    python -m bench.bench_fleet --quick    # 30 kiosks (the suite runs this)
    python -m bench.bench_fleet --kiosks 3000 --concurrency 64

Figures, each beside a baseline measured in the same run on the same servers and database:
- reports/s and p50/p99 latency of `POST /api/v1/kiosk/health` (authenticate, validate, one upsert that is
  also the rate limit, one history row, pruning) beside `GET /api/v1/health` (one `SELECT 1`) sent by the
  same kiosks on the same connections;
- a second report from every kiosk at once: each must be refused `429 health_report_too_soon`;
- `GET /api/v1/admin/fleet` (all active kiosks joined with their latest report, sorted by problem) beside the
  same join read straight from PostgreSQL with psycopg.
The counts by problem are checked against what the kiosks were made to report (one in six each: an old
version, a failing printer, a queue older than a day, a clock 7 minutes fast)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_storm import Kiosk, Rig, StormConfig, _parallel, make_kiosks, provision, rig_for  # noqa: E402
from tests.support.fleet import health_facts  # noqa: E402

PATTERN = ("ok", "old_version", "printer_failing", "queue_stale", "clock_off", "newest")
LATEST_JOIN = (
    "SELECT k.code, h.received_at, h.version, h.printer_status, h.oldest_queued_seconds, h.clock_offset_ms "
    "FROM kiosks k LEFT JOIN kiosk_health h ON h.kiosk_id = k.id WHERE k.status = 'active' ORDER BY k.code"
)


def report_body(kind: str, now: datetime) -> dict[str, Any]:
    """What a kiosk of one of the six kinds reports: one problem each, or none."""
    body = health_facts(client_time=now.isoformat())
    if kind == "old_version":
        body["version"] = "0.0.9"
    elif kind == "printer_failing":
        body |= {"printer_status": "failing", "print_failures": 3}
    elif kind == "queue_stale":
        body |= {"queue_length": 5, "oldest_queued_seconds": 2 * 86_400}
    elif kind == "clock_off":
        body["client_time"] = (now + timedelta(minutes=7)).isoformat()
    elif kind == "newest":
        body["version"] = "0.2.0"
    return body


@dataclass
class Figures:
    kiosks: int
    concurrency: int
    report_seconds: float
    report_latencies: list[float]
    bare_seconds: float
    bare_latencies: list[float]
    refused_again: int
    list_ms: float
    raw_join_ms: float
    counts: dict[str, int]
    expected: dict[str, int]

    @staticmethod
    def quantile(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    @property
    def reports_per_s(self) -> float:
        return self.kiosks / self.report_seconds

    @property
    def bare_per_s(self) -> float:
        return self.kiosks / self.bare_seconds


def _timed_round(rig: Rig, kiosks: list[Kiosk], concurrency: int, call: Any, expect: int) -> tuple[float, list[float]]:
    """Every kiosk sends one request at once (`concurrency` threads); the wall time and each latency."""
    latencies: list[float] = []
    lock = threading.Lock()

    def work(kiosk: Kiosk, session: requests.Session) -> None:
        start = time.perf_counter()
        r = call(kiosk, session, rig.servers[kiosk.home].url)
        took = time.perf_counter() - start
        assert r.status_code == expect, (kiosk.code, r.status_code, r.text[:300])
        with lock:
            latencies.append(took)

    started = time.perf_counter()
    _parallel(kiosks, work, concurrency)
    return time.perf_counter() - started, latencies


def run(kiosks: int = 1000, concurrency: int = 48, quick: bool = False, log: Any = print) -> Figures:
    if quick:
        kiosks, concurrency = min(kiosks, 30), min(concurrency, 8)
    config = StormConfig(kiosks=kiosks, ops_per_kiosk=1, concurrency=concurrency, underfunded=0)
    with rig_for(config) as rig:
        fleet = make_kiosks(config, series=int(time.time()) % 80 + 10)
        provision(rig, fleet, config, log)
        now = datetime.now(UTC)
        kinds = {k.code: PATTERN[k.index % len(PATTERN)] for k in fleet}

        def bare(kiosk: Kiosk, session: requests.Session, url: str) -> requests.Response:
            return session.get(url + "/api/v1/health", timeout=30)

        def send(kiosk: Kiosk, session: requests.Session, url: str) -> requests.Response:
            body = report_body(kinds[kiosk.code], now)
            return session.post(url + "/api/v1/kiosk/health", json=body, headers=kiosk.headers, timeout=30)

        _timed_round(rig, fleet[: min(len(fleet), 50)], concurrency, bare, 200)  # warm the connections
        bare_s, bare_lat = _timed_round(rig, fleet, concurrency, bare, 200)
        report_s, report_lat = _timed_round(rig, fleet, concurrency, send, 200)
        _, again = _timed_round(rig, fleet, concurrency, send, 429)

        admin = rig.servers[0]
        list_times, raw_times = [], []
        listed: dict[str, Any] = {}
        with psycopg.connect(rig.dsn) as conn:
            for _ in range(3 if quick else 5):
                t = time.perf_counter()
                r = admin.admin("GET", "/fleet", params={"limit": 2000})
                list_times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
                listed = r.json()
                t = time.perf_counter()
                conn.execute(LATEST_JOIN).fetchall()
                raw_times.append(time.perf_counter() - t)
        # Other kiosks on the same database (the suite's, an earlier run's) count too: compare ours only.
        ours = {k["kiosk_code"]: k["problems"] for k in listed["kiosks"] if k["kiosk_code"] in kinds}
        counts = dict.fromkeys(listed["counts"], 0)
        for problems in ours.values():
            for p in problems:
                counts[p] += 1
        expected = dict.fromkeys(listed["counts"], 0)
        for kind in kinds.values():
            if kind != "newest":
                expected["old_version"] += 1  # everyone below the newest the fleet reports
            if kind in ("printer_failing", "queue_stale", "clock_off"):
                expected[kind] += 1
        return Figures(
            kiosks=len(fleet),
            concurrency=concurrency,
            report_seconds=report_s,
            report_latencies=report_lat,
            bare_seconds=bare_s,
            bare_latencies=bare_lat,
            refused_again=len(again),
            list_ms=statistics.median(list_times) * 1000,
            raw_join_ms=statistics.median(raw_times) * 1000,
            counts=counts,
            expected=expected,
        )


def table(f: Figures) -> str:
    q = f.quantile
    return "\n".join(
        [
            f"{time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
            f"load average {os.getloadavg()[0]:.1f}",
            f"fleet health: {f.kiosks:,} kiosks at once ({f.concurrency} threads), two server processes, PostgreSQL",
            f"  POST /kiosk/health   {f.reports_per_s:8,.0f} reports/s  p50 {q(f.report_latencies, 0.5) * 1000:6.1f} ms"
            f"  p99 {q(f.report_latencies, 0.99) * 1000:6.1f} ms   all {f.kiosks:,} in {f.report_seconds:.2f} s",
            f"  GET /health baseline {f.bare_per_s:8,.0f} requests/s p50 {q(f.bare_latencies, 0.5) * 1000:6.1f} ms"
            f"  p99 {q(f.bare_latencies, 0.99) * 1000:6.1f} ms   ratio {f.reports_per_s / f.bare_per_s:.2f}×",
            f"  a second report at once: {f.refused_again:,} of {f.kiosks:,} refused 429 health_report_too_soon",
            f"  GET /admin/fleet     {f.list_ms:8.1f} ms   (the same join straight from PostgreSQL: "
            f"{f.raw_join_ms:.1f} ms)",
            "  by problem: " + ", ".join(f"{p} {n:,}" for p, n in f.counts.items() if p != "silent"),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="30 kiosks, for the suite")
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=48)
    args = parser.parse_args(argv)
    figures = run(args.kiosks, args.concurrency, quick=args.quick)
    print(table(figures))
    if figures.counts != figures.expected:
        print(f"MISMATCH: listed {figures.counts}, expected {figures.expected}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
