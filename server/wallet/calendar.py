"""Business time: IST dates of UTC instants, and the bank calendar (Sundays, 2nd/4th Saturdays, holidays)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from rules.day import IST
from server.auth.clock import aware

HOLIDAYS_FILE = Path(__file__).resolve().parents[1] / "data" / "holidays.json"


def day_start_utc(day: date) -> datetime:
    """00:00 IST of `day`, as a UTC instant: business days are [start(d), start(d + 1))."""
    return datetime.combine(day, time(0), IST).astimezone(UTC)


def ist_text(instant: datetime) -> str:
    return aware(instant).astimezone(IST).strftime("%d-%m-%Y %H:%M:%S")


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str


@dataclass(frozen=True)
class BankCalendar:
    """Bank working days: not a Sunday, not the 2nd or 4th Saturday of its month, not a listed holiday."""

    holidays: dict[date, str]

    @classmethod
    def load(cls, path: Path | None = None) -> BankCalendar:
        return _load(str(path or HOLIDAYS_FILE))

    def closed_because(self, day: date) -> str | None:
        if day.weekday() == 6:
            return "Sunday"
        if day.weekday() == 5 and (day.day - 1) // 7 in (1, 3):
            return "2nd Saturday" if (day.day - 1) // 7 == 1 else "4th Saturday"
        return self.holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        return self.closed_because(day) is None

    def next_working_day(self, day: date) -> date:
        """The first bank working day strictly after `day`."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate


@lru_cache(maxsize=8)
def _load(path: str) -> BankCalendar:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return BankCalendar({date.fromisoformat(h["date"]): str(h["name"]) for h in data["holidays"]})
