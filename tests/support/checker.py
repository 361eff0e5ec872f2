"""The exactly-once checker: random concurrent workloads against two server processes on one database, every
request and answer kept as a history, then our books and every other party's records checked against it.

Two server processes share one database (a SQLite file, or a PostgreSQL database); a fault proxy stands in
front of each, so a request may go to either process, directly or through a line that loses answers. The
workload, chosen by a seeded random generator, is what kiosks and their PCs do on a bad day:

- bill payments one at a time (`POST /payments`) and day-end batches (`POST /payments/batch`);
- replays of an operation id with the same body, and with a changed body;
- concurrent duplicates: one operation id sent to both processes at the same instant (single and single,
  single and batch, batch and batch);
- the same consumer's same bill paid at the same instant under two operation ids, from one kiosk or two;
- status polls (`GET /payments/{operation_id}`) on the other process while a payment settles, and
  Reconcile Verify calls;
- department faults switched through the admin API (decline once, time-out, lost answer, slow), and
  answers lost on the line (the proxy resets the connection once the server answers);
- recharges left pending by a time-out, pushed past the reconcile "unknown after" time by the shifted
  clock, then asked about on one process (a slow resend) while Verify runs on the other;
- old-portal (CUG code) transfers: one old eMitra ID with two codes redeemed at the same instant on the two
  processes;
- optionally (long runs) kill -9 of the second server process, started again on the same database.

Besides the random load, targeted bursts repeat each race that is known to be delicate many times, on a
department the random load leaves alone (telecom), so that a fault switched for the race is the race's own.

After the load the unknowns are resolved: faults off, the legacy scheduler run, every unfinished payment
asked again (status, then Verify) until none is left or a bounded time has passed. Then the checks, which
judge by the books and the parties' records, not by the exact refusal codes:

- ours: every acknowledged operation is in the books exactly once, with the body first sent; nothing the
  server answered "success" or "failed" later became the other; no wallet below zero; every entry balanced
  and balances equal to the journal (`emitra-server check-ledger` and the admin audit); each kiosk's money
  equals its funding plus its credits minus what it paid and got back;
- the departments (their own records, from the simulated departments' admin API): a bill we failed and reversed
  is not paid there, a bill we call success is paid there, a pending bill with an answer there is a
  disagreement (an unknown without one is reported, not failed); no department bill is paid twice, and no
  bill is in two live payments on our side;
- the old portal (`sim_legacy_limits`, `sim_legacy_codes`): what we accepted and credited per old eMitra ID
  is no more than the limit the portal gave up, and each code was used once, by the transfer it names.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests
from sqlalchemy import Engine, create_engine, text

from server.catalog import load_catalog
from server.core.config import DEFAULT_ADMIN_TOKEN, Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.pgcluster import PgCluster
from tests.support.server import ROOT, ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk

LOAD_BILLERS = ("discom", "phed", "bhamashah")  # the random load and its faults
BURST_BILLER = "telecom"  # the targeted races' own department: no random fault touches it
ALL_BILLERS = (*LOAD_BILLERS, BURST_BILLER)
LOAD_SERVICES = ("ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL", "WATER-PHED", "BHAMASHAH-SEED")
UNFINISHED = ("initiated", "pending")
LIVE = ("initiated", "pending", "success")
UNKNOWN_AFTER_MINUTES = 120  # the age at which Verify once failed an unanswered bill (a rule since removed)
RICH_PAISE = 1_000_000_000  # ₹1,00,00,000 for most kiosks: long runs do not drain them
POOR_PAISE = 2_000_000  # ₹20,000 for one kiosk, so the wallet's floor is met under load
SERVER_ENV = {
    "EMITRA_ARGON2_PROFILE": "fast",
    **LONG_SESSIONS,
    "EMITRA_SCHEDULER_POLL_SECONDS": "0.5",
    "EMITRA_LEGACY_CREDIT_DELAY_MINUTES": "0.01",
}


@dataclass(frozen=True)
class CheckerConfig:
    backend: str = "sqlite"  # sqlite | postgres
    seconds: float = 15.0  # random load; the targeted bursts run beside it until their plan is done
    kiosks: int = 4  # kiosks of the random load (one of them nearly empty)
    workers: int = 4  # threads of random load
    seed: int = 1
    bursts: int = 6  # rounds of the decline race; twice as many of the same-bill and the legacy races
    stale_rounds: int = 2  # rounds of the stale recharge race (three recharges each)
    kill_every: float = 0.0  # seconds between kill -9 of the second server process (0: never)
    resolve_seconds: float = 40.0  # at most this long to resolve what is still unknown
    history_file: Path | None = None  # every request and answer, one JSON line each


# -- the rig: two server processes, one database, a fault proxy in front of each ---------------------------


@dataclass(frozen=True)
class Target:
    url: str
    process: int
    proxied: bool


class Rig:
    """Two server processes on one database (a SQLite file or a PostgreSQL database), a fault proxy each."""

    def __init__(self, work: Path, backend: str, cluster: PgCluster | None = None) -> None:
        if backend not in ("sqlite", "postgres"):
            raise ValueError(f"unknown backend {backend}")
        if backend == "postgres" and cluster is None:
            raise ValueError("the postgres backend needs a cluster")
        self.work = work
        self.backend = backend
        self.cluster = cluster
        self.url = ""
        self.clock = ShiftedClock(work / "clock-offset")
        self.servers: list[ServerProcess] = []
        self.proxies: list[FaultProxy] = []

    def start(self) -> Rig:
        if self.backend == "sqlite":
            self.url = f"sqlite:///{self.work / 'server.sqlite3'}"
        else:
            assert self.cluster is not None
            self.url = self.cluster.create_database("chk")
        migrate(Settings(database_url=self.url))
        env = {**SERVER_ENV, "EMITRA_CLOCK_OFFSET_FILE": str(self.clock.path)}
        for i in (0, 1):
            self.servers.append(ServerProcess(self.url, log_path=self.work / f"server-{i}.log", env=env).start())
        self.proxies = [FaultProxy(s.port).start() for s in self.servers]
        return self

    def stop(self) -> None:
        for proxy in self.proxies:
            proxy.stop()
        for server in self.servers:
            server.stop()

    @property
    def targets(self) -> list[Target]:
        direct = [Target(s.url, i, False) for i, s in enumerate(self.servers)]
        return direct + [Target(p.url, i, True) for i, p in enumerate(self.proxies)]

    def direct(self, process: int) -> Target:
        return Target(self.servers[process].url, process, False)


# -- the history --------------------------------------------------------------------------------------------


@dataclass
class Call:
    seq: int
    thread: str
    tag: str
    process: int
    proxied: bool
    method: str
    path: str
    body: Any
    started: float
    ended: float
    status: int | None
    answer: Any
    error: str | None


@dataclass
class Kiosk:
    code: str
    token: str
    funded: int
    old_emitra_id: str | None = None


@dataclass
class PaymentOp:
    """One operation id of one kiosk and the body first sent under it; what every send of it was answered."""

    kiosk: str
    op_id: str
    body: dict[str, Any]
    tag: str
    views: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (pay | batch | status | verify, view)
    refusals: list[str] = field(default_factory=list)  # codes answered to this very body
    unknown: int = 0  # sends of this body without a definite answer
    changed: list[tuple[int | None, str]] = field(default_factory=list)  # answers to a changed body

    @property
    def total(self) -> int:
        return sum(int(b["amount_paise"]) for b in self.body["bills"])

    @property
    def acknowledged(self) -> bool:
        return bool(self.views)

    @property
    def payment_id(self) -> int | None:
        return int(self.views[0][1]["payment_id"]) if self.views else None


@dataclass
class LegacyOp:
    kiosk: str
    op_id: str
    cug_code: str
    old_emitra_id: str
    tag: str
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    unknown: int = 0


class History:
    """Every request and answer, and per operation what it was answered; safe to use from many threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.seq = itertools.count(1)
        self.payments: dict[tuple[str, str], PaymentOp] = {}
        self.by_kiosk: dict[str, list[PaymentOp]] = defaultdict(list)
        self.legacy: list[LegacyOp] = []
        self.legacy_given: Counter[str] = Counter()  # paise the portal gave up, per old eMitra ID
        self.legacy_rounds: dict[int, tuple[str, list[str], int]] = {}  # round → (old ID, its codes, given up)
        self.counts: Counter[str] = Counter()
        self.server_errors: list[str] = []
        self.checker_errors: list[str] = []
        self.path = path
        self._file = open(path, "w", encoding="utf-8") if path else None  # noqa: SIM115 - closed in close()

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)
            self.counts["requests"] += 1
            if call.status is None:
                self.counts["requests without an answer"] += 1
            elif call.status == 503:
                self.counts["answers 503 (try again)"] += 1
            elif call.status >= 500:
                self.server_errors.append(
                    f"{call.method} {call.path} on process {call.process} [{call.tag}]: "
                    f"{call.status} {json.dumps(call.answer)[:300]}"
                )
            if self._file is not None:
                self._file.write(json.dumps(call.__dict__, default=str) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def new_payment(self, op: PaymentOp) -> PaymentOp:
        with self.lock:
            self.payments[(op.kiosk, op.op_id)] = op
            self.by_kiosk[op.kiosk].append(op)
        return op

    def some_payment(self, rng: random.Random, kiosk: str, acknowledged: bool = False) -> PaymentOp | None:
        with self.lock:
            ops = [op for op in self.by_kiosk.get(kiosk, []) if op.acknowledged or not acknowledged]
            return rng.choice(ops) if ops else None

    def answered(self, op: PaymentOp, source: str, status: int | None, answer: Any, *, changed: bool = False) -> None:
        """What one send of `op` (or a status or Verify call about it) was answered."""
        with self.lock:
            if changed:
                op.changed.append((status, _code(answer)))
            elif status == 200 and isinstance(answer, dict) and "payment_id" in answer:
                op.views.append((source, _brief(answer)))
            elif source not in ("pay", "batch"):
                return  # a status or Verify call that was not answered with the payment tells nothing
            elif status is None or status >= 500:
                op.unknown += 1
            else:
                op.refusals.append(_code(answer))

    def answered_item(self, op: PaymentOp, result: dict[str, Any]) -> None:
        """One item of a day-end batch's answer."""
        if result.get("result") == "done":
            self.answered(op, "batch", 200, result["payment"])
        else:
            status = result.get("status_code")
            self.answered(op, "batch", int(status) if isinstance(status, int) else 422, result)


def _code(answer: Any) -> str:
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        return str(answer["error"].get("code"))
    return "?"


def _brief(view: dict[str, Any]) -> dict[str, Any]:
    return {k: view.get(k) for k in ("payment_id", "status", "total_paise", "reversed_paise")}


# -- consumers: every bill the load pays is a fresh one --------------------------------------------------


class Consumers:
    """Consumer numbers that no other bill of this run has, in each service's format."""

    def __init__(self, seed: int) -> None:
        self.numbers = itertools.count(1)
        self.tag = seed % 100

    def fields(self, service: str) -> dict[str, str]:
        n, t = next(self.numbers), self.tag
        # The last digit is 7: the simulated departments have no consumer …0000 and nothing due on …9999.
        return {
            "ELEC-JVVNL": {"k_no": f"21{t:02d}{n:07d}7"},
            "ELEC-AVVNL": {"k_no": f"31{t:02d}{n:07d}7"},
            "ELEC-JDVVNL": {"k_no": f"41{t:02d}{n:08d}7"},
            "WATER-PHED": {"phed_consumer": f"1{t % 10}{n:07d}7"},
            "TEL-MOBILE-POSTPAID": {"mobile": f"9{t % 10}{n:07d}7"},
            "MOBILE-PREPAID": {"mobile": f"8{t % 10}{n:07d}7", "mobile_operator": "VI"},
            "BHAMASHAH-SEED": {"bhamashah_family_id": f"F{n:06d}", "bank_account": f"31{n:09d}", "ifsc": "SBIN0031234"},
        }[service]


# -- the driver: workload, targeted bursts, faults, kills -----------------------------------------------


class Driver:
    def __init__(self, rig: Rig, config: CheckerConfig, history: History) -> None:
        self.rig = rig
        self.config = config
        self.history = history
        self.consumers = Consumers(config.seed)
        self.local = threading.local()
        self.stop = threading.Event()
        self.bursts_done = threading.Event()
        self.load: list[Kiosk] = []
        self.burst: list[Kiosk] = []
        self.legacy: list[Kiosk] = []
        self.engine: Engine = create_engine(rig.url)
        self.clock_pushed = False
        self.legacy_set: dict[str, tuple[int, list[str], int]] = {}  # old ID → (round, codes, limit set)
        self.legacy_rounds = itertools.count(1)
        self.decline_rounds = itertools.count(1)
        self.same_bill_rounds = itertools.count(1)

    # -- plumbing ---------------------------------------------------------------------------------------
    def http(self) -> requests.Session:
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def request(
        self,
        tag: str,
        target: Target,
        kiosk: Kiosk | None,
        method: str,
        path: str,
        body: Any = None,
        timeout: float = 30,
    ) -> tuple[int | None, Any]:
        headers = (
            {"Authorization": f"Bearer {kiosk.token}"} if kiosk is not None else {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}
        )
        started = time.monotonic()
        status: int | None = None
        answer: Any = None
        error: str | None = None
        try:
            r = self.http().request(method, f"{target.url}/api/v1{path}", json=body, headers=headers, timeout=timeout)
            status = r.status_code
            try:
                answer = r.json()
            except ValueError:
                answer = r.text[:300]
        except requests.RequestException as exc:  # a lost answer, a dead process: the outcome is unknown
            error = type(exc).__name__
        self.history.record(
            Call(
                next(self.history.seq),
                threading.current_thread().name,
                tag,
                target.process,
                target.proxied,
                method,
                path,
                body,
                started,
                time.monotonic(),
                status,
                answer,
                error,
            )
        )
        return status, answer

    def admin(self, process: int, method: str, path: str, body: Any = None) -> tuple[int | None, Any]:
        """An administrator call to one process, or to the other one while that one is down (a kill)."""
        status, answer = self.request("admin", self.rig.direct(process), None, method, "/admin" + path, body)
        if status is None:
            status, answer = self.request("admin", self.rig.direct(1 - process), None, method, "/admin" + path, body)
        return status, answer

    def fault(self, process: int, biller: str, fault: str, *, times: int = -1, delay_ms: int = 0) -> None:
        status, _ = self.admin(
            process, "PUT", f"/billers/{biller}/fault", {"fault": fault, "times": times, "delay_ms": delay_ms}
        )
        if status == 200 and fault != "none":
            self.history.count(f"faults injected: {fault}")

    def read(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    # -- set-up -----------------------------------------------------------------------------------------
    def setup(self) -> None:
        server = self.rig.servers[0]
        tag = f"{self.config.seed % 1000:03d}"

        def kiosk(prefix: str, funds: int, old_emitra_id: str | None = None) -> Kiosk:
            k = WalletKiosk(server, prefix, old_emitra_id=old_emitra_id)
            if funds:
                k.fund(funds)
            token = str(k.http.headers["Authorization"]).removeprefix("Bearer ")
            return Kiosk(k.code, token, funds, old_emitra_id)

        self.load = [kiosk(f"RJ-CHK{tag}", POOR_PAISE if i == 0 else RICH_PAISE) for i in range(self.config.kiosks)]
        self.burst = [kiosk(f"RJ-RACE{tag}", RICH_PAISE) for _ in range(2)]
        self.legacy = [kiosk(f"RJ-OLD{tag}", 0, f"OLD-{tag}-{i}") for i in range(2)]

    @property
    def kiosks(self) -> list[Kiosk]:
        return [*self.load, *self.burst, *self.legacy]

    # -- payments ---------------------------------------------------------------------------------------
    def new_op(
        self, rng: random.Random, kiosk: Kiosk, tag: str, bills: list[dict[str, Any]], offline: bool | None = None
    ) -> PaymentOp:
        body = {
            "operation_id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "bills": bills,
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
            "offline": rng.random() < 0.3 if offline is None else offline,
        }
        self.history.count("operations")
        return self.history.new_payment(PaymentOp(kiosk.code, str(body["operation_id"]), body, tag))

    def fresh_bill(
        self, rng: random.Random, target: Target, kiosk: Kiosk, tag: str, service: str | None = None
    ) -> dict[str, Any] | None:
        """A bill nobody paid yet, as Get Bill Details gives it; None when the department did not answer."""
        service = service or rng.choice(LOAD_SERVICES)
        fields = self.consumers.fields(service)
        status, answer = self.request(
            tag, target, kiosk, "POST", "/bills/fetch", {"service_code": service, "fields": fields}
        )
        if status != 200:
            return None
        amount = answer["payable_now_paise"]
        if amount is None:  # a recharge: the operator's amount within the department's range
            amount = rng.randrange(max(answer["min_paise"], 10_000), min(answer["max_paise"], 50_000) + 1, 100)
        elif answer["partial_allowed"] and rng.random() < 0.5:
            amount = rng.randint(min(answer["min_paise"], amount), amount)
        return {"service_code": service, "fields": fields, "amount_paise": int(amount)}

    def pay(self, tag: str, target: Target, kiosk: Kiosk, op: PaymentOp, body: dict[str, Any] | None = None) -> Any:
        status, answer = self.request(tag, target, kiosk, "POST", "/payments", body or op.body)
        self.history.answered(op, "pay", status, answer, changed=body is not None)
        return answer if status == 200 else None

    def pay_batch(self, tag: str, target: Target, kiosk: Kiosk, ops: list[PaymentOp]) -> None:
        self.history.count("day-end batches")
        status, answer = self.request(tag, target, kiosk, "POST", "/payments/batch", {"items": [op.body for op in ops]})
        if status == 200 and isinstance(answer, dict) and len(answer.get("results", [])) == len(ops):
            for op, result in zip(ops, answer["results"], strict=True):
                self.history.answered_item(op, result)
        else:
            for op in ops:
                self.history.answered(op, "batch", status, answer)

    def status(self, tag: str, target: Target, kiosk: Kiosk, op: PaymentOp) -> Any:
        self.history.count("status polls")
        status, answer = self.request(tag, target, kiosk, "GET", f"/payments/{op.op_id}")
        self.history.answered(op, "status", status, answer)
        return answer if status == 200 else None

    def verify(self, tag: str, target: Target, kiosk: Kiosk, op: PaymentOp, payment_id: int) -> None:
        self.history.count("reconcile verify calls")
        status, answer = self.request(tag, target, kiosk, "POST", f"/wallet/reconcile/payments/{payment_id}/verify")
        if status == 200 and isinstance(answer, dict) and isinstance(answer.get("payment"), dict):
            self.history.answered(op, "verify", status, answer["payment"])

    def at_once(self, *sends: Callable[[], object]) -> None:
        """Run the sends on threads of their own, released at the same instant."""
        barrier = threading.Barrier(len(sends))

        def run(send: Callable[[], object]) -> None:
            barrier.wait()
            send()

        threads = [
            threading.Thread(target=run, args=(s,), name=f"{threading.current_thread().name}+{i}")
            for i, s in enumerate(sends)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def send_as(self, mode: str, tag: str, target: Target, kiosk: Kiosk, op: PaymentOp) -> Callable[[], object]:
        if mode == "batch":
            return lambda: self.pay_batch(tag, target, kiosk, [op])
        return lambda: self.pay(tag, target, kiosk, op)

    def pair(self, rng: random.Random) -> tuple[Target, Target]:
        """One target on each server process, each directly or through its proxy."""
        targets = self.rig.targets
        first = rng.choice([t for t in targets if t.process == 0])
        second = rng.choice([t for t in targets if t.process == 1])
        return (first, second) if rng.random() < 0.5 else (second, first)

    # -- the random load --------------------------------------------------------------------------------
    def worker(self, index: int) -> None:
        rng = random.Random(self.config.seed * 7919 + index)
        actions: list[tuple[Callable[[random.Random], None], int]] = [
            (self.do_pay, 24),
            (self.do_batch, 10),
            (self.do_replay, 12),
            (self.do_changed, 5),
            (self.do_duplicate, 8),
            (self.do_same_bill, 6),
            (self.do_polled_pay, 6),
            (self.do_poll, 8),
            (self.do_verify, 6),
        ]
        choices, weights = [a for a, _ in actions], [w for _, w in actions]
        while not self.stop.is_set():
            self.guarded(rng.choices(choices, weights)[0], rng)

    def guarded(self, action: Callable[[random.Random], None], rng: random.Random) -> None:
        """A mistake of the checker's own is reported with the problems, not lost in a dead thread."""
        try:
            action(rng)
        except Exception as exc:  # any of them: the run goes on and the verdict shows it
            with self.history.lock:
                self.history.checker_errors.append(f"{getattr(action, '__name__', action)}: {exc!r}")

    def do_pay(self, rng: random.Random) -> None:
        kiosk, target = rng.choice(self.load), rng.choice(self.rig.targets)
        bills = [
            b
            for b in (self.fresh_bill(rng, target, kiosk, "pay") for _ in range(rng.choice((1, 1, 1, 2))))
            if b is not None
        ]
        if bills:
            self.pay("pay", target, kiosk, self.new_op(rng, kiosk, "pay", bills))

    def do_batch(self, rng: random.Random) -> None:
        kiosk, target = rng.choice(self.load), rng.choice(self.rig.targets)
        ops = []
        for _ in range(rng.randint(2, 4)):
            bill = self.fresh_bill(rng, target, kiosk, "batch")
            if bill is not None:
                ops.append(self.new_op(rng, kiosk, "batch", [bill], offline=True))
        earlier = self.history.some_payment(rng, kiosk.code)
        if earlier is not None and earlier not in ops and rng.random() < 0.3:
            ops.insert(rng.randrange(len(ops) + 1), earlier)  # a replay inside a later batch
            self.history.count("replays (same id, same body)")
        if ops:
            self.pay_batch("batch", target, kiosk, ops)

    def do_replay(self, rng: random.Random) -> None:
        kiosk, target = rng.choice(self.load), rng.choice(self.rig.targets)
        op = self.history.some_payment(rng, kiosk.code)
        if op is None:
            return
        self.history.count("replays (same id, same body)")
        if rng.random() < 0.7:
            self.pay("replay", target, kiosk, op)
        else:
            self.pay_batch("replay", target, kiosk, [op])

    def do_changed(self, rng: random.Random) -> None:
        kiosk, target = rng.choice(self.load), rng.choice(self.rig.targets)
        op = self.history.some_payment(rng, kiosk.code, acknowledged=True)
        if op is None:
            return
        body = json.loads(json.dumps(op.body))
        if rng.random() < 0.5:
            body["bills"][0]["amount_paise"] += 100
        else:
            body["contact"] = {"mobile": "9123456780"}
        self.history.count("changed replays (same id, another body)")
        self.pay("changed", target, kiosk, op, body)

    def do_duplicate(self, rng: random.Random) -> None:
        kiosk = rng.choice(self.load)
        one, two = self.pair(rng)
        bill = self.fresh_bill(rng, one, kiosk, "duplicate")
        if bill is None:
            return
        op = self.new_op(rng, kiosk, "duplicate", [bill])
        modes = rng.choice((("single", "single"), ("single", "batch"), ("batch", "batch")))
        self.history.count("concurrent duplicates (one id, both processes)")
        self.at_once(
            self.send_as(modes[0], "duplicate", one, kiosk, op), self.send_as(modes[1], "duplicate", two, kiosk, op)
        )

    def do_same_bill(
        self,
        rng: random.Random,
        tag: str = "same-bill",
        service: str | None = None,
        kiosks: tuple[Kiosk, Kiosk] | None = None,
        direct: bool = False,
        slow: bool = False,
    ) -> None:
        if kiosks is None:
            first = rng.choice(self.load[1:] or self.load)
            kiosks = (first, first) if rng.random() < 0.5 else (first, rng.choice(self.load[1:] or self.load))
        one, two = (self.rig.direct(0), self.rig.direct(1)) if direct else self.pair(rng)
        bill = self.fresh_bill(rng, one, kiosks[0], tag, service)
        if bill is None:
            return
        ops = [self.new_op(rng, k, tag, [bill]) for k in kiosks]
        self.history.count("same bill, two operation ids, at once")
        if slow:  # the department takes its time over the first: the second arrives while it is at work
            self.fault(0, BURST_BILLER, "slow", times=2, delay_ms=400)
        self.at_once(lambda: self.pay(tag, one, kiosks[0], ops[0]), lambda: self.pay(tag, two, kiosks[1], ops[1]))
        if slow:
            self.fault(0, BURST_BILLER, "none")

    def polled_pay(
        self, rng: random.Random, tag: str, kiosk: Kiosk, pay_at: Target, poll_at: Target, op: PaymentOp, pollers: int
    ) -> None:
        """Pay on one process while `pollers` threads ask its status on the other until it is answered."""
        done = threading.Event()
        polling = threading.Semaphore(0)

        def poll() -> None:
            first = True
            while not done.is_set():
                self.status(tag, poll_at, kiosk, op)
                if first:
                    polling.release()
                    first = False
                time.sleep(0.002)

        threads = [
            threading.Thread(target=poll, name=f"{threading.current_thread().name}-poll{i}") for i in range(pollers)
        ]
        for t in threads:
            t.start()
        for _ in threads:  # the pay goes out once every poller has had an answer ("no such payment" yet)
            polling.acquire(timeout=10)
        self.pay(tag, pay_at, kiosk, op)
        done.set()
        for t in threads:
            t.join()

    def do_polled_pay(self, rng: random.Random) -> None:
        kiosk = rng.choice(self.load)
        one, two = self.pair(rng)
        bill = self.fresh_bill(rng, one, kiosk, "polled")
        if bill is not None:
            self.polled_pay(rng, "polled", kiosk, one, two, self.new_op(rng, kiosk, "polled", [bill]), 2)

    def do_poll(self, rng: random.Random) -> None:
        kiosk = rng.choice(self.load)
        op = self.history.some_payment(rng, kiosk.code)
        if op is not None:
            self.status("poll", rng.choice(self.rig.targets), kiosk, op)

    def do_verify(self, rng: random.Random) -> None:
        kiosk = rng.choice(self.load)
        op = self.history.some_payment(rng, kiosk.code, acknowledged=True)
        if op is not None and op.payment_id is not None:
            self.verify("verify", rng.choice(self.rig.targets), kiosk, op, op.payment_id)

    def faults(self) -> None:
        """Department faults on the random load's departments, and answers lost on the line."""
        rng = random.Random(self.config.seed * 31 + 1)
        matches = (b"POST /api/v1/payments", b"GET /api/v1/payments/", b"POST /api/v1/wallet/reconcile")
        while not self.stop.wait(rng.uniform(0.3, 1.0)):
            if rng.random() < 0.6:
                kind = rng.choice(("decline", "timeout", "lost_answer", "slow"))
                self.fault(
                    rng.randrange(2),
                    rng.choice(LOAD_BILLERS),
                    kind,
                    times=1 if kind == "decline" else rng.randint(1, 3),
                    delay_ms=rng.randint(200, 900) if kind == "slow" else 0,
                )
            else:
                rng.choice(self.rig.proxies).plan(Fault("lost_answer", match=rng.choice(matches)))

    def killer(self) -> None:
        """kill -9 of the second server process now and then, started again on the same database."""
        rng = random.Random(self.config.seed * 17 + 3)
        server = self.rig.servers[1]
        while not self.stop.wait(self.config.kill_every * rng.uniform(0.5, 1.5)):
            server.kill9()
            self.history.count("kills (kill -9 of a server process)")
            time.sleep(rng.uniform(0.2, 1.0))
            server.start()

    # -- the targeted bursts ----------------------------------------------------------------------------
    def bursts(self) -> None:
        rng = random.Random(self.config.seed * 131 + 7)
        n = self.config.bursts
        # The same-bill and legacy races are cheap and not certain to meet in one round: twice as many.
        plan = (
            ["decline-polled"] * n
            + ["same-bill-one-kiosk"] * n
            + ["same-bill-two-kiosks"] * n
            + ["legacy-two-codes"] * 2 * n
            + ["stale-recharge"] * self.config.stale_rounds
        )
        rng.shuffle(plan)
        try:
            for race in plan:
                if self.stop.is_set():
                    break
                self.history.count(f"targeted races: {race}")
                self.guarded(getattr(self, "race_" + race.replace("-", "_")), rng)
        finally:
            self.fault(0, BURST_BILLER, "none")
            self.bursts_done.set()

    def race_decline_polled(self, rng: random.Random) -> None:
        """Issue 25, 1(a): the department declines once while the payment is being settled on the other
        process. Three ways, in turn: the payment sent to one process while three threads already poll its
        status on the other (the kiosk's own pattern); the payment left pending by a time-out and then asked
        about on both processes at the same instant; a slow resend in flight on one process while a status
        query on the other meets the decline."""
        kiosk = self.burst[0]
        one, two = self.rig.direct(0), self.rig.direct(1)
        bill = self.fresh_bill(rng, one, kiosk, "race-decline", "TEL-MOBILE-POSTPAID")
        if bill is None:
            return
        op = self.new_op(rng, kiosk, "race-decline", [bill])
        way = next(self.decline_rounds) % 3
        if way == 1:
            self.fault(0, BURST_BILLER, "decline", times=1)
            self.polled_pay(rng, "race-decline", kiosk, one, two, op, 3)
            self.fault(0, BURST_BILLER, "none")
            return
        self.fault(0, BURST_BILLER, "timeout", times=1)
        answer = self.pay("race-decline", one, kiosk, op)
        if answer is None or answer["status"] not in UNFINISHED:
            return
        if way == 2:
            self.fault(0, BURST_BILLER, "decline", times=1)
            self.at_once(
                *[lambda: self.status("race-decline", one, kiosk, op)] * 2,
                *[lambda: self.status("race-decline", two, kiosk, op)] * 2,
            )
        else:
            self.fault(0, BURST_BILLER, "slow", times=1, delay_ms=1200)
            resend = threading.Thread(target=self.status, args=("race-decline", two, kiosk, op))
            resend.start()
            time.sleep(0.3)
            self.fault(0, BURST_BILLER, "decline", times=1)
            self.status("race-decline", one, kiosk, op)
            resend.join()
        self.fault(0, BURST_BILLER, "none")

    def race_same_bill_one_kiosk(self, rng: random.Random) -> None:
        """Issue 25, 2: one kiosk pays one bill under two operation ids at once, on both processes; every other
        round the department is slow to answer, so the second payment arrives while the first is there."""
        self.do_same_bill(
            rng,
            "race-same-bill",
            "TEL-MOBILE-POSTPAID",
            (self.burst[0], self.burst[0]),
            True,
            slow=next(self.same_bill_rounds) % 2 == 0,
        )

    def race_same_bill_two_kiosks(self, rng: random.Random) -> None:
        """Issue 25, 2: two kiosks pay one consumer's bill at once, on both processes (slow every other round)."""
        self.do_same_bill(
            rng,
            "race-same-bill",
            "TEL-MOBILE-POSTPAID",
            (self.burst[0], self.burst[1]),
            True,
            slow=next(self.same_bill_rounds) % 2 == 0,
        )

    def race_stale_recharge(self, rng: random.Random) -> None:
        """Issue 25, 1(b): recharges left pending by a time-out and older than the reconcile "unknown after"
        time; a status query resends to a slow department, Verify runs on the other process a moment later."""
        kiosk, count = self.burst[1], 3
        self.fault(0, BURST_BILLER, "timeout", times=count)
        pending: list[tuple[PaymentOp, int]] = []
        for _ in range(count):
            bill = self.fresh_bill(rng, self.rig.direct(0), kiosk, "race-stale", "MOBILE-PREPAID")
            if bill is None:
                continue
            op = self.new_op(rng, kiosk, "race-stale", [bill])
            answer = self.pay("race-stale", self.rig.direct(0), kiosk, op)
            if answer is not None and answer["status"] in UNFINISHED:
                pending.append((op, int(answer["payment_id"])))
        self.fault(0, BURST_BILLER, "none")
        if not self.clock_pushed:
            self.rig.clock.advance(minutes=UNKNOWN_AFTER_MINUTES + 1)
            self.clock_pushed = True
            self.history.count("clock pushed past the reconcile unknown-after time")
        self.fault(0, BURST_BILLER, "slow", times=len(pending), delay_ms=3000)

        def one(op: PaymentOp, payment_id: int) -> None:
            asker = threading.Thread(target=self.status, args=("race-stale", self.rig.direct(0), kiosk, op))
            asker.start()
            time.sleep(0.8)
            self.verify("race-stale", self.rig.direct(1), kiosk, op, payment_id)
            asker.join()

        threads = [threading.Thread(target=one, args=p) for p in pending]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.fault(0, BURST_BILLER, "none")

    def race_legacy_two_codes(self, rng: random.Random) -> None:
        """Issue 25, 3: one old eMitra ID, two CUG codes, redeemed at the same instant on both processes."""
        kiosk = rng.choice(self.legacy)
        old_id = str(kiosk.old_emitra_id)
        self.settle_legacy_limit(old_id)
        limit = rng.randrange(1_000_00, 5_000_00, 100) + 34_00
        n = next(self.legacy_rounds)
        codes = [f"CUG-{old_id}-{n:03d}-{side}" for side in "AB"]
        for process, code in enumerate(codes):
            status, answer = self.admin(
                process, "PUT", f"/wallet/legacy-portal/{old_id}", {"limit_paise": limit, "cug_code": code}
            )
            if status != 200:
                raise RuntimeError(f"the old portal's limit was not set: {status} {answer}")
        self.legacy_set[old_id] = (n, codes, limit)
        ops = [
            LegacyOp(kiosk.code, uuid.UUID(int=rng.getrandbits(128)).hex, code, old_id, "race-legacy") for code in codes
        ]
        with self.history.lock:
            self.history.legacy.extend(ops)
        self.history.count("old-portal transfers requested", 2)
        self.at_once(
            lambda: self.redeem(self.rig.direct(0), kiosk, ops[0]),
            lambda: self.redeem(self.rig.direct(1), kiosk, ops[1]),
        )
        if rng.random() < 0.5:
            self.history.count("replays (same id, same body)")
            self.redeem(self.rig.direct(1), kiosk, ops[0])  # the same request again: the same transfer

    def redeem(self, target: Target, kiosk: Kiosk, op: LegacyOp) -> None:
        status, answer = self.request(
            op.tag,
            target,
            kiosk,
            "POST",
            "/wallet/refill/existing-emitra",
            {"operation_id": op.op_id, "cug_code": op.cug_code},
        )
        with self.history.lock:
            if status == 200 and isinstance(answer, dict) and "transfer_id" in answer:
                op.accepted.append({"transfer_id": answer["transfer_id"], "amount_paise": answer["amount_paise"]})
            elif status is None or status >= 500:
                op.unknown += 1
            else:
                op.refusals.append(_code(answer))

    def settle_legacy_limit(self, old_id: str) -> None:
        """Count what the portal gave up since its limit was last set (before it is set again, or at the end)."""
        if old_id not in self.legacy_set:
            return
        left = self.read("SELECT limit_paise FROM sim_legacy_limits WHERE old_emitra_id = :o", o=old_id)
        remaining = int(left[0][0]) if left else 0
        n, codes, limit = self.legacy_set.pop(old_id)
        self.history.legacy_given[old_id] += limit - remaining
        self.history.legacy_rounds[n] = (old_id, codes, limit - remaining)

    # -- the run ----------------------------------------------------------------------------------------
    def run(self) -> None:
        threads = [threading.Thread(target=self.worker, args=(i,), name=f"load{i}") for i in range(self.config.workers)]
        threads.append(threading.Thread(target=self.faults, name="faults"))
        threads.append(threading.Thread(target=self.bursts, name="bursts"))
        if self.config.kill_every > 0:
            threads.append(threading.Thread(target=self.killer, name="killer"))
        for t in threads:
            t.start()
        deadline = time.monotonic() + self.config.seconds
        while time.monotonic() < deadline or not self.bursts_done.is_set():
            time.sleep(0.1)
        self.stop.set()
        for t in threads:
            t.join()
        if self.rig.servers[1].proc is None or self.rig.servers[1].proc.poll() is not None:
            self.rig.servers[1].start()  # a kill at the very end leaves it down

    def resolve(self) -> None:
        """Resolve what is unknown: faults off, due credits run, unfinished payments asked again, then Verify."""
        for biller in ALL_BILLERS:
            self.fault(0, biller, "none")
        for proxy in self.rig.proxies:
            proxy.clear()
        for old_id in list(self.legacy_set):
            self.settle_legacy_limit(old_id)
        deadline = time.monotonic() + self.config.resolve_seconds
        while time.monotonic() < deadline and self.read("SELECT id FROM legacy_transfers WHERE status = 'scheduled'"):
            self.admin(0, "POST", "/wallet/scheduler/run")
            time.sleep(0.3)
        by_code = {k.code: k for k in self.kiosks}
        rounds = 0
        while time.monotonic() < deadline:
            pending = self.read(
                "SELECT k.code, p.operation_id, p.id FROM payments p JOIN kiosks k "
                "ON k.id = p.kiosk_id WHERE p.status IN ('initiated', 'pending')"
            )
            if not pending:
                break
            for i, (code, op_id, payment_id) in enumerate(pending):
                op = self.history.payments.get((code, op_id))
                if op is None:
                    continue  # not ours: the checks report it
                target = self.rig.direct(i % 2)
                self.history.count("asked again while resolving")
                self.status("resolve", target, by_code[code], op)
                if rounds >= 1:
                    self.verify("resolve", target, by_code[code], op, int(payment_id))
            rounds += 1
            time.sleep(0.2)


# -- the checks ---------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """The figures of a run and every problem found, by the party it is with."""

    figures: dict[str, int]
    problems: dict[str, list[str]]
    unknowns: list[str]
    seconds: float = 0.0

    @property
    def all_problems(self) -> list[str]:
        return [p for found in self.problems.values() for p in found]

    def report(self, config: CheckerConfig | None = None, shown: int = 6) -> str:
        lines = []
        if config is not None:
            lines.append(
                f"exactly-once checker: {config.backend}, seed {config.seed}, {config.seconds:g} s of "
                f"random load, {config.kiosks} kiosks, {config.workers} workers, {config.bursts} rounds of "
                f"each targeted race; took {self.seconds:.0f} s"
            )
        width = max(len(k) for k in self.figures) + 2
        lines += [f"  {name:<{width}}{value:>8,}" for name, value in self.figures.items()]
        for party, found in self.problems.items():
            lines.append(f"{party}: {len(found)} problem(s)")
            lines += [f"    - {p}" for p in found[:shown]]
            if len(found) > shown:
                lines.append(f"    … and {len(found) - shown} more")
        if self.unknowns:
            lines.append(f"unknown after resolving (not counted as failures): {len(self.unknowns)}")
            lines += [f"    - {u}" for u in self.unknowns[:shown]]
        lines.append("every check passed" if not self.all_problems else f"{len(self.all_problems)} problem(s) in all")
        return "\n".join(lines)


def check(driver: Driver) -> Verdict:
    history, read = driver.history, driver.read
    catalog = load_catalog()
    problems: dict[str, list[str]] = defaultdict(list)
    unknowns: list[str] = []

    payments = read(
        "SELECT p.id, k.code, p.operation_id, p.status, p.method, p.total_paise, p.reversed_paise "
        "FROM payments p JOIN kiosks k ON k.id = p.kiosk_id"
    )
    bills = read(
        "SELECT id, payment_id, service_code, biller, consumer_no, bill_no, reference, status, "
        "amount_paise FROM payment_bills"
    )
    department = [
        SimpleNamespace(
            biller=d["department"],
            reference=d["reference"],
            service_code=d["service_code"],
            consumer_no=d["consumer_no"],
            bill_no=d["bill_no"],
            status="success" if d["result"] == "success" else "failed",
        )
        for d in driver.rig.servers[0].department_payments()
    ]
    op_of = {int(p.id): (str(p.code), str(p.operation_id)) for p in payments}

    def tag(payment_id: int) -> str:
        op = history.payments.get(op_of.get(payment_id, ("", "")))
        return op.tag if op is not None else "not ours"

    # -- ours: each operation once, as first sent; answers never contradicted ----------------------------
    in_books: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for p in payments:
        in_books[(str(p.code), str(p.operation_id))].append(p)
    bills_of: dict[int, list[Any]] = defaultdict(list)
    for b in bills:
        bills_of[int(b.payment_id)].append(b)
    for key, op in history.payments.items():
        found = in_books.get(key, [])
        where = f"{op.kiosk} operation {op.op_id} [{op.tag}]"
        if len(found) > 1:
            problems["doubled"].append(f"{where} is in the books {len(found)} times")
        if op.acknowledged and not found:
            problems["lost"].append(f"{where} was answered {op.views[0][1]['status']} but is not in the books")
            continue
        if not found:
            continue
        p = found[0]
        if int(p.total_paise) != op.total or len(bills_of[int(p.id)]) != len(op.body["bills"]):
            problems["answers"].append(
                f"{where} is in the books for {p.total_paise} paise, "
                f"{len(bills_of[int(p.id)])} bills; first sent for {op.total}"
            )
        if op.views and any(int(v["payment_id"]) != int(p.id) for _, v in op.views):
            problems["answers"].append(f"{where} was answered with another payment than the one in the books")
        said = {v["status"] for _, v in op.views}
        if "success" in said and p.status != "success":
            problems["answers"].append(f"{where} was answered success, the books now say {p.status}")
        if "failed" in said and p.status != "failed":
            problems["answers"].append(f"{where} was answered failed (money back), the books now say {p.status}")
        if op.refusals and not op.views and not op.unknown:
            problems["answers"].append(f"{where} was only ever refused ({', '.join(op.refusals)}) yet is in the books")
    for key in set(in_books) - set(history.payments):
        problems["answers"].append(f"payment {key} is in the books but no kiosk of this run sent it")

    # -- ours: money ---------------------------------------------------------------------------------------
    balances = read(
        "SELECT a.code, b.balance, b.floor FROM account_balances b JOIN accounts a "
        "ON a.id = b.account_id WHERE a.kiosk_id IS NOT NULL"
    )
    held: Counter[str] = Counter()
    for row in balances:
        held[str(row.code)] += int(row.balance)
        if row.floor is not None and int(row.balance) < int(row.floor):
            problems["overdrawn"].append(f"{row.code}: balance {row.balance} below its floor {row.floor}")
    for account, balance in held.items():
        if account.endswith(":wallet") and balance < 0:
            problems["overdrawn"].append(f"{account}: {balance} paise")
    credited = {
        str(r.code): int(r.total)
        for r in read(
            "SELECT a.code, SUM(l.amount) AS total FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
            "JOIN accounts a ON a.id = l.account_id WHERE e.kind = 'refill_legacy' GROUP BY a.code"
        )
    }
    failed_back: Counter[int] = Counter()
    for b in bills:
        if b.status == "failed":
            failed_back[int(b.payment_id)] += int(b.amount_paise)
    spent: Counter[str] = Counter()
    for p in payments:
        if p.method == "wallet":
            spent[str(p.code)] += int(p.total_paise) - failed_back[int(p.id)]
            if int(p.reversed_paise) != failed_back[int(p.id)]:
                problems["ledger"].append(
                    f"payment {p.id} [{tag(int(p.id))}] reversed {p.reversed_paise} paise; "
                    f"its failed bills come to {failed_back[int(p.id)]}"
                )
    for k in driver.kiosks:
        have = held[f"kiosk:{k.code}:wallet"] + held[f"kiosk:{k.code}:credit"]
        owed = k.funded + credited.get(f"kiosk:{k.code}:wallet", 0) - spent[k.code]
        if have != owed:
            problems["ledger"].append(
                f"{k.code} holds {have} paise; funding + credits − payments + reversals come to {owed}"
            )
    for e in read(
        "SELECT l.entry_id, SUM(l.amount) AS total, COUNT(*) AS n FROM journal_lines l "
        "GROUP BY l.entry_id HAVING SUM(l.amount) <> 0 OR COUNT(*) < 2"
    ):
        problems["ledger"].append(f"journal entry {e.entry_id} does not balance: sum {e.total} over {e.n} lines")
    status, answer = driver.admin(0, "GET", "/ledger/audit")
    if status != 200:
        problems["ledger"].append(f"the admin audit answered {status}")
    else:
        problems["ledger"] += [f"audit: {p}" for p in answer["problems"]]
    cli = subprocess.run(
        [sys.executable, "-m", "server.cli", "check-ledger"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EMITRA_DATABASE_URL": driver.rig.url, "EMITRA_MODE": "demo"},
    )
    if cli.returncode != 0:
        problems["ledger"].append(f"check-ledger: {(cli.stdout + cli.stderr).strip()[-500:]}")

    # -- the departments -----------------------------------------------------------------------------------
    paid_there: dict[tuple[str, str], list[Any]] = defaultdict(list)
    per_bill: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for d in department:
        if d.status == "success":
            paid_there[(str(d.biller), str(d.reference))].append(d)
            service = catalog.services.get(str(d.service_code))
            if d.bill_no is not None and service is not None and service.kind == "bill":
                per_bill[(str(d.biller), str(d.consumer_no), str(d.bill_no))].append(d)
    ours = {(str(b.biller), str(b.reference)): b for b in bills}
    for b in bills:
        there = len(paid_there.get((str(b.biller), str(b.reference)), []))
        what = f"bill {b.reference} ({b.service_code} {b.consumer_no}) [{tag(int(b.payment_id))}]"
        if b.status == "failed" and there:
            problems["departments"].append(f"{what}: failed and refunded here, paid at the department")
        elif b.status == "success" and not there:
            problems["departments"].append(f"{what}: success here, the department has no payment")
        elif b.status in UNFINISHED and there:
            problems["departments"].append(f"{what}: still {b.status} here, though the department holds it paid")
        elif b.status in UNFINISHED:
            unknowns.append(f"{what}: {b.status}, the department has no record")
    for key in set(paid_there) - set(ours):
        problems["departments"].append(f"the department {key[0]} holds payment {key[1]} that we have no bill for")
    for (biller, consumer_no, bill_no), rows in per_bill.items():
        if len(rows) > 1:
            tags = sorted(
                {
                    tag(int(ours[(biller, str(r.reference))].payment_id))
                    for r in rows
                    if (biller, str(r.reference)) in ours
                }
            )
            problems["doubled"].append(
                f"department bill {biller} {consumer_no} {bill_no} is paid {len(rows)} times "
                f"there (references {', '.join(str(r.reference) for r in rows)}) "
                f"[{', '.join(tags)}]"
            )
    live: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for b in bills:
        service = catalog.services.get(str(b.service_code))
        if b.status in LIVE and b.bill_no is not None and service is not None and service.kind == "bill":
            live[(str(b.biller), str(b.consumer_no), str(b.bill_no))].append(b)
    for (biller, consumer_no, bill_no), rows in live.items():
        if len(rows) > 1:
            problems["doubled"].append(
                f"bill {biller} {consumer_no} {bill_no} is in {len(rows)} live payments here "
                f"({', '.join(f'{r.reference} {r.status}' for r in rows)}) "
                f"[{tag(int(rows[0].payment_id))}]"
            )

    # -- the old portal ------------------------------------------------------------------------------------
    transfers = read(
        "SELECT t.id, k.code, t.operation_id, t.cug_code, t.old_emitra_id, t.legacy_ref, "
        "t.amount_paise, t.status FROM legacy_transfers t JOIN kiosks k ON k.id = t.kiosk_id"
    )
    codes = read("SELECT code, old_emitra_id, used_reference FROM sim_legacy_codes")
    accepted: Counter[str] = Counter()
    for t in transfers:
        accepted[str(t.old_emitra_id)] += int(t.amount_paise)
        if t.status != "credited":
            unknowns.append(f"legacy transfer {t.legacy_ref}: still {t.status}")
    for old_id in sorted(set(accepted) | set(history.legacy_given)):
        given = history.legacy_given[old_id]
        if accepted[old_id] > given:
            problems["old portal"].append(
                f"old eMitra ID {old_id}: the portal gave up {given} paise, we accepted "
                f"{accepted[old_id]} ({accepted[old_id] - given} too many)"
            )
    for n, (old_id, round_codes, given) in sorted(history.legacy_rounds.items()):
        took = sum(int(t.amount_paise) for t in transfers if t.cug_code in round_codes)
        if took > given:
            problems["old portal"].append(
                f"old eMitra ID {old_id}, round {n}: codes {', '.join(round_codes)} "
                f"redeemed at once; the portal gave up {given} paise, we accepted {took} "
                f"[race-legacy]"
            )
    for k in driver.legacy:
        due = sum(int(t.amount_paise) for t in transfers if t.code == k.code and t.status == "credited")
        if credited.get(f"kiosk:{k.code}:wallet", 0) != due:
            problems["old portal"].append(
                f"{k.code}: credited {credited.get(f'kiosk:{k.code}:wallet', 0)} paise, "
                f"its credited transfers come to {due}"
            )
    by_code = {str(c.code): c for c in codes}
    for t in transfers:
        c = by_code.get(str(t.cug_code))
        if c is None or c.used_reference != t.legacy_ref or c.old_emitra_id != t.old_emitra_id:
            problems["old portal"].append(
                f"transfer {t.legacy_ref} used code {t.cug_code}, which the portal does not record as used by it"
            )
    used_refs = {str(t.legacy_ref) for t in transfers}
    for c in codes:
        if c.used_reference is not None and c.used_reference not in used_refs:
            problems["old portal"].append(
                f"code {c.code} is used at the portal by {c.used_reference}, which is no transfer of ours"
            )
    for op in history.legacy:
        mine = [t for t in transfers if t.code == op.kiosk and t.operation_id == op.op_id]
        if op.accepted and not mine:
            problems["lost"].append(f"legacy request {op.op_id} was accepted but is not in the books")
        if any(int(a["transfer_id"]) != int(mine[0].id) for a in op.accepted if mine):
            problems["answers"].append(f"legacy request {op.op_id} was answered with another transfer")
    problems["server errors"] = list(history.server_errors)
    problems["checker"] = list(history.checker_errors)

    verdict = {k: v for k, v in problems.items() if v}
    refunded = [p for p in problems["departments"] if "refunded here, paid at the department" in p]
    twice = [p for p in problems["doubled"] if p.startswith("department bill")]

    def by(found: list[str], tag: str) -> int:
        return sum(1 for p in found if f"[{tag}" in p or (tag == "random" and "[race-" not in p))

    refused = Counter(code for op in history.payments.values() for code in op.refusals)
    figures = {
        "payment operations": len(history.payments),
        "  acknowledged": sum(1 for op in history.payments.values() if op.acknowledged),
        "  only ever refused": sum(1 for op in history.payments.values() if op.refusals and not op.views),
        "day-end batches": history.counts["day-end batches"],
        "replays (same id, same body)": history.counts["replays (same id, same body)"],
        "changed replays (same id, another body)": history.counts["changed replays (same id, another body)"],
        "concurrent duplicates (one id, both processes)": history.counts[
            "concurrent duplicates (one id, both processes)"
        ],
        "same bill, two operation ids, at once": history.counts["same bill, two operation ids, at once"],
        "status polls": history.counts["status polls"],
        "reconcile verify calls": history.counts["reconcile verify calls"],
        "old-portal transfers requested": len(history.legacy),
        "kills (kill -9 of a server process)": history.counts["kills (kill -9 of a server process)"],
        "faults injected": sum(v for k, v in history.counts.items() if k.startswith("faults injected")),
        **{
            f"  {k.removeprefix('faults injected: ')}": v
            for k, v in sorted(history.counts.items())
            if k.startswith("faults injected: ")
        },
        "lost answers (line reset after the server answered)": sum(
            p.applied.count("lost_answer") for p in driver.rig.proxies
        ),
        "requests": history.counts["requests"],
        "requests without an answer": history.counts["requests without an answer"],
        "answers 503 (try again)": history.counts["answers 503 (try again)"],
        **{f"  refused {code}": n for code, n in refused.most_common(6)},
        "lost": len(problems["lost"]),
        "doubled": len(problems["doubled"]),
        "  department bills paid twice": len(twice),
        "    in the same-bill races": by(twice, "race-same-bill"),
        "    in the random load ": by(twice, "random"),
        "  bills in two live payments here": sum(1 for p in problems["doubled"] if p.startswith("bill ")),
        "overdrawn": len(problems["overdrawn"]),
        "disagreements with departments": len(problems["departments"]),
        "  refunded here, paid at the department": len(refunded),
        "    in the decline races (1a)": by(refunded, "race-decline"),
        "    in the stale recharge races (1b)": by(refunded, "race-stale"),
        "    in the random load": by(refunded, "random"),
        "disagreements with the old portal": len(problems["old portal"]),
        "  rounds credited beyond the limit given up": sum(1 for p in problems["old portal"] if ", round " in p),
        "answers contradicted by the books": len(problems["answers"]),
        "ledger problems": len(problems["ledger"]),
        "server errors (5xx other than 503)": len(problems["server errors"]),
        "unknown after resolving": len(unknowns),
    }
    return Verdict(figures, verdict, unknowns)


def run(
    config: CheckerConfig, work: Path, cluster: PgCluster | None = None, say: Callable[[str], None] = print
) -> Verdict:
    """One whole run: start the rig, drive the load and the bursts, resolve the unknowns, check; the rig is
    stopped whatever happens."""
    started = time.monotonic()
    rig = Rig(work, config.backend, cluster).start()
    history = History(config.history_file)
    driver = Driver(rig, config, history)
    try:
        say(f"checker: {config.backend}, setting up kiosks …")
        driver.setup()
        say(f"checker: load for {config.seconds:g} s and the targeted races …")
        driver.run()
        say("checker: resolving what is unknown …")
        driver.resolve()
        verdict = check(driver)
    finally:
        history.close()
        driver.engine.dispose()
        rig.stop()
    verdict.seconds = time.monotonic() - started
    return verdict
