"""The clock of sign-in rules (sessions, OTP expiry, lockout); tests may shift it in demo mode only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from server.core.config import Settings


class AuthClock:
    """UTC now, plus an offset read from a file when the server runs in demo mode with one configured.

    The file is read on every call so that a test can move time forward for every server process
    at once, without sleeping through a 15-minute lockout.
    """

    def __init__(self, offset_file: Path | None = None) -> None:
        self.offset_file = offset_file

    @classmethod
    def for_settings(cls, settings: Settings) -> AuthClock:
        return cls(settings.clock_offset_file if settings.mode == "demo" else None)

    def offset(self) -> timedelta:
        if self.offset_file is None:
            return timedelta()
        try:
            text = self.offset_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return timedelta()
        return timedelta(seconds=float(text or 0))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset()


def aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; every stored timestamp is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
