"""Day-end storm: many kiosks sync their queued payments and refills at once, on two server processes over
one PostgreSQL database, with fault drills; afterwards every operation is checked to be there exactly once.

    python -m bench.bench_storm                          # 1,000 kiosks × 20 operations, no drill: the figures
    python -m bench.bench_storm --drills all             # the same storm with every drill during it
    python -m bench.bench_storm --quick --drills all     # 20 kiosks × 10 operations, for the test suite
    python -m bench.bench_storm --kiosks 200 --ops 50 --batch 25 --duplicates 0.1 --concurrency 32

Each kiosk has its own account, wallet and outbox: its queued operations (electricity and water bills paid
from the wallet, gateway refills) carry their own operation ids. Kiosks are spread over both server
processes. A kiosk whose answer is lost (a reset, a refused connection, a 5xx, a timeout) does what
kiosk_app/sync does: the operations stay "in doubt" and are resolved by asking their status (unknown →
sent again with the same id) or by sending the same batch again; after two failures in a row it tries the
other server process, as a load balancer would. Duplicates are replays of done operation ids in a later
batch and whole batches sent again to the other process.

Drills (each optional; during one storm they run one after another as the storm progresses):
    kill9      kill -9 one server process, start it again
    pgrestart  restart PostgreSQL (pg_ctl restart -m fast)
    netcut     cut the line between the kiosks and both servers for a few seconds (fault proxies)
    biller     the water department loses answers (it records the payment, the answer never comes), then
               declines payments (each must be reversed exactly once), then answers late
    failover   kill -9 the primary's postmaster, fence it, promote the synchronous standby (pg_ctl promote);
               the servers find the new primary through their multi-host URL (implies --standby)

The database (tests/support/pgpair.py): one PostgreSQL by default; --pooler puts a PgBouncer (transaction
pooling) in front of each node, --standby adds a synchronous standby (synchronous_commit=on) and gives the
servers a multi-host URL with target_session_attrs=read-write. --compare runs the same storm without drills
first, on the same database, so a drill's cost is read beside it.

After each drill and at the end, the books are checked straight in PostgreSQL (see `check_books`).
Baseline: `pgbench -b tpcb-like` on the same cluster in the same run. Targets: 1,000 kiosks × 20 operations
drain in < 60 s, p99 batch latency < 2 s, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import random
import re
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import requests
import urllib3

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from server.catalog import load_catalog  # noqa: E402
from server.core.config import DEFAULT_GATEWAY_SECRET, Settings  # noqa: E402
from server.migrate import migrate  # noqa: E402
from server.wallet.signatures import sign  # noqa: E402
from tests.support.kiosk_client import printed_amount  # noqa: E402
from tests.support.pgbouncer import pgbouncer_version  # noqa: E402
from tests.support.pgcluster import PgCluster, find_pg_bin  # noqa: E402
from tests.support.pgpair import PgPair  # noqa: E402
from tests.support.proxy_process import ProxyProcess  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

DRILLS = ("kill9", "pgrestart", "netcut", "biller")  # each runs on the plain rig
ALL_DRILLS = (*DRILLS, "failover")  # the failover drill needs a standby
DRAIN_TARGET_S = 60.0
P99_TARGET_S = 2.0
PASSWORD = "a quiet kiosk by the fort"
REFILL_PAISE = 1_000_00
# Refusals for a passing reason (nothing recorded: "send again later"), which the same item may be paid for
# when sent again: no money, the department's answer late (a loaded machine, a failover's burst of resends).
TRANSIENT_REFUSALS = ("insufficient_balance", "biller_timeout")
FAULT_BILLER = "phed"  # the water department: faults there leave electricity's bulk path alone
SERVER_ENV = {
    "EMITRA_ARGON2_PROFILE": "fast",  # demo mode only: sign-in of a thousand kiosks in seconds
    "EMITRA_SESSION_IDLE_MINUTES": "600",
}
IST = ZoneInfo("Asia/Kolkata")
_series = itertools.count(int(time.time()) % 90)


@dataclass(frozen=True)
class StormConfig:
    kiosks: int = 1000
    ops_per_kiosk: int = 20
    batch_size: int = 100  # items per POST /payments/batch (the client's day-end batch)
    duplicates: float = 0.05  # payments sent again later with the same operation id
    batch_replays: float = 0.05  # batches sent again whole, to the other server process
    refills: float = 0.1  # share of the operations that are gateway refills
    water: float = 0.2  # share of the payments that are water bills (department phed)
    underfunded: float = 0.05  # kiosks funded with half what they spend: some payments refused for funds
    concurrency: int = 48  # kiosks syncing at the same moment (threads)
    drills: tuple[str, ...] = ()
    in_doubt: str = "mixed"  # status | resend | mixed (by kiosk)
    netcut_seconds: float = 3.0
    seed: int = 1
    statements: bool = False  # pg_stat_statements: the statements PostgreSQL spent its time on
    pooler: bool = False  # PgBouncer in transaction pooling in front of each PostgreSQL node
    standby: bool = False  # a synchronous standby beside the primary

    def __post_init__(self) -> None:
        unknown = set(self.drills) - set(ALL_DRILLS)
        if unknown:
            raise ValueError(f"unknown drill {sorted(unknown)[0]}; choose from {', '.join(ALL_DRILLS)}")
        if "failover" in self.drills and not self.standby:
            raise ValueError("the failover drill needs a standby (--standby)")
        if not 1 <= self.kiosks <= 9999 or not 1 <= self.ops_per_kiosk <= 999:
            raise ValueError("kiosks must be 1..9999 and operations per kiosk 1..999")
        if not 1 <= self.batch_size <= 100:
            raise ValueError("the batch size must be 1..100 (the server's limit)")
        if not 1 <= self.concurrency <= 2000:
            raise ValueError("concurrency must be 1..2000 kiosks at once")
        shares = {
            "duplicates": self.duplicates,
            "batch_replays": self.batch_replays,
            "refills": self.refills,
            "water": self.water,
            "underfunded": self.underfunded,
        }
        for name, share in shares.items():
            if not 0 <= share <= 1:
                raise ValueError(f"{name} is a share: 0..1")
        if self.in_doubt not in ("status", "resend", "mixed"):
            raise ValueError("in_doubt must be status, resend or mixed")


# -- the kiosks' side --------------------------------------------------------------------------------------


@dataclass
class Op:
    """One operation in a kiosk's outbox."""

    op_id: str
    kind: str  # payment | refill
    body: dict[str, Any]
    amount: int
    state: str = "queued"  # queued → sending (in doubt) → done | refused
    attempts: int = 0
    payment_id: int | None = None
    status: str | None = None  # the payment's status as last answered
    order_id: str | None = None
    error: str | None = None


