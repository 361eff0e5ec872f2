"""The kiosk's health to the centre: facts gathered from what this PC records (no customer data), sent hourly.

The clock offset: the server measures it from the report's `client_time` against its own clock (accurate to the
one-way delay, well under the 2 minutes that matter), answers it with `server_time`, and the kiosk also checks it
from the answer's `server_time` against the midpoint of the round trip. A refusal for a report sent too soon
(429) carries `server_time` too, so the clock check never waits for the window."""

from __future__ import annotations

import logging
import platform
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk_app import __version__
from kiosk_app.api import ApiClient
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import HealthReportPublic
from kiosk_app.errors import KioskError, Refused
from kiosk_app.worker import Worker
from offline_cache.store import LocalStore

log = logging.getLogger("emitra.sync")

CLOCK_TOLERANCE_S = 120.0
REPORT_INTERVAL_MS = 3_600_000  # hourly; the server refuses more than one report in its window (429)


@dataclass(frozen=True)
class HealthFacts:
    """One report's body: what the centre needs to see a kiosk in trouble, nothing of its customers."""

    version: str
    os: str
    printer_profile: str
    printer_status: str  # ok, unknown, failing, none: the last receipt's fate in the spool
    queue_length: int
    oldest_queued_seconds: int | None
    last_sync_at: str | None
    free_disk_bytes: int
    print_failures: int
    refused_operations: int
    sync_failures: int


@dataclass(frozen=True)
class HealthOutcome:
    sent: bool
    clock_offset_s: float | None  # kiosk − server; None when the server was not heard
    reason: str = ""

    @property
    def clock_off(self) -> bool:
        return self.clock_offset_s is not None and abs(self.clock_offset_s) > CLOCK_TOLERANCE_S


def _printer_status(store: LocalStore) -> str:
    last = store.spool.recent(1)
    if not last:
        return "none"
    receipt = last[0]
    if receipt.printed:
        return "ok" if receipt.last_error is None else "unknown"
    return "failing" if receipt.last_error else "unknown"


def _age_seconds(iso: str | None, now: datetime) -> int | None:
    if iso is None:
        return None
    at = datetime.fromisoformat(iso)
    return max(0, int((now - (at if at.tzinfo else at.replace(tzinfo=UTC))).total_seconds()))


def gather(store: LocalStore, *, printer_profile: str, disk_path: Path) -> HealthFacts:
    """On the database worker: the facts as this PC records them now."""
    now = datetime.now(UTC)
    last = store.state.last_sync()
    return HealthFacts(
        version=__version__,
        os=platform.platform(terse=True)[:80] or "unknown",
        printer_profile=printer_profile[:80],
        printer_status=_printer_status(store),
        queue_length=store.outbox.queue_length(),
        oldest_queued_seconds=_age_seconds(store.outbox.oldest_unconfirmed_at(), now),
        last_sync_at=None if last is None else last.finished_at or last.started_at,
        free_disk_bytes=shutil.disk_usage(disk_path).free,
        print_failures=sum(1 for r in store.spool.pending() if r.last_error),
        refused_operations=len(store.outbox.for_reconcile()),
        sync_failures=0 if last is None or last.outcome in (None, "complete") else 1,
    )


def _offset_s(server_time: str, sent: float, answered: float) -> float:
    server = datetime.fromisoformat(server_time.replace("Z", "+00:00")).timestamp()
    return (sent + answered) / 2 - server


class KioskHealth:
    """Send a report (after sign-in, then hourly); skipped while offline, the next one comes later."""

    def __init__(
        self, api: ApiClient, store: LocalStore, worker: Worker, connectivity: Connectivity, disk_path: Path
    ) -> None:
        self.api = api
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self.disk_path = disk_path

    def body(self, printer_profile: str) -> dict[str, Any]:
        facts = self.worker.call(gather, self.store, printer_profile=printer_profile, disk_path=self.disk_path)
        body = asdict(facts)
        if body["last_sync_at"] is not None:
            at = datetime.fromisoformat(body["last_sync_at"])
            body["last_sync_at"] = (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()
        return body

    def report(self, printer_profile: str) -> HealthOutcome:
        """Not from the GUI thread: reads SQLite on the worker, then one POST."""
        if self.connectivity.online is False:
            return HealthOutcome(False, None, "offline")
        body = self.body(printer_profile)
        sent = time.time()
        body["client_time"] = datetime.fromtimestamp(sent, UTC).isoformat()
        try:
            answer = HealthReportPublic.parse(self.api.post("/kiosk/health", body))
        except Refused as exc:
            server_time = exc.details.get("server_time")
            offset = _offset_s(server_time, sent, time.time()) if isinstance(server_time, str) else None
            return HealthOutcome(False, offset, exc.error_code)
        except KioskError as exc:
            log.info("health report not sent: %s", exc)
            return HealthOutcome(False, None, exc.code)
        return HealthOutcome(True, _offset_s(answer.server_time, sent, time.time()))
