"""Billers (departments) behind one interface: fetch a bill, pay it, ask the status of a payment.

Each department is reached over the department protocol (`server.billers.http.HttpDepartment`, built by
`server.billers.departments`); the simulated ones of the demo and the tests are their own program
(`departments/`, `emitra-departments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from rules.amount import AmountRule
from server.catalog import Service

if TYPE_CHECKING:
    from server.billers.protocol import SettlementFile


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

    @property
    def amount_rule(self) -> AmountRule:
        """What the department accepts for this bill, in the terms the kiosk checks offline too (rules/amount.py)."""
        return AmountRule(
            self.amount_due_paise,
            self.amount_after_due_paise,
            self.due_date,
            self.partial_allowed,
            self.min_paise,
            self.max_paise,
        )

    def payable_now(self, today: date) -> int | None:
        return self.amount_rule.payable(today)


@dataclass(frozen=True)
class BillerPayment:
    reference: str
    biller_ref: str
    status: str  # success | failed
    approval_no: str = ""  # the department's approval number of a success, where it gives one


PayLine = tuple[Service, str, str, str | None, int]  # service, reference, consumer_no, bill_no, amount_paise


class Biller(Protocol):
    """A department as the payment code sees it (server/billers/http.py speaks the protocol to a real one)."""

    def fetch(self, service: Service, consumer_no: str, values: dict[str, str], today: date) -> Bill: ...

    def fetch_many(self, items: list[tuple[Service, str, dict[str, str]]], today: date) -> list[Bill | BillerError]: ...

    def pay(
        self, service: Service, reference: str, consumer_no: str, bill_no: str | None, amount_paise: int
    ) -> BillerPayment: ...

    def pay_answers(self, items: list[PayLine]) -> dict[str, BillerPayment | BillerError]: ...

    def status(self, reference: str) -> BillerPayment | None: ...

    def settlement(self, business_date: date) -> tuple[SettlementFile, bytes]: ...

    def read_settlement(self, data: bytes) -> SettlementFile: ...

    def reachability(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