@dataclass
class Kiosk:
    index: int
    code: str
    sso_id: str
    mobile: str
    home: int  # the server process it talks to first
    funds: int = 0
    token: str = ""
    ops: list[Op] = field(default_factory=list)
    replays: list[int] = field(default_factory=list)  # indexes of payments to send again
    current: int = 0  # the server process in use now
    failures: int = 0  # answers lost in a row

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_kiosks(config: StormConfig, series: int) -> list[Kiosk]:
    """Kiosks with their day's outbox: distinct bills (as each department would print them) and refills."""
    rng = random.Random(config.seed * 1000 + series)
    catalog = load_catalog()
    today = datetime.now(UTC).astimezone(IST).date()
    elec = ["ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"]
    kiosks = []
    short = set(rng.sample(range(config.kiosks), round(config.kiosks * config.underfunded)))
    for i in range(config.kiosks):
        code = f"ST{series:02d}-{i:04d}"
        kiosk = Kiosk(i, code, f"SSO.ST{series:02d}K{i:04d}", f"9{series:02d}{i:07d}", home=i % 2, current=i % 2)
        spend = 0
        for n in range(config.ops_per_kiosk):
            op_id = uuid.uuid4().hex
            if rng.random() < config.refills:
                body = {"operation_id": op_id, "amount_paise": REFILL_PAISE, "channel": "net_banking"}
                kiosk.ops.append(Op(op_id, "refill", body, REFILL_PAISE))
                continue
            if rng.random() < config.water:
                service = catalog.services["WATER-PHED"]
                consumer, fields = f"{series % 10}1{i:04d}{n:03d}5", "phed_consumer"
            else:
                service = catalog.services[rng.choice(elec)]
                consumer, fields = f"2{series:02d}{i:05d}{n:03d}5", "k_no"
            amount = printed_amount(service, consumer, {fields: consumer}, today)
            body = {
                "operation_id": op_id,
                "offline": service.offline_capable,
                "method": {"type": "wallet"},
                "contact": {"mobile": "9876543210", "email": None},
                "bills": [{"service_code": service.code, "fields": {fields: consumer}, "amount_paise": amount}],
            }
            kiosk.ops.append(Op(op_id, "payment", body, amount))
            spend += amount
        payments = [k for k, op in enumerate(kiosk.ops) if op.kind == "payment"]
        kiosk.replays = [k for k in payments if rng.random() < config.duplicates]
        kiosk.funds = spend // 2 if i in short else spend
        kiosk.funds = max(kiosk.funds, 1)
        kiosks.append(kiosk)
    return kiosks


# -- the servers ------------------------------------------------------------------------------------------


class Rig:
    """PostgreSQL (a primary, optionally a synchronous standby and a PgBouncer in front of each), one database,
    two server processes; optionally a fault proxy in front of each server."""

    def __init__(
        self,
        work: Path,
        *,
        proxies: bool,
        cluster: PgCluster | None = None,
        statements: bool = False,
        pooler: bool = False,
        standby: bool = False,
    ) -> None:
        self.work = work
        self.with_proxies = proxies
        self.statements = statements
        self.own_cluster = cluster is None
        self.given = cluster
        self.pair: PgPair | None = None
        if cluster is None:
            bin_dir = find_pg_bin()
            if bin_dir is None:
                raise RuntimeError("PostgreSQL server binaries not found")
            options = "-c shared_preload_libraries=pg_stat_statements" if statements else ""
            self.pair = PgPair(bin_dir, standby=standby, pooler=pooler, options=options, pool_size=20)
        elif pooler or standby:
            raise ValueError("a pooler or a standby is made with the rig's own cluster")
        self.servers: list[ServerProcess] = []
        self.proxies: list[ProxyProcess] = []
        self.url = ""  # the database, direct on the (first) primary
        self.server_url = ""  # what the server processes are given

    @property
    def cluster(self) -> PgCluster | None:
        """The PostgreSQL that takes writes now (after a failover drill: the promoted standby)."""
        return self.pair.primary if self.pair is not None and self.pair.nodes else self.given

    def start(self) -> Rig:
        if self.pair is not None:
            self.pair.start()
        assert self.cluster is not None
        self.url = self.cluster.create_database("storm")
        migrate(Settings(database_url=self.url))
        self.server_url = self.pair.server_url(self.url) if self.pair is not None else self.url
        if self.statements:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        env = {**SERVER_ENV, **(self.pair.server_env if self.pair is not None else {})}
        self.servers = [
            ServerProcess(self.server_url, log_path=self.work / f"server-{i}.log", env=env) for i in range(2)
        ]
        for s in self.servers:
            s.start()
        if self.with_proxies:
            self.proxies = [ProxyProcess(s.port).start() for s in self.servers]
        return self

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.proxies] if self.proxies else [s.url for s in self.servers]

    @property
    def dsn(self) -> str:
        """libpq DSN of the storm database on the current primary, not through a pooler."""
        if self.pair is not None:
            return self.pair.direct_dsn(self.url)
        return self.url.replace("postgresql+psycopg://", "postgresql://")

    def describe(self) -> str:
        if self.pair is None:
            return "one PostgreSQL"
        parts = ["a PostgreSQL primary"]
        if self.pair.with_standby:
            parts.append("a synchronous standby (synchronous_commit=on)")
        if self.pair.with_pooler:
            parts.append(f"PgBouncer {pgbouncer_version()} in transaction pooling before each")
        return ", ".join(parts)

    def department_payments(self) -> list[dict[str, Any]]:
        """What the simulated departments recorded (their own process and database), declines too."""
        return self.servers[0].department_payments()

    def stop(self) -> None:
        for p in self.proxies:
            p.stop()
        for s in self.servers:
            s.stop()
        if self.pair is not None:
            self.pair.stop()


# -- provisioning: the real admin and sign-in API ------------------------------------------------------------


def provision(rig: Rig, kiosks: list[Kiosk], config: StormConfig, log: Callable[[str], None]) -> float:
    """Create the kiosks in bulk with their first passwords, sign each in, fund the wallets; seconds taken."""
    start = time.perf_counter()
    admin = rig.servers[0]
    by_sso = {k.sso_id: k for k in kiosks}
    issued: dict[str, str] = {}
    for chunk in _chunks(kiosks, 200):  # 2 messages per kiosk; /admin/messages answers up to 500
        items: list[dict[str, Any]] = [
            {
                "code": k.code,
                "name": f"Kiosk {k.code}",
                "holder_name": "Storm Holder",
                "district": "Jaipur",
                "sso_id": k.sso_id,
                "mobile": k.mobile,
                "email": f"{k.code.lower()}@example.in",
            }
            for k in chunk
        ]
        r = admin.admin("POST", "/kiosks/batch", json={"items": items, "issue_passwords": True})
        assert r.status_code == 200, r.text
        assert all(x["status"] == "created" for x in r.json()["results"]), r.text[:500]
        r = admin.admin("GET", "/messages", params={"limit": 500})
        assert r.status_code == 200, r.text
        for m in r.json()["messages"]:
            found = re.search(r"SSO Login ID: (\S+), Password: (\S+) ", m["body"])
            if m["channel"] == "sms" and found and found.group(1) in by_sso:
                issued.setdefault(found.group(1), found.group(2))
    missing = [k.code for k in kiosks if k.sso_id not in issued]
    assert not missing, f"no issued password read for {missing[:5]}"
    created = time.perf_counter()

    def sign_in(kiosk: Kiosk, session: requests.Session) -> None:
        api = rig.servers[kiosk.home].url + "/api/v1"

        def ask(method: str, path: str, body: dict[str, Any], token: str | None = None) -> requests.Response:
            headers = {"Authorization": f"Bearer {token}"} if token else None
            for attempt in range(5):  # a connection the server closed while idle is reset on reuse
                try:
                    return session.request(method, api + path, json=body, headers=headers, timeout=30)
                except requests.ConnectionError:
                    if attempt == 4:
                        raise
                    time.sleep(0.2)
            raise AssertionError("unreachable")

        first = issued[kiosk.sso_id]
        r = ask("POST", "/auth/login", {"sso_id": kiosk.sso_id, "password": first})
        if r.status_code == 200:  # not yet changed (a sign-in run again after a lost answer skips this)
            r = ask("POST", "/auth/password", {"current_password": first, "new_password": PASSWORD}, r.json()["token"])
            assert r.status_code == 200, r.text
        r = ask("POST", "/auth/login", {"sso_id": kiosk.sso_id, "password": PASSWORD})
        assert r.status_code == 200, r.text
        kiosk.token = r.json()["token"]
        r = ask(
            "PUT",
            "/profile",
            {"address": f"Shop 1, {kiosk.code} Road", "pincode": "302017", "confirm": True},
            kiosk.token,
        )
        assert r.status_code == 200, r.text

    _parallel(kiosks, sign_in, min(config.concurrency, 16))
    signed_in = time.perf_counter()
    for chunk in _chunks(kiosks, 500):
        funding: list[dict[str, Any]] = [
            {"operation_id": f"fund-{k.code}", "kiosk_code": k.code, "direction": "credit", "amount_paise": k.funds}
            for k in chunk
        ]
        r = admin.admin("POST", "/adjustments/batch", json={"items": funding})
        assert r.status_code == 200, r.text
        assert all(x["status"] == "applied" for x in r.json()["results"]), r.text[:500]
    done = time.perf_counter()
    log(
        f"provisioned {len(kiosks):,} kiosks in {done - start:.1f} s (create + passwords {created - start:.1f} s, "
        f"sign-in {signed_in - created:.1f} s, funding {done - signed_in:.1f} s)"
    )
    return done - start


