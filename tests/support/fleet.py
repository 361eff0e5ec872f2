"""A kiosk's health report as the client sends it (POST /api/v1/kiosk/health): a healthy PC's facts, with what a
test or benchmark wants changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def health_facts(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_time": datetime.now(UTC).isoformat(),
        "version": "0.1.0",
        "os": "Windows-10-10.0.19045",
        "printer_profile": "TM-T82III, 80 mm",
        "printer_status": "ok",
        "queue_length": 0,
        "oldest_queued_seconds": None,
        "last_sync_at": None,
        "free_disk_bytes": 40_000_000_000,
        "print_failures": 0,
        "refused_operations": 0,
        "sync_failures": 0,
    }
    return body | overrides
