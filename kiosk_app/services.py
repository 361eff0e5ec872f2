"""Services → Avail Service: the cached catalog and its search, Get Bill Details, and paying through the outbox."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, assert_never

import words
from kiosk_app.api import ApiClient
from kiosk_app.config import PAY_WAIT_S
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import (
    BillPublic,
    CatalogPublic,
    ChoicePublic,
    PaymentPublic,
    PaymentStatus,
    PlanPublic,
)
from kiosk_app.errors import (
    AnswerLost,
    ContactRequired,
    InvalidField,
    InvalidInput,
    KioskError,
    KioskSuspended,
    NeedsConnection,
    NotSignedIn,
    OfflineLimitExceeded,
    PasswordChangeRequired,
    ProfileIncomplete,
    Refused,
    ServerFault,
    ServerUnreachable,
    SessionExpired,
    UnknownPayment,
    UnknownService,
)
from kiosk_app.events import KioskEvents
from kiosk_app.money import MoneyState, read_money, save_wallet, wallet_snapshot
from kiosk_app.receipts import from_payment, is_final, issuer, provisional
from kiosk_app.worker import Worker
from offline_cache.customers import Customer, PaidBill, PastPayment
from offline_cache.outbox import NewOperation, OutboxState, Outcome
from offline_cache.store import LocalStore
from printing.receipt import Bilingual, Corrected, HelpDesk, Kiosk, Receipt, ReceiptStatus
from rules.contact import contact_refusals, mobile_or_none
from rules.fields import CheckDigit, field_problem
from rules.ids import new_operation_id

if TYPE_CHECKING:
    from kiosk_app.receipt_key import ReceiptKey
    from kiosk_app.session import SignedInOperator

log = logging.getLogger("emitra.pay")

# Refusals about the session, not the payment: nothing was applied, and the operator must sign in again.
SESSION_REFUSALS = (NotSignedIn, SessionExpired, PasswordChangeRequired, ProfileIncomplete, KioskSuspended)


# -- the catalog ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One input of a service (e.g. K No.), with the pattern the department's numbers follow."""

    name: str
    label_en: str
    label_hi: str
    pattern: str
    min_length: int
    max_length: int
    example: str
    help_en: str = ""
    help_hi: str = ""
    check_digit: CheckDigit | None = None
    choices: tuple[ChoicePublic, ...] = ()  # when given, the field is a list to pick from (an operator)

    @property
    def label(self) -> Bilingual:
        return Bilingual(self.label_en, self.label_hi)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FieldSpec:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "choices"}
        return cls(**known, choices=tuple(ChoicePublic.parse(c) for c in data.get("choices") or ()))

    def check(self, value: str | None, where: str) -> str:
        """The cleaned value, or InvalidField with the label in both languages."""
        problem = field_problem(
            value,
            pattern=self.pattern,
            min_length=self.min_length,
            max_length=self.max_length,
            check_digit=self.check_digit,
            choices=tuple(c.code for c in self.choices),
        )
        if problem == "required":
            raise InvalidField(
                words.english("field.required", label=self.label_en),
                message_hi=words.hindi("field.required", label=self.label_hi),
                code="field_required",
                details={"field": where},
            )
        if problem == "wrong_check_digit":
            raise InvalidField(
                words.english("field.check_digit", label=self.label_en),
                message_hi=words.hindi("field.check_digit", label=self.label_hi),
                code="invalid_check_digit",
                details={"field": where},
            )
        if problem is not None:
            raise InvalidField(
                words.english("field.format", label=self.label_en, example=self.example),
                message_hi=words.hindi("field.format", label=self.label_hi, example=self.example),
                details={"field": where, "example": self.example},
            )
        value = (value or "").strip()
        return value


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    department: str
    category: str
    kind: str
    name_en: str
    name_hi: str
    offline_capable: bool
    fields: tuple[FieldSpec, ...]
    department_name_en: str = ""
    department_name_hi: str = ""
    plans: tuple[PlanPublic, ...] = ()  # a recharge's plans: one picked fills the amount

    def plans_for(self, values: Mapping[str, str]) -> tuple[PlanPublic, ...]:
        """The plans that fit the fields as typed: those of the chosen operator, and those for every operator."""
        chosen = set(values.values())
        return tuple(p for p in self.plans if p.operator is None or p.operator in chosen)

    @property
    def name(self) -> Bilingual:
        return Bilingual(self.name_en, self.name_hi)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], department: Mapping[str, Any] | None = None) -> ServiceInfo:
        return cls(
            code=data["code"],
            department=data["department"],
            category=data.get("category", ""),
            kind=data["kind"],
            name_en=data["name_en"],
            name_hi=data["name_hi"],
            offline_capable=bool(data.get("offline_capable")),
            fields=tuple(FieldSpec.from_data(f) for f in data.get("fields", [])),
            department_name_en=(department or {}).get("name_en", data["department"]),
            department_name_hi=(department or {}).get("name_hi", ""),
            plans=tuple(PlanPublic.parse(p) for p in data.get("plans") or ()),
        )