def _chunks(items: list[Kiosk], size: int) -> Iterator[list[Kiosk]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _parallel(kiosks: list[Kiosk], work: Callable[[Kiosk, requests.Session], None], threads: int) -> None:
    todo: queue.SimpleQueue[Kiosk] = queue.SimpleQueue()
    for k in kiosks:
        todo.put(k)
    errors: list[BaseException] = []

    def worker() -> None:
        session = requests.Session()
        while not errors:
            try:
                kiosk = todo.get_nowait()
            except queue.Empty:
                return
            try:
                work(kiosk, session)
            except BaseException as exc:
                errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]


# -- the storm ---------------------------------------------------------------------------------------------


class LostAnswer(Exception):
    """No usable answer: the request may or may not have been applied."""


@dataclass
class Figures:
    kiosks: int = 0
    operations: int = 0
    seconds: float = 0.0
    settle_seconds: float = 0.0
    batch_latencies: list[float] = field(default_factory=list)
    refill_latencies: list[float] = field(default_factory=list)
    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # lost answers by cause
    refused: Counter[str] = field(default_factory=Counter)  # items refused by the server, by code
    events: Counter[str] = field(default_factory=Counter)  # replays, failovers, resolutions …
    drills: list[tuple[str, float, str]] = field(default_factory=list)  # name, seconds, what happened
    problems: dict[str, list[str]] = field(default_factory=dict)  # check name → problems found
    books: Counter[str] = field(default_factory=Counter)  # what is on the server afterwards
    driver_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    pg_cpu_s: float | None = None
    pg_waits: Counter[str] = field(default_factory=Counter)
    pg_statements: list[tuple[str, int, float, int]] = field(default_factory=list)
    pg_lock_waits: Counter[str] = field(default_factory=Counter)
    pg_work: dict[str, int] = field(default_factory=dict)  # pg_stat_database: commits, rows … during the storm
    pg_tables: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # per table: scans, rows read
    pgbench_tps: float | None = None
    provision_seconds: float = 0.0
    failover_seconds: float | None = None  # from kill -9 of the primary until the standby took writes

    @property
    def ops_per_s(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0

    def quantile(self, values: list[float], q: float) -> float:
        if not values:
            return 0.0
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def all_problems(self) -> list[str]:
        return [f"{name}: {p}" for name, found in self.problems.items() for p in found]


def _cause(exc: BaseException) -> str:
    """The innermost reason of a failed request: refused, reset, timed out …"""
    seen: BaseException = exc
    for _ in range(10):
        inner = (
            getattr(seen, "reason", None)
            or seen.__cause__
            or next((a for a in seen.args if isinstance(a, BaseException)), None)
        )
        if not isinstance(inner, BaseException) or inner is seen:
            break
        seen = inner
    return f"{type(exc).__name__} ({type(seen).__name__})" if seen is not exc else type(exc).__name__


class Storm:
    def __init__(self, rig: Rig, kiosks: list[Kiosk], config: StormConfig, log: Callable[[str], None]) -> None:
        self.rig = rig
        self.kiosks = kiosks
        self.config = config
        self.log = log
        self.figures = Figures(kiosks=len(kiosks), operations=sum(len(k.ops) for k in kiosks))
        self.lock = threading.Lock()
        self.answered = 0
        self.batches_answered = 0
        self.total = self.figures.operations
        self.finished = threading.Event()
        self.local = threading.local()

    # -- HTTP with the kiosk's own retry rules ----------------------------------------------------------
    # The driver speaks HTTP through urllib3 (what requests is built on) with one pool per thread: it shares
    # the machine with the servers and PostgreSQL, and requests' per-call work (proxy settings read from the
    # environment, cookies, hooks) cost about half of its CPU. The kiosks' rules stay: a lost answer raises.
    def _pool(self) -> urllib3.PoolManager:
        pool: urllib3.PoolManager | None = getattr(self.local, "pool", None)
        if pool is None:
            pool = self.local.pool = urllib3.PoolManager(
                num_pools=4, maxsize=1, retries=False, timeout=urllib3.Timeout(connect=3, read=60)
            )
        return pool

    def _call(
        self,
        kiosk: Kiosk,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        instance: int | None = None,
    ) -> tuple[int, Any]:
        """One request; a lost answer (reset, refused, timeout, 5xx) raises LostAnswer."""
        where = kiosk.current if instance is None else instance
        url = self.rig.urls[where] + "/api/v1" + path
        with self.lock:
            self.figures.requests += 1
        headers = headers or kiosk.headers
        if body is not None:
            raw, headers = json.dumps(body).encode(), {**headers, "Content-Type": "application/json"}
        try:
            r = self._pool().request(method, url, body=raw, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            self._count_error(_cause(exc))
            raise LostAnswer(str(exc)) from exc
        if r.status >= 500:
            try:
                code = json.loads(r.data)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = "no_json"
            self._count_error(f"http_{r.status}_{code}")
            raise LostAnswer(f"{r.status} {code}")
        try:
            return r.status, json.loads(r.data)
        except ValueError as exc:
            self._count_error("bad_json")
            raise LostAnswer("an answer that is not JSON") from exc

    def _count_error(self, cause: str) -> None:
        with self.lock:
            self.figures.errors[cause] += 1

    def _event(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.figures.events[name] += n

    def _lost(self, kiosk: Kiosk) -> None:
        """After a lost answer: wait a little; after two in a row, use the other server process."""
        kiosk.failures += 1
        if kiosk.failures % 2 == 0:
            kiosk.current = 1 - kiosk.current
            self._event("failover to the other server process")
        time.sleep(min(2.0, 0.1 * 2 ** min(kiosk.failures, 5)) * random.uniform(0.5, 1.0))

    def _answered(self, n: int) -> None:
        with self.lock:
            self.answered += n

    def _give_up(self, kiosk: Kiosk) -> bool:
        return kiosk.failures > 60

    # -- one kiosk's day-end sync ------------------------------------------------------------------------
    def sync(self, kiosk: Kiosk) -> None:
        payments = [op for op in kiosk.ops if op.kind == "payment"]
        refills = [op for op in kiosk.ops if op.kind == "refill"]
        batches = [payments[i : i + self.config.batch_size] for i in range(0, len(payments), self.config.batch_size)]
        for n, batch in enumerate(batches):
            self._send_batch(kiosk, batch)
            if n == 0:
                for op in refills:
                    self._refill(kiosk, op)
        if not batches:
            for op in refills:
                self._refill(kiosk, op)
        # Operations that went back to the queue after a status said "unknown": send them (same ids).
        for _ in range(10):
            again = [op for op in payments if op.state == "queued"]
            if not again:
                break
            for i in range(0, len(again), self.config.batch_size):
                self._send_batch(kiosk, again[i : i + self.config.batch_size])
        replays = [kiosk.ops[i] for i in kiosk.replays if kiosk.ops[i].state == "done"]
        if replays:
            self._event("operations replayed with the same id", len(replays))
            self._send_batch(kiosk, replays, replay=True)

    def _send_batch(self, kiosk: Kiosk, batch: list[Op], *, replay: bool = False) -> None:
        if not batch:
            return
        body = {"items": [op.body for op in batch]}
        for op in batch:
            op.attempts += 1
            if not replay:
                op.state = "sending"
        resend = self.config.in_doubt == "resend" or (self.config.in_doubt == "mixed" and kiosk.index % 2 == 0)
        while True:
            started = time.perf_counter()
            try:
                status, answer = self._call(kiosk, "POST", "/payments/batch", body)
            except LostAnswer:
                self._lost(kiosk)
                if self._give_up(kiosk):
                    return
                if resend or replay:
                    self._event("in doubt: batch sent again")
                    continue
                self._resolve_by_status(kiosk, [op for op in batch if op.state == "sending"])
                batch = [op for op in batch if op.state == "queued"]
                if not batch:
                    return
                body = {"items": [op.body for op in batch]}
                for op in batch:
                    op.state = "sending"
                    op.attempts += 1
                continue
            kiosk.failures = 0
            with self.lock:
                self.figures.batch_latencies.append(time.perf_counter() - started)
            if status != 200:
                code = answer.get("error", {}).get("code") if isinstance(answer, dict) else None
                with self.lock:
                    self.figures.refused[f"whole batch refused: {status} {code}"] += len(batch)
                for op in batch:
                    if op.state == "sending":
                        op.state, op.error = "refused", f"batch {status}"
                self._answered(len(batch))
                return
            self._record(kiosk, batch, answer["results"], replay=replay)
            if not replay and self._replay_this_batch():
                self._replay_whole(kiosk, batch, body)
            return

    def _replay_this_batch(self) -> bool:
        """Every n-th batch answered (n = 1 / batch_replays) is sent again whole."""
        if self.config.batch_replays <= 0:
            return False
        with self.lock:
            self.batches_answered += 1
            return self.batches_answered % max(1, round(1 / self.config.batch_replays)) == 0

    def _record(self, kiosk: Kiosk, batch: list[Op], results: list[dict[str, Any]], *, replay: bool) -> None:
        by_id = {op.op_id: op for op in batch}
        fresh = 0
        for item in results:
            op = by_id[item["operation_id"]]
            first = op.state == "sending"
            if item["result"] == "done":
                self._done(op, item["payment"], replay=replay)
            else:
                code = str(item.get("error", {}).get("code", "refused"))
                if op.attempts > 1 and first:
                    # Sent before without an answer: a copy may have paid the bill; its status is the truth.
                    try:
                        status, view = self._call(kiosk, "GET", f"/payments/{op.op_id}")
                    except LostAnswer:
                        status, view = 0, None
                    if status == 200:
                        self._done(op, view, replay=False)
                        fresh += 1
                        continue
                if replay:
                    self._count_error(f"replay of a done operation refused: {code}")
                    continue
                with self.lock:
                    self.figures.refused[code] += 1
                op.state, op.error = "refused", code
            fresh += first
        self._answered(fresh if not replay else 0)

    def _done(self, op: Op, view: dict[str, Any], *, replay: bool) -> None:
        if op.payment_id is not None and op.payment_id != view["payment_id"]:
            self._count_error("a replay answered with another payment")
        if view["operation_id"] != op.op_id or view["total_paise"] != op.amount:
            self._count_error("an answer for another operation")
        op.payment_id, op.status, op.state = int(view["payment_id"]), str(view["status"]), "done"
        if replay:
            self._event("replays answered with the first payment")

    def _replay_whole(self, kiosk: Kiosk, batch: list[Op], body: dict[str, Any]) -> None:
        """The same batch again, to the other server process (a lost answer the client re-sends blindly)."""
        self._event("whole batches sent again to the other server process")
        for _ in range(30):
            try:
                status, answer = self._call(kiosk, "POST", "/payments/batch", body, instance=1 - kiosk.current)
            except LostAnswer:
                time.sleep(0.2)
                continue
            if status != 200:
                self._count_error(f"whole-batch replay refused: {status}")
                return
            for item, op in zip(answer["results"], batch, strict=True):
                if op.state == "done" and item["result"] != "done":
                    self._count_error("whole-batch replay: a done operation refused")
                elif op.state == "refused" and item["result"] == "done":
                    # The first answer stands for one the kiosk never got, so this one is what it holds. A
                    # refusal is not recorded on the server: an item refused for funds is paid when the
                    # wallet has them now (a declined bill's reversal came back between the two sends), one
                    # whose department did not answer in time when it answers now.
                    if op.error not in TRANSIENT_REFUSALS:
                        self._count_error("whole-batch replay: a refused operation applied")
                        continue
                    with self.lock:
                        self.figures.refused[str(op.error)] -= 1
                    self._done(op, item["payment"], replay=False)
                    self._event(f"whole-batch replay: refused ({op.error}), paid this time")
                    op.error = None
                elif item["result"] == "done" and item["payment"]["payment_id"] != op.payment_id:
                    self._count_error("whole-batch replay: another payment")
            return

    def _resolve_by_status(self, kiosk: Kiosk, ops: list[Op]) -> None:
        """As kiosk_app/sync: ask the server about each operation in doubt before anything is sent again."""
        for op in ops:
            while op.state == "sending":
                try:
                    status, view = self._call(kiosk, "GET", f"/payments/{op.op_id}")
                except LostAnswer:
                    self._lost(kiosk)
                    if self._give_up(kiosk):
                        return
                    continue
                kiosk.failures = 0
                if status == 200:
                    self._done(op, view, replay=False)
                    self._answered(1)
                    self._event("in doubt: found done by status")
                elif status == 404:
                    op.state = "queued"
                    self._event("in doubt: unknown to the server, sent again")
                else:
                    self._count_error(f"status {status}")
                    op.state = "queued"

    def _refill(self, kiosk: Kiosk, op: Op) -> None:
        """A refill order (operation id), then the gateway's signed notification, which may come twice."""
        op.state = "sending"
        while op.order_id is None:
            started = time.perf_counter()
            op.attempts += 1
            try:
                status, answer = self._call(kiosk, "POST", "/wallet/refill/orders", op.body)
            except LostAnswer:
                self._lost(kiosk)
                if self._give_up(kiosk):
                    return
                continue
            kiosk.failures = 0
            with self.lock:
                self.figures.refill_latencies.append(time.perf_counter() - started)
            if status != 200:
                code = str(answer.get("error", {}).get("code"))
                with self.lock:
                    self.figures.refused[f"refill order: {code}"] += 1
                op.state, op.error = "refused", code
                self._answered(1)
                return
            op.order_id = str(answer["order_id"])
        note = {
            "order_id": op.order_id,
            "status": "success",
            "amount_paise": op.amount,
            "gateway_ref": f"PG{op.order_id[2:14]}",
        }
        raw = json.dumps(note, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Gateway-Signature": sign(DEFAULT_GATEWAY_SECRET, raw)}
        sends = 2 if random.random() < self.config.duplicates else 1
        results: list[str] = []
        instance = kiosk.current
        while len(results) < sends:
            try:
                status, answer = self._call(
                    kiosk, "POST", "/callbacks/gateway", raw=raw, headers=headers, instance=instance
                )
            except LostAnswer:
                self._lost(kiosk)
                if self._give_up(kiosk):
                    return
                continue
            if status != 200:
                self._count_error(f"gateway notification refused: {status}")
                return
            results.append(answer["result"])
            instance = 1 - instance
        if sends == 2:
            self._event("gateway notifications delivered twice")
            if sorted(results) not in (["credited", "duplicate"], ["duplicate", "duplicate"]):
                self._count_error(f"a twice-delivered notification answered {results}")
        op.state = "done"
        self._answered(1)

    # -- settling and the whole run -------------------------------------------------------------------------
    def settle(self) -> None:
        """Payments the departments have not answered: ask their status (the server asks the department)."""
        started = time.perf_counter()
        for _ in range(5):
            open_ = [
                (k, op)
                for k in self.kiosks
                for op in k.ops
                if op.kind == "payment" and op.state == "done" and op.status in ("pending", "initiated")
            ]
            if not open_:
                break
            self._event("pending payments asked again", len(open_))

            by_kiosk: dict[int, list[Op]] = {}
            for k, op in open_:
                by_kiosk.setdefault(k.index, []).append(op)

            def ask(kiosk: Kiosk, _session: requests.Session, by_kiosk: dict[int, list[Op]] = by_kiosk) -> None:
                for op in by_kiosk[kiosk.index]:
                    try:
                        status, view = self._call(kiosk, "GET", f"/payments/{op.op_id}")
                    except LostAnswer:
                        continue
                    if status == 200:
                        op.status = str(view["status"])

            _parallel([k for k in self.kiosks if k.index in by_kiosk], ask, self.config.concurrency)
        self.figures.settle_seconds = time.perf_counter() - started

    def run(self, drill_runner: Callable[[Storm], None] | None = None) -> Figures:
        todo: queue.SimpleQueue[Kiosk] = queue.SimpleQueue()
        for k in self.kiosks:
            todo.put(k)
        errors: list[BaseException] = []

        def worker() -> None:
            while True:
                try:
                    kiosk = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    self.sync(kiosk)
                except BaseException as exc:
                    errors.append(exc)

        cpu0 = _own_cpu()
        servers0 = _server_cpu(self.rig)
        pg0 = _pg_cpu(self.rig)
        work0, tables0 = _pg_work(self.rig.dsn), _pg_tables(self.rig.dsn)
        if self.config.statements:
            _pg_statements_reset(self.rig.dsn)
        sampler = WaitSampler(lambda: self.rig.dsn).start()
        drills = threading.Thread(target=drill_runner, args=(self,), name="drills") if drill_runner else None
        start = time.perf_counter()
        pool = [threading.Thread(target=worker, name=f"kiosks-{i}") for i in range(self.config.concurrency)]
        for t in pool:
            t.start()
        if drills:
            drills.start()
        for t in pool:
            t.join()
        self.figures.seconds = time.perf_counter() - start
        self.finished.set()
        if drills:
            drills.join()
        self.figures.driver_cpu_s = _own_cpu() - cpu0
        servers1, pg1 = _server_cpu(self.rig), _pg_cpu(self.rig)
        if servers0 is not None and servers1 is not None and "kill9" not in self.config.drills:
            self.figures.server_cpu_s = servers1 - servers0
        restarted = {"pgrestart", "failover"} & set(self.config.drills)  # PostgreSQL's figures start again
        if pg0 is not None and pg1 is not None and not restarted:
            self.figures.pg_cpu_s = pg1 - pg0
        self.figures.pg_waits = sampler.stop()
        work1, tables1 = _pg_work(self.rig.dsn), _pg_tables(self.rig.dsn)
        if not restarted:  # the statistics start again with the server
            self.figures.pg_work = {k: work1[k] - work0.get(k, 0) for k in work1}
            zero = (0, 0, 0, 0)
            self.figures.pg_tables = {
                name: tuple(a - b for a, b in zip(v, tables0.get(name, zero), strict=True))  # type: ignore[misc]
                for name, v in tables1.items()
            }
        self.figures.pg_lock_waits = sampler.lock_waits
        if self.config.statements:
            self.figures.pg_statements = _pg_statements(self.rig.dsn)
        if errors:
            raise errors[0]
        for server in self.rig.servers:  # no fault may outlive the storm
            set_biller_fault(server, "none")
            break
        self.settle()
        return self.figures

    def progress(self) -> float:
        with self.lock:
            return self.answered / self.total if self.total else 1.0


# -- drills -------------------------------------------------------------------------------------------------


def set_biller_fault(server: ServerProcess, fault: str, times: int = -1, delay_ms: int = 0) -> None:
    for _ in range(50):
        try:
            r = server.admin(
                "PUT", f"/billers/{FAULT_BILLER}/fault", json={"fault": fault, "times": times, "delay_ms": delay_ms}
            )
        except requests.RequestException:
            time.sleep(0.2)
            continue
        if r.status_code == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"could not switch the {FAULT_BILLER} fault to {fault}")


def _wait_progress(storm: Storm, fraction: float) -> bool:
    while storm.progress() < fraction:
        if storm.finished.is_set():
            return False
        time.sleep(0.02)
    return True


def _wait_fault_used(storm: Storm, rig: Rig) -> bool:
    """Until the department has used up its counted fault (True), or the storm is over (False)."""
    while not storm.finished.is_set():
        fault = rig.servers[0].simulated_departments().faults().get(FAULT_BILLER)
        if fault is None or fault["fault"] == "none" or fault["remaining"] == 0:
            return True
        time.sleep(0.05)
    return False


def _healthy(server: ServerProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(server.url + "/api/v1/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not come back")


def run_drill(storm: Storm, name: str) -> str:
    rig, config = storm.rig, storm.config
    if name == "kill9":
        victim = rig.servers[1]
        victim.kill9()
        time.sleep(1.0)
        victim.start()
        return f"server process 2 killed (SIGKILL) and started again on port {victim.port}"
    if name == "pgrestart":
        assert rig.cluster is not None
        rig.cluster.restart()
        for server in rig.servers:
            _healthy(server)
        return "PostgreSQL restarted (fast shutdown)"
    if name == "failover":
        assert rig.pair is not None
        took = rig.pair.failover()
        storm.figures.failover_seconds = took
        return (
            f"primary killed (SIGKILL) and fenced (its PgBouncer stopped, standby.signal), standby promoted: it "
            f"took writes {took:.1f} s after the kill"
        )
    if name == "netcut":
        if not rig.proxies:
            raise RuntimeError("the netcut drill needs the rig's fault proxies")
        for p in rig.proxies:
            p.set_offline(True)
        time.sleep(config.netcut_seconds)
        for p in rig.proxies:
            p.set_offline(False)
        return f"line cut for {config.netcut_seconds:g} s on both server processes"
    if name == "biller":
        per = max(3, storm.total // 200)
        done = []
        for fault, delay in (("lost_answer", 0), ("decline", 0), ("slow", 400)):
            set_biller_fault(rig.servers[0], fault, per, delay)
            if _wait_fault_used(storm, rig):
                done.append(fault)
        set_biller_fault(rig.servers[0], "none")
        return (
            (
                f"water department, {per} payments each: " + ", ".join(done) + " (answers lost; declined, each "
                "to be reversed; answered 0.4 s late)"
            )
            if done
            else "water department faults: the storm was over"
        )
    raise ValueError(name)


def drill_runner(names: tuple[str, ...], check: bool = True) -> Callable[[Storm], None]:
    """Run the drills one after another as the storm progresses; check the books after each."""

    def run(storm: Storm) -> None:
        for i, name in enumerate(names):
            if not _wait_progress(storm, 0.8 * (i + 1) / (len(names) + 1)):
                storm.figures.drills.append((name, 0.0, "not run: the storm was over"))
                continue
            started = time.perf_counter()
            try:
                what = run_drill(storm, name)
            except Exception as exc:
                what = f"drill failed: {exc!r}"
                storm.figures.problems.setdefault(f"drill {name}", []).append(what)
            took = time.perf_counter() - started
            storm.log(f"drill {name}: {what} ({took:.1f} s, storm at {storm.progress():.0%})")
            storm.figures.drills.append((name, took, what))
            if check:
                time.sleep(0.5)
                found = check_books(storm.rig.dsn, storm.kiosks, storm.rig.department_payments, final=False)
                storm.figures.problems[f"after {name}"] = found

    return run


# -- the checks, straight in PostgreSQL ---------------------------------------------------------------------


def check_books(
    dsn: str, kiosks: list[Kiosk], departments: Callable[[], list[dict[str, Any]]], *, final: bool
) -> list[str]:
    """Every way the storm's books could be wrong; an empty list means they are right.

    One snapshot (REPEATABLE READ) of the whole database, read after the kiosks' own records were copied,
    so whatever a kiosk holds as done was committed before the snapshot. With final=False (during the
    storm) operations still in doubt may be there or not, and payments may still wait for a department.
    """
    held = {
        k.code: [(op.op_id, op.kind, op.state, op.amount, op.payment_id, op.order_id) for op in k.ops] for k in kiosks
    }
    funds = {k.code: k.funds for k in kiosks}
    problems: list[str] = []
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        q = conn.execute

        # The journal: every entry balanced (and at least two lines); every balance equal to its journal.
        for entry, total, lines in q(
            "SELECT entry_id, sum(amount), count(*) FROM journal_lines GROUP BY entry_id "
            "HAVING sum(amount) <> 0 OR count(*) < 2"
        ):
            problems.append(f"journal entry {entry} does not balance: sum {total} over {lines} lines")
        for (entry,) in q(
            "SELECT e.id FROM journal_entries e WHERE NOT EXISTS "
            "(SELECT 1 FROM journal_lines l WHERE l.entry_id = e.id)"
        ):
            problems.append(f"journal entry {entry} has no lines")
        for account, stored, journal in q(
            "SELECT coalesce(b.account_id, j.account_id), b.total, j.total FROM "
            "(SELECT account_id, sum(balance) AS total FROM account_balances GROUP BY account_id) b FULL JOIN "
            "(SELECT account_id, sum(amount) AS total FROM journal_lines GROUP BY account_id) j "
            "ON j.account_id = b.account_id WHERE coalesce(b.total, 0) <> coalesce(j.total, 0)"
        ):
            problems.append(f"account {account}: balance {stored} but its journal sums to {journal}")
        for code, shard, balance in q(
            "SELECT a.code, b.shard, b.balance FROM account_balances b JOIN accounts a "
            "ON a.id = b.account_id WHERE (b.floor IS NOT NULL AND b.balance < b.floor) "
            "OR (a.kind = 'kiosk_wallet' AND b.balance < 0)"
        ):
            problems.append(f"{code} (shard {shard}) is below its floor: {balance}")
        for scope, op_id, n in q(
            "SELECT scope, operation_id, count(*) FROM operations GROUP BY scope, operation_id HAVING count(*) > 1"
        ):
            problems.append(f"operation {scope}/{op_id} stored {n} times")

        codes = list(held)
        # The departments' own books, read after the snapshot began: what they held paid by then is in them.
        paid_there = Counter(p["reference"] for p in departments() if p["result"] == "success")
        payments: dict[tuple[str, str], list[tuple[int, str, int, int, int | None]]] = {}
        for code, op_id, pid, status, total, reversed_, debit in q(
            "SELECT k.code, p.operation_id, p.id, p.status, p.total_paise, p.reversed_paise, p.debit_entry_id "
            "FROM payments p JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ANY(%s)",
            (codes,),
        ):
            payments.setdefault((code, op_id), []).append((pid, status, total, reversed_, debit))
        orders: dict[tuple[str, str], list[tuple[str, str, int | None, int | None]]] = {}
        for code, op_id, order_id, status, confirmed, entry in q(
            "SELECT k.code, o.operation_id, o.order_id, o.status, o.confirmed_paise, o.entry_id "
            "FROM refill_orders o JOIN kiosks k ON k.id = o.kiosk_id WHERE k.code = ANY(%s)",
            (codes,),
        ):
            orders.setdefault((code, op_id), []).append((order_id, status, confirmed, entry))
        credits: dict[str, int] = dict(
            q(
                "SELECT o.operation_id, count(e.id) FROM operations o JOIN journal_entries e "
                "ON e.operation_pk = o.id WHERE o.scope = 'system' AND o.operation_id LIKE 'gateway-%' "
                "GROUP BY o.operation_id"
            ).fetchall()
        )

        # Every operation the kiosks hold: on the server exactly once (done), never (refused), at most once.
        for code, ops in held.items():
            for op_id, kind, state, amount, payment_id, _order_id in ops:
                found: list[Any] = (payments if kind == "payment" else orders).get((code, op_id), [])
                if len(found) > 1:
                    problems.append(f"{code} {kind} {op_id} is on the server {len(found)} times")
                elif state == "done" and not found:
                    problems.append(f"{code} {kind} {op_id} is done at the kiosk but missing on the server")
                elif state == "refused" and found:
                    problems.append(f"{code} {kind} {op_id} was refused to the kiosk but is on the server")
                elif final and state in ("queued", "sending"):
                    problems.append(f"{code} {kind} {op_id} is still {state} at the kiosk")
                if not found or state != "done":
                    continue
                if kind == "payment":
                    pid, status, total, _, _ = found[0]
                    if total != amount or (payment_id is not None and pid != payment_id):
                        problems.append(
                            f"{code} payment {op_id}: server has #{pid} of {total}, kiosk #{payment_id} of {amount}"
                        )
                    if final and status in ("initiated", "pending"):
                        problems.append(f"{code} payment {op_id} is still {status} after settling")
                else:
                    oid, status, confirmed, entry = found[0]
                    if status != "success" or confirmed != amount or entry is None:
                        problems.append(f"{code} refill {op_id} (order {oid}): {status}, confirmed {confirmed}")
                    if credits.get(f"gateway-{oid}", 0) != 1:
                        problems.append(f"{code} refill order {oid} credited {credits.get(f'gateway-{oid}', 0)} times")
        mine = {(code, op_id) for code, ops in held.items() for op_id, *_ in ops}
        for key in sorted(set(payments) - mine) + sorted(set(orders) - mine):
            problems.append(f"{key[0]} has {key[1]} on the server, which no kiosk sent")

        # Departments and reversals: a paid bill recorded once there; a failed bill reversed exactly once.
        reversals: dict[str, int] = dict(
            q(
                "SELECT o.operation_id, count(e.id) FROM operations o JOIN journal_entries e ON e.operation_pk = o.id "
                "WHERE o.scope = 'system' AND o.operation_id LIKE 'reversal-%' GROUP BY o.operation_id"
            ).fetchall()
        )
        failed_paise: dict[int, int] = {}
        for pid, reference, status, amount, reversal_entry in q(
            "SELECT b.payment_id, b.reference, b.status, b.amount_paise, b.reversal_entry_id "
            "FROM payment_bills b JOIN payments p ON p.id = b.payment_id "
            "JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ANY(%s)",
            (codes,),
        ):
            at_department = paid_there[reference]
            n = reversals.get(f"reversal-{reference}", 0)
            if status == "failed":
                failed_paise[pid] = failed_paise.get(pid, 0) + amount
                if n != 1 or reversal_entry is None:
                    problems.append(f"failed bill {reference} reversed {n} times")
                if at_department:
                    problems.append(f"failed bill {reference} is paid at the department too")
            elif n:
                problems.append(f"bill {reference} ({status}) has {n} reversals")
            if status == "success" and at_department != 1:
                problems.append(f"bill {reference} is recorded {at_department} times at the department")
            if status == "pending" and at_department > 1:
                problems.append(f"bill {reference} is recorded {at_department} times at the department")
        for found in payments.values():
            pid, _, _, reversed_, _ = found[0]
            if reversed_ != failed_paise.get(pid, 0):
                problems.append(f"payment #{pid} reversed {reversed_} paise, its failed bills {failed_paise.get(pid)}")

        # Each wallet: funding + refills credited − payments + reversals, all on the server.
        wallets: dict[str, int] = dict(
            q(
                "SELECT a.code, sum(b.balance) FROM accounts a JOIN account_balances b ON b.account_id = a.id "
                "WHERE a.code = ANY(%s) GROUP BY a.code",
                ([f"kiosk:{c}:wallet" for c in codes],),
            ).fetchall()
        )
        spent: Counter[str] = Counter()
        for (code, _), found in payments.items():
            spent[code] += sum(total - reversed_ for _, _, total, reversed_, debit in found if debit is not None)
        refilled: Counter[str] = Counter()
        for (code, _), found in orders.items():
            refilled[code] += sum(confirmed or 0 for _, status, confirmed, _ in found if status == "success")
        for code in codes:
            expected = funds[code] + refilled[code] - spent[code]
            if wallets.get(f"kiosk:{code}:wallet") != expected:
                problems.append(f"{code} wallet {wallets.get(f'kiosk:{code}:wallet')} but its books say {expected}")
        conn.rollback()
    return problems


def book_summary(dsn: str, kiosks: list[Kiosk]) -> Counter[str]:
    """What the storm left on the server for these kiosks: payments by status, reversals, refills."""
    codes = [k.code for k in kiosks]
    found: Counter[str] = Counter()
    with psycopg.connect(dsn) as conn:
        for status, n in conn.execute(
            "SELECT p.status, count(*) FROM payments p JOIN kiosks k ON k.id = p.kiosk_id "
            "WHERE k.code = ANY(%s) GROUP BY p.status",
            (codes,),
        ):
            found[f"payments {status}"] = n
        for what, sql in (
            (
                "bills reversed",
                "SELECT count(*) FROM payment_bills b JOIN payments p ON p.id = b.payment_id "
                "JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ANY(%s) AND b.reversal_entry_id IS NOT NULL",
            ),
            (
                "refills credited",
                "SELECT count(*) FROM refill_orders o JOIN kiosks k ON k.id = o.kiosk_id "
                "WHERE k.code = ANY(%s) AND o.entry_id IS NOT NULL",
            ),
        ):
            for (n,) in conn.execute(sql, (codes,)):
                found[what] = n
    return found


# -- where the time goes ----------------------------------------------------------------------------------


class WaitSampler:
    """pg_stat_activity every 100 ms: what the storm database's backends are doing."""

    def __init__(self, dsn: Callable[[], str]) -> None:
        self.dsn = dsn  # asked again at each reconnection: after a failover it names the new primary
        self.counts: Counter[str] = Counter()
        self.lock_waits: Counter[str] = Counter()  # the statements that wait for a row lock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-waits", daemon=True)

    def start(self) -> WaitSampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.dsn(), autocommit=True, connect_timeout=2)
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 90) FROM pg_stat_activity WHERE "
                    "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                ).fetchall()
            except psycopg.Error:
                conn = None
                time.sleep(0.2)
                continue
            for state, wtype, event, query in rows:
                if wtype == "Lock":
                    self.lock_waits[" ".join(str(query).split())[:80]] += 1
                if state == "active":
                    self.counts["active: " + (f"{wtype}:{event}" if wtype else "on CPU")] += 1
                elif state == "idle in transaction":
                    self.counts["in a transaction, waiting for the server process"] += 1
                else:
                    self.counts["idle (pooled, no request)"] += 1
            time.sleep(0.1)
        if conn is not None:
            conn.close()

    def stop(self) -> Counter[str]:
        self._stop.set()
        self._thread.join(5)
        return self.counts


def _pg_work(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched, "
            "tup_returned FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    names = ("commits", "rollbacks", "rows inserted", "rows updated", "rows fetched", "rows returned")
    return dict(zip(names, (int(v) for v in row or ()), strict=False))


def _pg_tables(dsn: str) -> dict[str, tuple[int, int, int, int]]:
    """Per table: sequential scans, rows they read, index scans, rows fetched by them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return {
            str(name): (int(a), int(b), int(c or 0), int(d or 0))
            for name, a, b, c, d in conn.execute(
                "SELECT relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch FROM pg_stat_user_tables"
            )
        }


def _pg_statements_reset(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


def _pg_statements(dsn: str, top: int = 12) -> list[tuple[str, int, float, int]]:
    """The statements PostgreSQL spent most time executing: (text, calls, total ms, rows)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query, calls, total_exec_time + total_plan_time, rows FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY 3 DESC LIMIT %s",
            (top,),
        ).fetchall()
    return [(" ".join(str(q).split()), int(c), float(t), int(r)) for q, c, t, r in rows]


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _proc_cpu(pid: int, children: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_cpu(rig: Rig) -> float | None:
    try:
        return sum(_proc_cpu(s.proc.pid) for s in rig.servers if s.proc is not None)
    except (OSError, ValueError):
        return None


def _pg_cpu(rig: Rig) -> float | None:
    """The postmaster, its live children and the children it has reaped."""
    try:
        assert rig.cluster is not None
        postmaster = int((rig.cluster.data / "postmaster.pid").read_text().split()[0])
        total = _proc_cpu(postmaster, children=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == postmaster:
                        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except (OSError, ValueError, IndexError):
                    continue
        return total
    except (OSError, ValueError, AssertionError):
        return None


def pgbench_baseline(cluster: PgCluster, quick: bool) -> float:
    scale, seconds = ("1", "1") if quick else ("10", "10")
    cluster.pgbench("-i", "-q", "-s", scale, database="postgres")
    out = cluster.pgbench("-b", "tpcb-like", "-c", "8", "-j", "2", "-T", seconds, "-n", database="postgres")
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


# -- the run ------------------------------------------------------------------------------------------------


@contextmanager
def rig_for(config: StormConfig, work: Path | None = None) -> Iterator[Rig]:
    work = work or Path(tempfile.mkdtemp(prefix="emitra-storm-"))
    rig = Rig(
        work,
        proxies="netcut" in config.drills,
        statements=config.statements,
        pooler=config.pooler,
        standby=config.standby,
    ).start()
    try:
        yield rig
    finally:
        rig.stop()


def say(message: str) -> None:
    print(message, flush=True)


def storm(rig: Rig, config: StormConfig, log: Callable[[str], None] = say, *, check: bool = True) -> Storm:
    """Provision fresh kiosks on the rig, run one storm (with its drills), settle, check the books."""
    series = next(_series) % 90 + 10
    kiosks = make_kiosks(config, series)
    provision_s = provision(rig, kiosks, config, log)
    s = Storm(rig, kiosks, config, log)
    s.figures.provision_seconds = provision_s
    log(
        f"storm: {len(kiosks):,} kiosks × {config.ops_per_kiosk} operations, {config.concurrency} at once, "
        f"drills: {', '.join(config.drills) or 'none'} …"
    )
    s.run(drill_runner(config.drills, check) if config.drills else None)
    if check:
        s.figures.problems["final"] = check_books(rig.dsn, kiosks, rig.department_payments, final=True)
    s.figures.books = book_summary(rig.dsn, kiosks)
    return s


def report(f: Figures, config: StormConfig, rig: Rig | None = None) -> str:
    b50, b99 = f.quantile(f.batch_latencies, 0.5), f.quantile(f.batch_latencies, 0.99)
    r50, r99 = f.quantile(f.refill_latencies, 0.5), f.quantile(f.refill_latencies, 0.99)
    lines = [
        f"{time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f}",
        f"storm: {f.kiosks:,} kiosks × {config.ops_per_kiosk} operations = {f.operations:,} operations "
        f"(batches of ≤ {config.batch_size}, {config.concurrency} kiosks at once, drills: "
        f"{', '.join(config.drills) or 'none'})",
        *([f"  database: {rig.describe()}"] if rig is not None else []),
        f"  provisioning (bulk create + sign-in + funding): {f.provision_seconds:.1f} s",
        f"  drained in {f.seconds:.1f} s → {f.ops_per_s:,.0f} operations/s   (target < {DRAIN_TARGET_S:g} s"
        + (f"; 20,000 at this rate: {20_000 / f.ops_per_s:.0f} s)" if f.ops_per_s else ")"),
        f"  batch latency: p50 {b50:.2f} s, p99 {b99:.2f} s over {len(f.batch_latencies):,} batches   "
        f"(target p99 < {P99_TARGET_S:g} s)",
        f"  refill order latency: p50 {r50:.3f} s, p99 {r99:.3f} s over {len(f.refill_latencies):,} orders",
        f"  settling pending payments afterwards: {f.settle_seconds:.1f} s",
        f"  requests: {f.requests:,}; lost answers: {sum(f.errors.values()):,}"
        + "".join(f"\n    {n:>6,}  {cause}" for cause, n in f.errors.most_common()),
        f"  refused items: {sum(f.refused.values()):,}"
        + "".join(f"\n    {n:>6,}  {code}" for code, n in f.refused.most_common()),
        "  events:" + "".join(f"\n    {n:>6,}  {name}" for name, n in sorted(f.events.items())),
    ]
    if f.pgbench_tps:
        lines.append(
            f"  baseline pgbench tpcb-like, 8 clients, same cluster: {f.pgbench_tps:,.0f} tps "
            f"(storm / baseline: {f.ops_per_s / f.pgbench_tps:.2f}×)"
        )
    wall = f.seconds or 1.0
    cpu = [f"driver {f.driver_cpu_s:.1f} s ({f.driver_cpu_s / wall:.0%} of one core)"]
    if f.server_cpu_s is not None:
        cpu.append(f"2 server processes {f.server_cpu_s:.1f} s ({f.server_cpu_s / wall:.0%})")
    if f.pg_cpu_s is not None:
        cpu.append(f"PostgreSQL {f.pg_cpu_s:.1f} s ({f.pg_cpu_s / wall:.0%})")
    lines.append(f"  CPU during the storm: {', '.join(cpu)}; the machine has {os.cpu_count()} cores")
    samples = sum(f.pg_waits.values())
    if samples:
        lines.append(
            "  PostgreSQL backends (pg_stat_activity samples):"
            + "".join(f"\n    {n / samples:>6.1%}  {what}" for what, n in f.pg_waits.most_common(8))
        )
    if f.pg_work and f.operations:
        lines.append(
            "  PostgreSQL work per operation: " + ", ".join(f"{v / f.operations:.1f} {k}" for k, v in f.pg_work.items())
        )
    if f.pg_tables and f.operations:
        busiest = sorted(f.pg_tables.items(), key=lambda kv: -(kv[1][1] + kv[1][3]))[:6]
        lines.append(
            "  rows read per operation, busiest tables (sequential scans + index fetches):"
            + "".join(
                f"\n    {(v[1] + v[3]) / f.operations:>8.1f}  {name} ({v[0] / f.operations:.2f} seq scans, "
                f"{v[1] / f.operations:.1f} rows by them; {v[2] / f.operations:.1f} index scans)"
                for name, v in busiest
            )
        )
    lock_waits = Counter({q: n for q, n in list(f.pg_lock_waits.items()) if n > 0})  # one snapshot, then shares
    waits = sum(lock_waits.values())
    if waits:
        lines.append(
            "  statements waiting for a row lock (share of those samples):"
            + "".join(f"\n    {n / waits:>6.1%}  {query}" for query, n in lock_waits.most_common(5))
        )
    if f.pg_statements and f.operations:
        lines.append(
            "  PostgreSQL time by statement (pg_stat_statements; ms per operation, calls per operation):"
            + "".join(
                f"\n    {ms / f.operations:>7.3f} ms  {calls / f.operations:>5.2f}×  {query[:110]}"
                for query, calls, ms, _ in f.pg_statements
            )
        )
    lines.append("  on the server afterwards: " + ", ".join(f"{n:,} {what}" for what, n in sorted(f.books.items())))
    for name, took, what in f.drills:
        lines.append(f"  drill {name}: {what} ({took:.1f} s)")
    problems = f.all_problems
    checks = ", ".join(f.problems) or "none"
    lines.append(
        f"  checks ({checks}): "
        + ("every operation exactly once, books balanced" if not problems else f"{len(problems)} PROBLEMS")
    )
    lines += [f"    {p}" for p in problems[:30]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 kiosks × 10 operations, for the test suite")
    parser.add_argument("--kiosks", type=int)
    parser.add_argument("--ops", type=int, help="operations per kiosk")
    parser.add_argument("--batch", type=int, default=100, help="items per batch request (≤ 100)")
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of operations replayed (same id)")
    parser.add_argument("--batch-replays", type=float, default=0.05, help="share of batches sent again whole")
    parser.add_argument("--refills", type=float, default=0.1, help="share of operations that are refills")
    parser.add_argument("--concurrency", type=int, help="kiosks syncing at the same moment")
    parser.add_argument("--drills", default="", help=f"comma list of {', '.join(ALL_DRILLS)}, or all")
    parser.add_argument("--pooler", action="store_true", help="PgBouncer (transaction pooling) before PostgreSQL")
    parser.add_argument("--standby", action="store_true", help="a synchronous standby (implied by failover)")
    parser.add_argument(
        "--compare", action="store_true", help="first the same storm without drills, on the same database"
    )
    parser.add_argument("--in-doubt", default="mixed", choices=("status", "resend", "mixed"))
    parser.add_argument("--no-baseline", action="store_true", help="skip pgbench")
    parser.add_argument(
        "--statements", action="store_true", help="load pg_stat_statements and print where PostgreSQL spent its time"
    )
    args = parser.parse_args(argv)
    drills = ALL_DRILLS if args.drills == "all" else tuple(d for d in args.drills.split(",") if d)
    try:
        config = StormConfig(
            kiosks=args.kiosks if args.kiosks is not None else (20 if args.quick else 1000),
            ops_per_kiosk=args.ops if args.ops is not None else (10 if args.quick else 20),
            batch_size=args.batch,
            duplicates=args.duplicates,
            batch_replays=args.batch_replays,
            refills=args.refills,
            drills=drills,
            concurrency=args.concurrency if args.concurrency is not None else (8 if args.quick else 48),
            in_doubt=args.in_doubt,
            statements=args.statements,
            pooler=args.pooler,
            standby=args.standby or "failover" in drills,
        )
    except ValueError as exc:
        parser.error(str(exc))
    with rig_for(config) as rig:
        baseline = None
        if not args.no_baseline:
            assert rig.cluster is not None
            say("pgbench tpcb-like baseline …")
            baseline = pgbench_baseline(rig.cluster, args.quick)
        plain: Storm | None = None
        if args.compare and config.drills:
            calm = replace(config, drills=())
            plain = storm(rig, calm)
            plain.figures.pgbench_tps = baseline
            print()
            print(report(plain.figures, calm, rig))
            print()
        s = storm(rig, config)
        s.figures.pgbench_tps = baseline
        print()
        print(report(s.figures, config, rig))
        if plain is not None:
            print(compare(plain.figures, s.figures))
        failed = s.figures.all_problems or (plain is not None and plain.figures.all_problems)
        return 1 if failed else 0


def compare(plain: Figures, drilled: Figures) -> str:
    """What the drills cost: the drained time beside the same storm without them."""
    extra = drilled.seconds - plain.seconds
    line = (
        f"the drills added {extra:.1f} s to the drain ({plain.seconds:.1f} s without them, "
        f"{drilled.seconds:.1f} s with them)"
    )
    promotion = drilled.failover_seconds
    if promotion is not None:
        verdict = "within" if extra <= promotion + 10 else "beyond"
        line += f"; the failover took {promotion:.1f} s: {verdict} the target of promotion + 10 s"
    return line


if __name__ == "__main__":
    raise SystemExit(main())
