"""The business day: the Indian calendar day (IST) by which payments, reports and cheques are judged."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


def business_day(now: datetime | None = None) -> date:
    """The IST date of `now` (an aware datetime; the present moment when omitted)."""
    return (now or datetime.now(IST)).astimezone(IST).date()
