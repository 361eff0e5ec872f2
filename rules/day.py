"""The business day: the Indian calendar day (IST) by which payments, reports and cheques are judged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


def business_day(now: datetime | None = None) -> date:
    """The IST date of `now`: an aware instant, a naive one as databases store it (UTC), or the present moment."""
    if now is None:
        return datetime.now(IST).date()
    return (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).astimezone(IST).date()