class ServiceCatalog:
    """The catalog kept locally: search works offline; refresh fetches it only when its version changed."""

    def __init__(self, api: ApiClient, store: LocalStore, worker: Worker, connectivity: Connectivity) -> None:
        self.api = api
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self._departments_cache: tuple[str | None, dict[str, dict[str, Any]]] | None = None

    def refresh(self) -> bool:
        """Bring the cache up to the server's version (ETag); True when it changed."""
        etag = self.worker.call(lambda: self.store.catalog.etag)
        try:
            body, new_etag = self.api.get_if_changed("/catalog", etag)
        except ServerUnreachable:
            self.connectivity.report(False)
            raise
        self.connectivity.report(True)
        if body is None:
            return False
        catalog = CatalogPublic.parse(body)  # the cache keeps the answer as it came, once it has the contract's shape
        self.worker.call(self.store.catalog.replace, body, new_etag)
        log.info("catalog updated to version %s", catalog.version)
        return True

    @property
    def version(self) -> str | None:
        return self.worker.call(lambda: self.store.catalog.version)

    def _departments(self) -> dict[str, dict[str, Any]]:
        def read() -> tuple[str | None, dict[str, dict[str, Any]]]:
            version = self.store.catalog.version
            if self._departments_cache is not None and self._departments_cache[0] == version:
                return self._departments_cache
            return version, {d["code"]: d for d in self.store.catalog.groups("department")}

        self._departments_cache = self.worker.call(read)
        return self._departments_cache[1]

    def search(
        self, text: str, *, limit: int = 20, category: str | None = None, department: str | None = None
    ) -> list[ServiceInfo]:
        """As-you-type search on the local cache (English or Hindi, any part of a word)."""
        found = self.worker.call(self.store.catalog.search, text, limit=limit, category=category, department=department)
        departments = self._departments()
        return [ServiceInfo.from_data(s, departments.get(s["department"])) for s in found]

    def service(self, code: str) -> ServiceInfo:
        data = self.worker.call(self.store.catalog.service, code)
        if data is None:
            raise UnknownService(
                f"no service {code} in the catalog on this PC; refresh the catalog", details={"field": "service_code"}
            )
        return ServiceInfo.from_data(data, self._departments().get(data["department"]))

    def known(self, codes: set[str]) -> list[ServiceInfo]:
        """Those of `codes` still in the catalog kept on this PC (a past customer's service may have left it)."""
        found = []
        for code in sorted(codes):
            try:
                found.append(self.service(code))
            except UnknownService:
                continue
        return found

    def categories(self) -> list[dict[str, Any]]:
        return self.worker.call(self.store.catalog.groups, "category")

    def departments(self, category: str | None = None) -> list[dict[str, Any]]:
        return [
            d
            for d in self.worker.call(self.store.catalog.groups, "department")
            if category is None or d.get("category") == category
        ]

    def services(self, *, category: str | None = None, department: str | None = None) -> list[ServiceInfo]:
        departments = self._departments()
        return [
            ServiceInfo.from_data(s, departments.get(s["department"]))
            for s in self.worker.call(self.store.catalog.services, category=category, department=department)
        ]


