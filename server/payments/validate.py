"""Checks of a payment request before any money moves: contact, cheque, services, fields, amounts, the bills.

Each department is asked once for all the bills it holds in the requests checked together; a single payment
is checked as a batch of one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rules.amount import amount_refusal
from rules.cheque import cheque_refusals
from rules.contact import contact_refusals, normalise_mobile
from rules.day import business_day
from server.billers import Bill, Biller, BillerError
from server.catalog import Catalog, Service
from server.core.errors import ApiError, NotFound

# The server's English for the shared rules' refusals (the kiosk shows the catalog's words for the code).
RULE_MESSAGES = {
    "contact_required": "enter the consumer's mobile number or e-mail (at least one)",
    "invalid_mobile": "mobile number must be 10 digits starting with 6, 7, 8 or 9",
    "invalid_email": "e-mail address is not valid",
    "invalid_cheque_no": "cheque number must be 6 digits",
    "invalid_cheque_bank": "enter the bank the cheque is drawn on",
    "invalid_cheque_date": "a post-dated cheque cannot be accepted",
    "stale_cheque": "the cheque is older than three months (stale)",
    "amount_out_of_range": "amount must be within what the department accepts for this bill",
    "amount_must_equal_due": "this bill must be paid in full",
}


class InvalidField(ApiError):
    status = 422
    code = "invalid_field"


@dataclass(frozen=True)
class BillRequest:
    service_code: str
    fields: dict[str, str]
    amount_paise: int


@dataclass(frozen=True)
class PayRequest:
    operation_id: str
    bills: list[BillRequest]
    mobile: str | None
    email: str | None
    method: str
    cheque_no: str | None = None
    cheque_bank: str | None = None
    cheque_date: date | None = None
    offline: bool = False

    def body(self) -> dict[str, Any]:
        """What the idempotency hash covers: everything the client asked for."""
        return {
            "bills": [
                {"service_code": b.service_code, "fields": b.fields, "amount_paise": b.amount_paise} for b in self.bills
            ],
            "mobile": self.mobile,
            "email": self.email,
            "method": self.method,
            "cheque_no": self.cheque_no,
            "cheque_bank": self.cheque_bank,
            "cheque_date": self.cheque_date.isoformat() if self.cheque_date else None,
            "offline": self.offline,
        }


@dataclass(frozen=True)
class PricedBill:
    """A bill the department confirmed, with the amount this payment pays on it."""

    service: Service
    consumer_no: str
    fields: dict[str, str]
    bill: Bill
    amount_paise: int


@dataclass(frozen=True, eq=False)
class WantedBill:
    """One bill of a request, checked and cleaned, before the department is asked for it."""

    service: Service
    consumer_no: str
    fields: dict[str, str]
    amount_paise: int
    where: str


class Checks:
    """The catalog's rules and the departments' bills, applied to what a kiosk asks to pay."""

    def __init__(self, catalog: Catalog, billers: dict[str, Biller], now: Callable[[], datetime]) -> None:
        self.catalog = catalog
        self.billers = billers
        self.now = now

    def service(self, code: str, where: str = "service_code") -> Service:
        service = self.catalog.services.get(code)
        if service is None:
            raise NotFound("no such service in the catalog", code="unknown_service", field=where)
        return service

    def check_fields(
        self, service: Service, values: dict[str, str], where: str = "fields"
    ) -> tuple[str, dict[str, str]]:
        """The consumer number and the cleaned values, or the first problem with its field."""
        unknown = sorted(set(values) - {f.name for f in service.fields})
        if unknown:
            raise InvalidField(
                f"{service.name_en} has no field {unknown[0]}", code="unknown_field", field=f"{where}.{unknown[0]}"
            )
        cleaned: dict[str, str] = {}
        for f in service.fields:
            value = values.get(f.name)
            if f.name == "mobile" and value:
                value = normalise_mobile(value)
            problem = f.problem(value)
            if problem == "required" and service.requires_field_message_en:
                raise InvalidField(
                    service.requires_field_message_en,
                    code=f"{f.name}_required",
                    field=f"{where}.{f.name}",
                    message_hi=service.requires_field_message_hi,
                )
            if problem == "wrong_check_digit":
                raise InvalidField(
                    f"{f.label_en}: the last digit does not match the others; a digit was mistyped",
                    code="invalid_check_digit",
                    field=f"{where}.{f.name}",
                    label_hi=f.label_hi,
                )
            if problem is not None:
                raise InvalidField(
                    f"{f.label_en}: {'is required' if problem == 'required' else 'must look like ' + f.example}",
                    code="field_required" if problem == "required" else "invalid_field",
                    field=f"{where}.{f.name}",
                    label_hi=f.label_hi,
                    example=f.example,
                )
            cleaned[f.name] = (value or "").strip()
        return cleaned[service.fields[0].name], cleaned

    def fetch(self, service_code: str, values: dict[str, str]) -> tuple[Service, str, dict[str, str], Bill]:
        service = self.service(service_code)
        consumer_no, cleaned = self.check_fields(service, values)
        if service.kind == "micro_atm":
            return service, consumer_no, cleaned, claim_form(service, consumer_no)
        try:
            bill = self.billers[service.biller].fetch(service, consumer_no, cleaned, business_day(self.now()))
        except BillerError as exc:
            raise biller_refusal(exc) from exc
        return service, consumer_no, cleaned, bill

    def validate_many(self, requests: list[PayRequest]) -> list[list[PricedBill] | ApiError]:
        """Every check that needs no money to move, per request: its bills, or the first problem with it.

        Each department is asked once for all the bills it holds in `requests`.
        """
        checked: list[list[WantedBill] | ApiError] = []
        for request in requests:
            try:
                checked.append(self._precheck(request))
            except ApiError as exc:
                checked.append(exc)
        by_biller: dict[str, list[WantedBill]] = defaultdict(list)
        bills: dict[int, Bill | BillerError] = {}
        for wanted in checked:
            if not isinstance(wanted, ApiError):
                for want in wanted:
                    if want.service.kind == "micro_atm":
                        bills[id(want)] = claim_form(want.service, want.consumer_no)
                    else:
                        by_biller[want.service.biller].append(want)
        today = business_day(self.now())
        for code, group in by_biller.items():
            answers = self.billers[code].fetch_many([(w.service, w.consumer_no, w.fields) for w in group], today)
            bills.update({id(w): answer for w, answer in zip(group, answers, strict=True)})
        results: list[list[PricedBill] | ApiError] = []
        for wanted in checked:
            if isinstance(wanted, ApiError):
                results.append(wanted)
                continue
            try:
                priced = []
                for want in wanted:
                    answer = bills[id(want)]
                    if isinstance(answer, BillerError):
                        raise biller_refusal(answer, field=want.where)
                    priced.append(self._priced(want, answer))
                results.append(priced)
            except ApiError as exc:
                results.append(exc)
        return results

    def _precheck(self, request: PayRequest) -> list[WantedBill]:
        """The checks before the department is asked: contact, method, services, fields."""
        for code, field in contact_refusals(request.mobile, request.email)[:1]:
            raise InvalidField(RULE_MESSAGES[code], code=code, field=field)
        if request.method == "cheque":
            self._check_cheque(request)
        wanted: list[WantedBill] = []
        seen: set[tuple[str, str]] = set()
        for i, item in enumerate(request.bills):
            where = f"bills[{i}]"
            service = self.service(item.service_code, f"{where}.service_code")
            if request.method == "cheque" and service.kind != "bill":
                raise InvalidField(
                    "a departmental cheque pays only department bills", code="cheque_not_allowed", field="method"
                )
            if service.kind == "micro_atm" and len(request.bills) > 1:
                raise InvalidField("a micro-ATM entry is submitted on its own", code="micro_atm_alone", field=where)
            consumer_no, cleaned = self.check_fields(service, item.fields, f"{where}.fields")
            if (service.code, consumer_no) in seen:
                raise InvalidField("the same bill is in this payment twice", code="duplicate_bill", field=where)
            seen.add((service.code, consumer_no))
            wanted.append(WantedBill(service, consumer_no, cleaned, item.amount_paise, where))
        return wanted

    def _priced(self, want: WantedBill, bill: Bill) -> PricedBill:
        self._check_amount(want.service, bill, want.amount_paise, f"{want.where}.amount_paise")
        return PricedBill(want.service, want.consumer_no, want.fields, bill, want.amount_paise)

    def _check_cheque(self, request: PayRequest) -> None:
        today = business_day(self.now())
        for code, field in cheque_refusals(request.cheque_no, request.cheque_bank, request.cheque_date, today)[:1]:
            raise InvalidField(RULE_MESSAGES[code], code=code, field=field)

    def _check_amount(self, service: Service, bill: Bill, amount: int, where: str) -> None:
        refused = amount_refusal(bill.amount_rule, amount, business_day(self.now()))
        if refused is not None:
            raise InvalidField(RULE_MESSAGES[refused.code], code=refused.code, field=where, **refused.params)


def claim_form(service: Service, rrn: str) -> Bill:
    """A micro-ATM withdrawal entry before the claim: nothing is asked of the acquirer (an enquiry by RRN would
    tell any kiosk about any customer's withdrawal); the operator types the amount on the slip."""
    return Bill(
        rrn,
        f"Micro-ATM withdrawal RRN {rrn}",
        None,
        None,
        None,
        None,
        None,
        True,
        service.min_paise or 1,
        service.max_paise or 10**9,
    )


def biller_refusal(exc: BillerError, field: str | None = None) -> ApiError:
    status = {"consumer_not_found": 404, "bill_already_paid": 409, "biller_timeout": 504}.get(exc.code, 502)
    details = {"field": field} if field else {}
    return ApiError(exc.message, code=exc.code, status=status, **details)
