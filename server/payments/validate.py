"""Checks of a payment request before any money moves: contact, cheque, services, fields, amounts, the bills.

Each department is asked once for all the bills it holds in the requests checked together; a single payment
is checked as a batch of one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.billers import Bill, Biller, BillerError
from server.catalog import Catalog, Service
from server.core.errors import ApiError, NotFound

IST = ZoneInfo("Asia/Kolkata")

MOBILE = re.compile(r"^[6-9][0-9]{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
CHEQUE_NO = re.compile(r"^[0-9]{6}$")


class InvalidField(ApiError):
    status = 422
    code = "invalid_field"


def ist_today(now: datetime) -> date:
    return now.astimezone(IST).date()


def normalise_mobile(raw: str) -> str:
    """Accept what people type (+91, 0 prefix, spaces, dashes) and keep the 10 digits."""
    digits = re.sub(r"[\s-]", "", raw)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("91") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    return digits


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
            bill = self.billers[service.biller].fetch(service, consumer_no, cleaned, ist_today(self.now()))
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
        today = ist_today(self.now())
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
        if not request.mobile and not request.email:
            raise InvalidField(
                "enter the consumer's mobile number or e-mail (at least one)", code="contact_required", field="contact"
            )
        if request.mobile and not MOBILE.fullmatch(request.mobile):
            raise InvalidField(
                "mobile number must be 10 digits starting with 6, 7, 8 or 9",
                code="invalid_mobile",
                field="contact.mobile",
            )
        if request.email and not EMAIL.fullmatch(request.email):
            raise InvalidField("e-mail address is not valid", code="invalid_email", field="contact.email")
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
        if not request.cheque_no or not CHEQUE_NO.fullmatch(request.cheque_no):
            raise InvalidField("cheque number must be 6 digits", code="invalid_cheque_no", field="method.cheque_no")
        if not request.cheque_bank or not 2 <= len(request.cheque_bank.strip()) <= 100:
            raise InvalidField("enter the bank the cheque is drawn on", code="invalid_cheque_bank", field="method.bank")
        today = ist_today(self.now())
        if request.cheque_date is None or request.cheque_date > today:
            raise InvalidField(
                "a post-dated cheque cannot be accepted", code="invalid_cheque_date", field="method.date"
            )
        if request.cheque_date < today - timedelta(days=90):
            raise InvalidField(
                "the cheque is older than three months (stale)", code="stale_cheque", field="method.date"
            )

    def _check_amount(self, service: Service, bill: Bill, amount: int, where: str) -> None:
        payable = bill.payable_now(ist_today(self.now()))
        if payable is None:  # recharge: the operator chooses within the department's range
            if not bill.min_paise <= amount <= bill.max_paise:
                raise InvalidField(
                    "amount is outside what the department accepts",
                    code="amount_out_of_range",
                    field=where,
                    min_paise=bill.min_paise,
                    max_paise=bill.max_paise,
                )
            return
        if bill.partial_allowed:
            if not min(bill.min_paise, payable) <= amount <= payable:
                raise InvalidField(
                    "amount must be between the minimum part payment and the amount due",
                    code="amount_out_of_range",
                    field=where,
                    min_paise=min(bill.min_paise, payable),
                    max_paise=payable,
                )
        elif amount != payable:
            raise InvalidField(
                "this bill must be paid in full", code="amount_must_equal_due", field=where, payable_paise=payable
            )


def claim_form(service: Service, rrn: str) -> Bill:
    """A micro-ATM withdrawal entry before the claim: nothing is asked of the acquirer (an enquiry by RRN would
    tell any kiosk about any customer's withdrawal); the operator types the amount on the slip."""
    return Bill(
        rrn, f"Micro-ATM withdrawal RRN {rrn}", None, None, None, None, None, True,
        service.min_paise or 1, service.max_paise or 10**9,
    )



def biller_refusal(exc: BillerError, field: str | None = None) -> ApiError:
    status = {"consumer_not_found": 404, "bill_already_paid": 409, "biller_timeout": 504}.get(exc.code, 502)
    details = {"field": field} if field else {}
    return ApiError(exc.message, code=exc.code, status=status, **details)