# -- paying --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillDetails:
    """Get Bill Details: what the department says is due, to match with the paper bill."""

    service_code: str
    consumer_no: str
    consumer_name: str
    bill_no: str | None
    due_date: str | None
    amount_due_paise: int | None
    payable_now_paise: int | None
    partial_allowed: bool
    min_paise: int
    max_paise: int

    @classmethod
    def from_answer(cls, bill: BillPublic) -> BillDetails:
        return cls(
            bill.service_code,
            bill.consumer_no,
            bill.consumer_name,
            bill.bill_no,
            bill.due_date,
            bill.amount_due_paise,
            bill.payable_now_paise,
            bill.partial_allowed,
            bill.min_paise,
            bill.max_paise,
        )


@dataclass(frozen=True)
class BillLine:
    """One bill of a payment. consumer_name and bill_no only go on a provisional receipt (typed off paper)."""

    service_code: str
    fields: Mapping[str, str]
    amount_paise: int
    consumer_name: str = ""
    bill_no: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.amount_paise, bool) or not isinstance(self.amount_paise, int) or self.amount_paise <= 0:
            raise InvalidInput(code="invalid_amount", details={"field": "amount_paise"})


@dataclass(frozen=True)
class Contact:
    mobile: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class PayMethod:
    type: Literal["wallet", "cheque"] = "wallet"
    cheque_no: str | None = None
    bank: str | None = None
    date: date | None = None


@dataclass(frozen=True)
class PaymentOrder:
    bills: tuple[BillLine, ...]
    contact: Contact
    method: PayMethod = field(default_factory=PayMethod)
    remember_mobile: bool = False  # the customer agreed that this kiosk keeps the mobile for next time


class OutcomeStatus(StrEnum):
    PAID = "paid"  # the department confirmed it
    PENDING = "pending"  # the server has it; the department's answer is still awaited
    FAILED = "failed"  # the department refused it; the server gave the money back
    PARTIAL = "partial"  # some bills paid, the department refused the others and their money came back
    PROVISIONAL = "provisional"  # taken offline: in the outbox, confirmed at the next sync
    UNKNOWN = "unknown"  # the answer was lost and the server could not be asked yet: do not take it again


@dataclass(frozen=True)
class PaymentOutcome:
    operation_id: str
    status: OutcomeStatus
    receipt: Receipt | None
    spool_id: int | None
    payment: Mapping[str, Any] | None = None

    @property
    def provisional(self) -> bool:
        return self.status is OutcomeStatus.PROVISIONAL


def outcome_status(status: PaymentStatus) -> OutcomeStatus:
    """What a payment in this state means at the counter; every status of the contract has its answer."""
    match status:
        case PaymentStatus.SUCCESS:
            return OutcomeStatus.PAID
        case PaymentStatus.FAILED:
            return OutcomeStatus.FAILED
        case PaymentStatus.PARTIAL:
            return OutcomeStatus.PARTIAL
        case PaymentStatus.PENDING | PaymentStatus.INITIATED:
            return OutcomeStatus.PENDING
        case _:
            assert_never(status)


