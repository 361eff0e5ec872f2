"""The demo consumers: every consumer number of the right format has a bill that follows from a hash of it.

Numbers ending in 0000 are no consumer of the department; numbers ending in 9999 have nothing due. Name,
amount and dates follow from a hash of the service and the number, so the server's tests, the demo and the
benchmarks see the same bills every run.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from server.billers.protocol import FetchRefusal, WireBill
from server.catalog import Service

NAMES = [
    "Ramesh Kumar Sharma",
    "Sunita Devi",
    "Mohan Lal Meena",
    "Kamla Kanwar",
    "Abdul Rashid",
    "Geeta Choudhary",
    "Suresh Jat",
    "Pooja Rathore",
    "Bhanwar Lal Bishnoi",
    "Manju Saini",
    "Harish Agarwal",
    "Rekha Gurjar",
]
PARTIAL_BILLERS = {"phed"}  # departments that take part payments


class NoBill(Exception):
    """The department has no bill to show for this consumer: `reason` is the protocol's refusal code."""

    def __init__(self, reason: FetchRefusal, message: str) -> None:
        super().__init__(message)
        self.reason: FetchRefusal = reason
        self.message = message


UNKNOWN_CONSUMER = "no consumer with this number at the department; check the number on the bill"
NOTHING_DUE = "this bill is already paid; nothing is due"


def digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def department_ref(department: str, reference: str) -> str:
    """The department's own transaction id for our reference."""
    return f"{department.upper()}-{digest(reference) % 10**10:010d}"


def approval_no(department: str, reference: str) -> str:
    """The department's approval number of the payment it made for our reference (the same every time asked)."""
    return f"AP{department[:3].upper()}{digest('approval', department, reference) % 10**8:08d}"


def is_known(consumer_no: str) -> bool:
    return not consumer_no.endswith("0000")


def has_nothing_due(service: Service, consumer_no: str) -> bool:
    return service.kind == "bill" and consumer_no.endswith("9999")


def one_per_bill(service: Service) -> bool:
    """A bill of this service is paid once (a micro-ATM withdrawal credited once); fees and recharges may be
    paid again."""
    return service.kind in ("bill", "micro_atm")


def bill(service: Service, consumer_no: str, values: dict[str, str], today: date) -> WireBill:
    """The department's bill for this consumer today, before looking at what it was already paid; or NoBill."""
    if not is_known(consumer_no):
        raise NoBill("consumer_not_found", UNKNOWN_CONSUMER)
    h = digest(service.code, consumer_no)
    name = values.get("resident_name") or NAMES[h % len(NAMES)]
    if service.kind == "recharge":
        return WireBill(
            consumer_no=consumer_no,
            consumer_name=f"{service.name_en} {consumer_no}",
            bill_no=None,
            bill_date=None,
            due_date=None,
            amount_due_paise=None,
            amount_after_due_paise=None,
            partial_allowed=True,
            min_paise=service.min_paise or 1,
            max_paise=service.max_paise or 10**9,
        )
    if service.kind == "fee":
        fee = service.fee_paise or 0
        return WireBill(
            consumer_no=consumer_no,
            consumer_name=name,
            bill_no=f"APP{h % 10**8:08d}",
            bill_date=today,
            due_date=None,
            amount_due_paise=fee,
            amount_after_due_paise=None,
            partial_allowed=False,
            min_paise=fee,
            max_paise=fee,
        )
    if service.kind == "micro_atm":
        amount = 10_000 * (1 + h % 100)  # ₹100 to ₹10,000 in steps of ₹100
        return WireBill(
            consumer_no=consumer_no,
            consumer_name=f"Micro-ATM withdrawal RRN {consumer_no}",
            bill_no=consumer_no,
            bill_date=today,
            due_date=None,
            amount_due_paise=amount,
            amount_after_due_paise=None,
            partial_allowed=False,
            min_paise=amount,
            max_paise=amount,
        )
    if has_nothing_due(service, consumer_no):
        raise NoBill("bill_already_paid", NOTHING_DUE)
    amount = 10_000 + (h % 4_990) * 100  # ₹100 to ₹5,089
    overdue = (h >> 16) % 4 == 0
    partial = service.biller in PARTIAL_BILLERS
    return WireBill(
        consumer_no=consumer_no,
        consumer_name=name,
        bill_no=f"{service.department[:3]}{(h >> 8) % 10**7:07d}",
        bill_date=today - timedelta(days=12 + h % 10),
        due_date=today - timedelta(days=3) if overdue else today + timedelta(days=3 + h % 10),
        amount_due_paise=amount,
        amount_after_due_paise=amount + amount // 50,  # 2% late-payment surcharge
        partial_allowed=partial,
        min_paise=10_000 if partial else amount,
        max_paise=amount + amount // 50,
    )
