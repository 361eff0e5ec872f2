"""Kiosk health reports: the latest per kiosk, and a short history (pruned on write)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigId, UtcDateTime


class _Report:
    """The facts of one report (no customer data): the same columns in the latest row and in the history."""

    received_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the server's clock, never the kiosk's
    version: Mapped[str] = mapped_column(String(32))
    os: Mapped[str] = mapped_column(String(80))
    printer_profile: Mapped[str] = mapped_column(String(80))
    printer_status: Mapped[str] = mapped_column(String(16))
    queue_length: Mapped[int] = mapped_column(Integer)
    oldest_queued_seconds: Mapped[int | None] = mapped_column(BigInteger)
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    clock_offset_ms: Mapped[int] = mapped_column(BigInteger)  # kiosk clock − server clock, measured by the server
    free_disk_bytes: Mapped[int] = mapped_column(BigInteger)
    print_failures: Mapped[int] = mapped_column(Integer)
    refused_operations: Mapped[int] = mapped_column(Integer)
    sync_failures: Mapped[int] = mapped_column(Integer)


class KioskHealth(_Report, Base):
    """The latest report of each kiosk; its `received_at` is also the rate limit's window."""

    __tablename__ = "kiosk_health"

    kiosk_id: Mapped[int] = mapped_column(BigId, ForeignKey("kiosks.id"), primary_key=True)


class KioskHealthReport(_Report, Base):
    """The recent reports of each kiosk: at most the newest `FLEET_HISTORY` and none older than a week."""

    __tablename__ = "kiosk_health_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(BigId, ForeignKey("kiosks.id"))

    __table_args__ = (Index("ix_kiosk_health_reports_kiosk_id_received_at", "kiosk_id", "received_at"),)
