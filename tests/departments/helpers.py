"""Small makers for the department tests: services of the catalog, fresh consumers and references."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from server.catalog import Service, load_catalog

CATALOG = load_catalog()
JVVNL = CATALOG.services["ELEC-JVVNL"]
PHED = CATALOG.services["WATER-PHED"]
RECHARGE = CATALOG.services["MOBILE-PREPAID"]
ENROL = CATALOG.services["BHAMASHAH-ENROL"]
_serial = itertools.count(1)


def consumer(prefix: str = "21", length: int = 12) -> str:
    """A consumer number no other test uses, with a bill (not ending 0000 or 9999)."""
    middle = secrets.randbelow(10 ** (length - len(prefix) - 4))
    return f"{prefix}{middle:0{length - len(prefix) - 4}d}{1000 + secrets.randbelow(8000)}"


def reference(tag: str = "R") -> str:
    return f"{tag}-{secrets.token_hex(6)}-{next(_serial)}"


def ist_today() -> str:
    return datetime.now(ZoneInfo("Asia/Kolkata")).date().isoformat()


def pay_line(
    service: Service, consumer_no: str, bill_no: str | None, amount: int = 10_000, ref: str | None = None
) -> tuple[Service, str, str, str | None, int]:
    return (service, ref or reference(), consumer_no, bill_no, amount)