class InFlight:
    """Operations this process is sending right now: a day-end sync leaves them to the payment that owns them."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def add(self, operation_id: str) -> None:
        with self._lock:
            self._ids.add(operation_id)

    def discard(self, operation_id: str) -> None:
        with self._lock:
            self._ids.discard(operation_id)

    def __contains__(self, operation_id: object) -> bool:
        with self._lock:
            return operation_id in self._ids


def error_body(exc: KioskError) -> dict[str, Any]:
    return {
        "code": exc.error_code,
        "message": exc.message_en,
        "message_hi": exc.message_hi,
        "status_code": exc.status,
        **{k: v for k, v in exc.details.items() if k in ("field",)},
    }


class BillPayment:
    """Get Bill Details and Pay: every payment goes into the outbox first, then to the server (or waits there)."""

    def __init__(
        self,
        api: ApiClient,
        store: LocalStore,
        worker: Worker,
        connectivity: Connectivity,
        events: KioskEvents,
        catalog: ServiceCatalog,
        money: MoneyState,
        *,
        help_desk: HelpDesk,
        status_checks: int = 3,
        status_wait: float = 0.3,
        in_flight: InFlight | None = None,
        wait_s: float = PAY_WAIT_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        operator: SignedInOperator | None = None,
        receipt_key: ReceiptKey | None = None,
    ) -> None:
        self.api = api
        self.receipt_key = receipt_key  # signs the QR of a PROVISIONAL receipt
        self.operator = operator  # who is signed in: printed on every receipt
        self.in_flight = in_flight if in_flight is not None else InFlight()
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self.events = events
        self.catalog = catalog
        self.money = money
        self.help_desk = help_desk
        self.status_checks = status_checks
        self.status_wait = status_wait
        self.wait_s = wait_s  # the longest the operator waits for a payment's answer (then: in doubt)
        self.clock = clock

    # -- Customer memory (this kiosk only) -------------------------------------------------------------
    def find_customers(self, text: str, limit: int = 5) -> list[Customer]:
        """Customers who paid here whose consumer number, name or remembered mobile contains `text`."""
        return self.worker.call(self.store.customers.search, text, limit)

    def past_payments(self, customer: Customer) -> list[PastPayment]:
        return self.worker.call(self.store.customers.history, customer.service_code, customer.consumer_no)

    # -- Get Bill Details -----------------------------------------------------------------------------
    def get_bill(self, service_code: str, fields: Mapping[str, str]) -> BillDetails:
        service = self.catalog.service(service_code)
        if self.connectivity.online is False:
            raise self._needs_connection(service, "Get Bill Details")
        cleaned = self._clean_fields(service, fields, "fields")
        try:
            body = self.api.post("/bills/fetch", {"service_code": service.code, "fields": cleaned})
        except ServerUnreachable:
            self.connectivity.report(False)
            raise
        self.connectivity.report(True)
        return BillDetails.from_answer(BillPublic.parse(body))

    def queue_length(self) -> int:
        return self.worker.call(self.store.outbox.queue_length)

    # -- Pay ------------------------------------------------------------------------------------------
    def pay(self, order: PaymentOrder) -> PaymentOutcome:
        """Pay By Wallet / Departmental Cheque. Online when the server is reachable, else provisional."""
        services, payload = self._prepare(order)
        op_id = str(payload["operation_id"])
        if self.connectivity.online is False:
            return self._pay_offline(order, services, payload)
        total = sum(b.amount_paise for b in order.bills)
        op = NewOperation(op_id, "payment", payload, total, total if order.method.type == "wallet" else 0, False)
        self.in_flight.add(op_id)
        try:
            self.worker.call(self.store.outbox.add, op, state=OutboxState.SENDING)
            return self._send(order, services, payload, time.monotonic() + self.wait_s)
        finally:
            self.in_flight.discard(op_id)

    def _send(
        self, order: PaymentOrder, services: list[ServiceInfo], payload: dict[str, Any], deadline: float
    ) -> PaymentOutcome:
        op_id = str(payload["operation_id"])
        try:
            view = self.api.post("/payments", payload, deadline=deadline)
        except SESSION_REFUSALS as exc:
            self._record_refused(op_id, exc)
            raise
        except Refused as exc:
            self._record_refused(op_id, exc)
            self.connectivity.report(True)
            raise
        except (ServerUnreachable, ServerFault) as exc:
            if isinstance(exc, ServerUnreachable):
                self.connectivity.report(False)
                if exc.details.get("sent") is False and all(s.offline_capable for s in services):
                    # No connection was made: nothing reached the server, so this is an offline payment, under
                    # the same offline limit as one taken while the kiosk already knew it was offline.
                    log.warning("payment %s: the server cannot be reached (%s); taken offline", op_id, exc)
                    self.worker.call(self.store.outbox.withdraw_unsent, op_id)
                    return self._pay_offline(order, services, payload)
            log.warning("payment %s: no answer (%s); asking the server before anything is sent again", op_id, exc)
            return self._resolve_lost(order, services, payload, str(exc), deadline)
        self.connectivity.report(True)
        return self._finish(order, services, op_id, view, deadline)

    def _prepare(self, order: PaymentOrder) -> tuple[list[ServiceInfo], dict[str, Any]]:
        """Check what can be checked on this PC, and build the request body sent (every time) for it."""
        if not order.bills:
            raise InvalidInput(code="no_bills")
        services = [self.catalog.service(b.service_code) for b in order.bills]
        bills = [
            {
                "service_code": s.code,
                "fields": self._clean_fields(s, b.fields, f"bills[{i}].fields"),
                "amount_paise": b.amount_paise,
            }
            for i, (s, b) in enumerate(zip(services, order.bills, strict=True))
        ]
        mobile = mobile_or_none(order.contact.mobile)
        email = order.contact.email.strip() if order.contact.email and order.contact.email.strip() else None
        for code, where in contact_refusals(mobile, email)[:1]:  # as the server would answer: the first problem
            raise (ContactRequired if code == "contact_required" else InvalidField)(code=code, details={"field": where})
        method: dict[str, Any] = {"type": order.method.type}
        if order.method.type == "cheque":
            method.update(
                cheque_no=order.method.cheque_no,
                bank=order.method.bank,
                date=order.method.date.isoformat() if order.method.date else None,
            )
        payload = {
            "operation_id": new_operation_id(),
            "bills": bills,
            "contact": {"mobile": mobile, "email": email},
            "method": method,
            "offline": False,
        }
        return services, payload

    @staticmethod
    def _clean_fields(service: ServiceInfo, fields: Mapping[str, str], where: str) -> dict[str, str]:
        unknown = sorted(set(fields) - {f.name for f in service.fields})
        if unknown:
            raise InvalidField(
                f"{service.name_en} has no field {unknown[0]}",
                code="unknown_field",
                details={"field": f"{where}.{unknown[0]}"},
            )
        return {f.name: f.check(fields.get(f.name), f"{where}.{f.name}") for f in service.fields}

    @staticmethod
    def _needs_connection(service: ServiceInfo, what: str = "This service") -> NeedsConnection:
        return NeedsConnection(
            f"{what} for {service.name_en} needs the connection to the central server; only offline-capable "
            "services (electricity bills with the K No.) can be paid offline. Try again when the kiosk is online.",
            details={"service_code": service.code},
        )

    def _pay_offline(self, order: PaymentOrder, services: list[ServiceInfo], payload: dict[str, Any]) -> PaymentOutcome:
        for service in services:
            if not service.offline_capable:
                raise self._needs_connection(service)
        payload = {**payload, "offline": True}
        op_id = str(payload["operation_id"])
        total = sum(b.amount_paise for b in order.bills)
        from_wallet = total if order.method.type == "wallet" else 0
        op = NewOperation(op_id, "payment", payload, total, from_wallet, True)

        def queue() -> None:
            # Checked and written in one worker task, so two quick payments cannot both use the last rupees.
            limit = read_money(self.store).offline_limit_paise
            if from_wallet > limit:
                raise OfflineLimitExceeded(
                    f"the offline limit is ₹{limit / 100:,.2f}; this payment needs ₹{from_wallet / 100:,.2f}. "
                    "Sync with the server or refill the wallet.",
                    details={"limit_paise": limit, "requested_paise": from_wallet},
                )
            self.store.outbox.add(op)

        self.worker.call(queue)
        return self._provisional(order, services, payload, OutcomeStatus.PROVISIONAL)

    def _provisional(
        self, order: PaymentOrder, services: list[ServiceInfo], payload: dict[str, Any], status: OutcomeStatus
    ) -> PaymentOutcome:
        op_id = str(payload["operation_id"])
        first, line = services[0], order.bills[0]
        cheque = payload["method"] if order.method.type == "cheque" else None
        total = sum(b.amount_paise for b in order.bills)
        signed = self.receipt_key.signed_path(op_id, total) if self.receipt_key is not None else ""
        receipt = provisional(
            operation_id=op_id,
            taken_at=self.clock(),
            kiosk=self.kiosk_identity(),
            service=first.name,
            department=Bilingual(first.department_name_en, first.department_name_hi),
            label=first.fields[0].label,
            consumer_no=payload["bills"][0]["fields"][first.fields[0].name],
            consumer_name=line.consumer_name,
            bills=[(b.bill_no, b.amount_paise) for b in order.bills],
            method=order.method.type,
            cheque=cheque,
            help_desk=self.help_desk,
            contact_mobile=order.contact.mobile or "",
            verify_url=f"{self.api.base_url}{signed}" if signed else "",
        )
        spool_id = self.worker.call(self.store.spool.add, op_id, receipt.to_json())
        paid = [
            PaidBill(s.code, sent["fields"], sent["fields"][s.fields[0].name], b.amount_paise, b.consumer_name)
            for s, sent, b in zip(services, payload["bills"], order.bills, strict=True)
        ]
        self._remember(order, op_id, paid, OutboxState.QUEUED.value, self.clock().isoformat(), None)
        self.money.publish()
        return PaymentOutcome(op_id, status, receipt, spool_id)

    def _remember(
        self, order: PaymentOrder, op_id: str, paid: list[PaidBill], status: str, at: str, receipt_no: str | None
    ) -> None:
        """The customer memory of this kiosk (offline_cache/customers.py); a failure there never fails a payment."""
        try:
            self.worker.call(
                lambda: self.store.customers.record(
                    op_id,
                    paid,
                    status=status,
                    paid_at=at,
                    mobile=mobile_or_none(order.contact.mobile),
                    consent=order.remember_mobile,
                    receipt_no=receipt_no,
                )
            )
        except Exception:  # the payment is recorded in the outbox either way
            log.exception("payment %s: the customer memory could not keep it", op_id)

    def _resolve_lost(
        self, order: PaymentOrder, services: list[ServiceInfo], payload: dict[str, Any], reason: str, deadline: float
    ) -> PaymentOutcome:
        """The answer was lost: ask the server for the operation first; send again (same id) only if it has none.

        Still no answer by the deadline: the payment is in doubt (AnswerLost), never quietly provisional — it
        stays in the outbox, and the next sync asks the server what became of it.
        """
        op_id = str(payload["operation_id"])
        self.worker.call(self.store.outbox.note_failure, [op_id], reason)
        try:
            try:
                view = self.api.get(f"/payments/{op_id}", deadline=deadline)
            except UnknownPayment:
                # It never arrived: sending again is safe, the id makes a late copy of the first one harmless.
                view = self.api.post("/payments", payload, deadline=deadline)
        except (ServerUnreachable, ServerFault) as exc:
            self.worker.call(self.store.outbox.note_failure, [op_id], str(exc))
            self.money.publish()
            raise AnswerLost(details={"operation_id": op_id, "seconds": round(self.wait_s)}) from exc
        except Refused as exc:
            # The first copy may still be at work at the server (and have paid the bill meanwhile):
            # the operation's own status decides.
            try:
                view = self.api.get(f"/payments/{op_id}", deadline=deadline)
            except KioskError:
                self._record_refused(op_id, exc)
                raise exc from None
        self.connectivity.report(True)
        return self._finish(order, services, op_id, view, deadline)

    def _finish(
        self, order: PaymentOrder, services: list[ServiceInfo], op_id: str, view: dict[str, Any], deadline: float
    ) -> PaymentOutcome:
        payment = PaymentPublic.parse(view)
        self.worker.call(self._record_view, op_id, view, payment)
        checks = 0
        while (
            payment.status is PaymentStatus.PENDING
            and checks < self.status_checks
            and time.monotonic() + self.status_wait * (checks + 1) < deadline
        ):
            # The department's answer was lost or late: its status is asked through the server.
            time.sleep(self.status_wait * (checks + 1))
            checks += 1
            try:
                view = self.api.get(f"/payments/{op_id}", deadline=deadline)
            except (ServerUnreachable, ServerFault):
                break
            payment = PaymentPublic.parse(view)
            self.worker.call(self._record_view, op_id, view, payment)
        receipt = from_payment(payment, services[0].fields[0].label, self.help_desk, self.api.base_url, self.operator)
        spool_id = self.worker.call(self.store.spool.add, op_id, receipt.to_json())
        status = outcome_status(payment.status)
        paid = [
            PaidBill(b.service_code, sent.fields, b.consumer_no, b.amount_paise, b.consumer_name)
            for b, sent in zip(payment.bills, order.bills, strict=True)
        ]
        self._remember(order, op_id, paid, payment.status.value, payment.created_at, payment.receipt_no)
        self.money.publish()
        return PaymentOutcome(op_id, status, receipt, spool_id, view)

    # -- Corrected receipt ---------------------------------------------------------------------------------
    def corrected_receipt(self, operation_id: str) -> tuple[Receipt, int] | None:
        """The receipt of a payment whose final word came after the customer left with a PENDING (or PROVISIONAL)
        one — after Verify or the Day End sync — marked CORRECTED and spooled once per final status; None while
        the payment is still pending (there is nothing to correct yet)."""
        view = self.api.get(f"/payments/{operation_id}")
        payment = PaymentPublic.parse(view)
        if not is_final(payment.status):
            return None
        code = payment.bills[0].service_code
        try:
            service = self.catalog.service(code)
        except UnknownService:  # this PC has not kept the catalog yet (no service was opened): bring it now
            self.catalog.refresh()
            service = self.catalog.service(code)
        receipt = replace(
            from_payment(payment, service.fields[0].label, self.help_desk, self.api.base_url, self.operator),
            corrected=Corrected(ReceiptStatus.PENDING),
        )
        key = f"{operation_id}:corrected:{payment.status.value}"
        spool_id = self.worker.call(self.store.spool.add, key, receipt.to_json())
        return receipt, spool_id

    def kiosk_identity(self) -> Kiosk:
        """This kiosk's code and name as the server last gave them, and who is signed in (printed on what the
        kiosk prints offline)."""
        kiosk = self.worker.call(self.store.state.get, "kiosk", None) or {}
        return issuer(kiosk.get("code", ""), kiosk.get("name", ""), self.operator)

    def _record_view(self, op_id: str, view: dict[str, Any], payment: PaymentPublic) -> None:
        self.store.outbox.record([Outcome(op_id, True, result=view)])
        save_wallet(self.store, wallet_snapshot(payment.wallet, f"payment {op_id}"))
        self.store.state.set("kiosk", {"code": payment.kiosk_code, "name": payment.kiosk_name})

    def _record_refused(self, op_id: str, exc: KioskError) -> None:
        # Shown at the counter (operator_informed): it does not go to Reconcile.
        self.worker.call(
            self.store.outbox.record, [Outcome(op_id, False, error=error_body(exc))], operator_informed=True
        )
