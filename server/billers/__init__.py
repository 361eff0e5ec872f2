"""Billers (departments) behind one interface: fetch a bill, pay it, ask the status of a payment.

Real departments are not reachable here, so `SimulatedBiller` plays all of them, with their failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from server.catalog import Service


class BillerError(Exception):
    """The department answered with a refusal (code is ours, stable, machine-readable)."""

    code = "biller_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConsumerNotFound(BillerError):
    code = "consumer_not_found"


class BillAlreadyPaid(BillerError):
    code = "bill_already_paid"


class BillerDeclined(BillerError):
    code = "biller_declined"


class BillerTimeout(BillerError):
    """No answer in time: whether the department acted is unknown until its status is asked."""

    code = "biller_timeout"


@dataclass(frozen=True)
class Bill:
    consumer_no: str
    consumer_name: str
    bill_no: str | None
    bill_date: date | None
    due_date: date | None
    amount_due_paise: int | None  # None: the operator enters the amount (recharges)
    amount_after_due_paise: int | None
    partial_allowed: bool
    min_paise: int
    max_paise: int

    def payable_now(self, today: date) -> int | None:
        if self.amount_due_paise is None:
            return None
        if self.due_date is not None and today > self.due_date and self.amount_after_due_paise is not None:
            return self.amount_after_due_paise
        return self.amount_due_paise


@dataclass(frozen=True)
class BillerPayment:
    reference: str
    biller_ref: str
    status: str  # success | failed


class Biller(Protocol):
    def fetch(self, service: Service, consumer_no: str, values: dict[str, str], today: date) -> Bill: ...

    def pay(
        self, service: Service, reference: str, consumer_no: str, bill_no: str | None, amount_paise: int
    ) -> BillerPayment: ...

    def status(self, reference: str) -> BillerPayment | None: ...
