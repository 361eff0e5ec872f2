"""The fleet's health: each kiosk's report stored (latest + a short history, pruned on write), kiosks
listed by problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from server.auth.clock import aware
from server.core.config import Settings
from server.core.errors import ApiError
from server.models import Kiosk, KioskHealth, KioskHealthReport
from server.models.base import table_of

latest_t = table_of(KioskHealth)
history_t = table_of(KioskHealthReport)
kiosks_t = table_of(Kiosk)

HISTORY_REPORTS = 48  # per kiosk: two days of hourly reports
HISTORY_DAYS = 7
QUEUE_STALE = timedelta(days=1)
PROBLEMS = ("old_version", "printer_failing", "queue_stale", "clock_off", "silent")
FAILING_PRINTER = frozenset({"failing"})

FACTS = (
    "version",
    "os",
    "printer_profile",
    "printer_status",
    "queue_length",
    "oldest_queued_seconds",
    "last_sync_at",
    "clock_offset_ms",
    "free_disk_bytes",
    "print_failures",
    "refused_operations",
    "sync_failures",
)


def _upsert(conn: Connection, row: dict[str, Any], window_start: datetime) -> bool:
    """The latest row replaced only when the previous report is older than the window: the rate limit and the
    write are one statement, so two server processes cannot both let a kiosk's second report in."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(latest_t).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[latest_t.c.kiosk_id],
        set_={c: stmt.excluded[c] for c in ("received_at", *FACTS)},
        where=latest_t.c.received_at <= window_start,
    )
    # RETURNING names only a row written: rowcount of an upsert whose WHERE held it back differs by driver.
    return conn.execute(stmt.returning(latest_t.c.kiosk_id)).first() is not None


class ReportTooSoon(ApiError):
    status = 429
    code = "health_report_too_soon"


def version_key(version: str) -> tuple[int, ...]:
    """'0.10.2' → (0, 10, 2); the request field allows only dotted numbers."""
    return tuple(int(part) for part in version.split("."))


def record(conn: Connection, kiosk_id: int, facts: dict[str, Any], now: datetime, settings: Settings) -> None:
    """Store one kiosk's report (the server's time dates it); ReportTooSoon when the last one is within the window."""
    window = timedelta(seconds=settings.fleet_report_interval_seconds)
    row = {"kiosk_id": kiosk_id, "received_at": now, **{f: facts[f] for f in FACTS}}
    if not _upsert(conn, row, now - window):
        last = conn.execute(select(latest_t.c.received_at).where(latest_t.c.kiosk_id == kiosk_id)).scalar_one()
        wait = max(1, int((aware(last) + window - now).total_seconds()) + 1)
        raise ReportTooSoon(
            f"a health report was received in the last {window.seconds // 60 or 1} minutes; send the next one later",
            retry_after_seconds=wait,
            server_time=now.isoformat(),
        )
    conn.execute(insert(history_t).values(**row))
    keep = (
        select(history_t.c.id)
        .where(history_t.c.kiosk_id == kiosk_id)
        .order_by(history_t.c.received_at.desc(), history_t.c.id.desc())
        .limit(HISTORY_REPORTS)
        .scalar_subquery()
    )
    conn.execute(
        delete(history_t).where(
            history_t.c.kiosk_id == kiosk_id,
            (history_t.c.received_at < now - timedelta(days=HISTORY_DAYS)) | history_t.c.id.not_in(keep),
        )
    )


@dataclass(frozen=True)
class FleetRules:
    newest_version: str | None
    minimum_version: str
    now: datetime
    settings: Settings

    @property
    def required(self) -> tuple[int, ...]:
        floor = version_key(self.minimum_version) if self.minimum_version.replace(".", "").isdigit() else (0,)
        newest = version_key(self.newest_version) if self.newest_version else (0,)
        return max(floor, newest)

    def problems(self, row: Any) -> list[str]:
        if row.received_at is None:
            return ["silent"]
        found = []
        if version_key(row.version) < self.required:
            found.append("old_version")
        if row.printer_status in FAILING_PRINTER:
            found.append("printer_failing")
        if row.oldest_queued_seconds is not None and row.oldest_queued_seconds > QUEUE_STALE.total_seconds():
            found.append("queue_stale")
        if abs(row.clock_offset_ms) > self.settings.fleet_clock_tolerance_seconds * 1000:
            found.append("clock_off")
        if aware(row.received_at) < self.now - timedelta(hours=self.settings.fleet_silent_hours):
            found.append("silent")
        return found


def fleet(
    conn: Connection, now: datetime, settings: Settings, *, problem: str | None = None, limit: int = 500
) -> dict[str, Any]:
    """Active kiosks with at least one problem (or only `problem`), the worst first, and the count of each."""
    versions = conn.execute(select(latest_t.c.version).distinct()).scalars().all()
    newest = max(versions, key=version_key) if versions else None
    rules = FleetRules(newest, settings.fleet_minimum_version, now, settings)
    rows = conn.execute(
        select(kiosks_t.c.code, *[latest_t.c[f] for f in ("received_at", *FACTS)])
        .select_from(kiosks_t.outerjoin(latest_t, latest_t.c.kiosk_id == kiosks_t.c.id))
        .where(kiosks_t.c.status == "active")
        .order_by(kiosks_t.c.code)
    ).all()
    counts = dict.fromkeys(PROBLEMS, 0)
    listed: list[dict[str, Any]] = []
    reporting = 0
    for row in rows:
        reporting += row.received_at is not None
        found = rules.problems(row)
        for p in found:
            counts[p] += 1
        if not found or (problem is not None and problem not in found):
            continue
        listed.append(
            {
                "kiosk_code": row.code,
                "problems": found,
                "received_at": None if row.received_at is None else aware(row.received_at),
                **{f: getattr(row, f) for f in FACTS},
                "last_sync_at": None if row.last_sync_at is None else aware(row.last_sync_at),
            }
        )
    listed.sort(key=lambda k: (-len(k["problems"]), k["kiosk_code"]))
    total = conn.execute(select(func.count()).select_from(history_t)).scalar_one()
    return {
        "server_time": now,
        "newest_version": newest,
        "required_version": ".".join(map(str, rules.required)),
        "kiosks_active": len(rows),
        "kiosks_reporting": reporting,
        "history_reports": total,
        "counts": counts,
        "kiosks": listed[:limit],
        "more": max(0, len(listed) - limit),
    }
