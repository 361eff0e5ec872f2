"""The fleet's HTTP shapes: a kiosk's health report, its answer, and the administrators' fleet list."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from server.core.fields import MAX_INT64, Text

Version = Annotated[str, Text(32, min_length=1, pattern=r"^[0-9]{1,6}(\.[0-9]{1,6}){0,3}$")]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
When = Annotated[AwareDatetime, Field(ge=datetime.fromisoformat("2000-01-01T00:00:00+00:00"))]


class PrinterStatus(StrEnum):
    OK = "ok"  # the last receipt printed
    UNKNOWN = "unknown"  # the printer took it but cannot say more
    FAILING = "failing"  # the last receipt did not print
    NONE = "none"  # no receipt yet


class Problem(StrEnum):
    OLD_VERSION = "old_version"
    PRINTER_FAILING = "printer_failing"
    QUEUE_STALE = "queue_stale"
    CLOCK_OFF = "clock_off"
    SILENT = "silent"


class HealthReportIn(BaseModel):
    """What a kiosk says of itself; no customer data. The kiosk is the credential's, never named here."""

    model_config = ConfigDict(extra="forbid")
    client_time: When = Field(description="the kiosk's clock when it sent this (the server measures the offset)")
    version: Version
    os: Annotated[str, Text(80, min_length=1)]
    printer_profile: Annotated[str, Text(80)]
    printer_status: PrinterStatus
    queue_length: Count
    oldest_queued_seconds: Annotated[int, Field(ge=0, le=100 * 365 * 86_400)] | None = None
    last_sync_at: When | None = None
    free_disk_bytes: Annotated[int, Field(ge=0, le=MAX_INT64)]
    print_failures: Count = 0
    refused_operations: Count = 0
    sync_failures: Count = 0


class HealthReportPublic(BaseModel):
    server_time: datetime = Field(description="the server's clock when it stored the report")
    clock_offset_ms: int = Field(description="the kiosk's clock − the server's, as the server measured it")
    next_report_after_seconds: int


class FleetKioskPublic(BaseModel):
    kiosk_code: str
    problems: list[Problem]
    received_at: datetime | None
    version: str | None
    os: str | None
    printer_profile: str | None
    printer_status: PrinterStatus | None
    queue_length: int | None
    oldest_queued_seconds: int | None
    last_sync_at: datetime | None
    clock_offset_ms: int | None
    free_disk_bytes: int | None
    print_failures: int | None
    refused_operations: int | None
    sync_failures: int | None


class FleetCounts(BaseModel):
    old_version: int
    printer_failing: int
    queue_stale: int
    clock_off: int
    silent: int


class FleetPublic(BaseModel):
    server_time: datetime
    newest_version: str | None
    required_version: str
    kiosks_active: int
    kiosks_reporting: int
    history_reports: int
    counts: FleetCounts
    kiosks: list[FleetKioskPublic]
    more: int = Field(description="kiosks with problems past `limit`")
