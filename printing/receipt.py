"""The receipt and report models that every renderer prints (frozen values, amounts in integer paise)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import words
from words.amount import amount_in_words

# India has had one offset and no daylight saving since 1945; a fixed offset avoids needing the
# tz database, which Windows kiosk PCs do not have without the tzdata package.
IST = timezone(timedelta(hours=5, minutes=30), "IST")


@dataclass(frozen=True)
class Bilingual:
    """One label or name in English and Hindi."""

    en: str
    hi: str

    def joined(self, separator: str = " / ") -> str:
        if not self.hi:
            return self.en
        if not self.en:
            return self.hi
        return f"{self.hi}{separator}{self.en}"

    @classmethod
    def of(cls, key: str, **values: object) -> Bilingual:
        """The catalog's words for `key` in both languages."""
        return cls(*words.pair(key, **values))


class Labels:
    """The printed field labels, kept in one place so the thermal and the PDF receipt agree (`printed.<name>`)."""

    ISSUER = Bilingual.of("printed.issuer")
    TITLE = Bilingual.of("printed.title")
    NOT_PAID_TITLE = Bilingual.of("printed.title_not_paid")  # a declined payment: its slip is no receipt
    CASH_OUT_TITLE = Bilingual.of("printed.title_cash_out")  # a micro-ATM withdrawal: cash paid, not a payment
    CASH_PAID = Bilingual.of("printed.cash_paid")
    IN_WORDS = Bilingual.of("printed.in_words")
    MOBILE = Bilingual.of("printed.mobile")
    COMPUTER_MADE = Bilingual.of("printed.computer_made")
    RECEIPT_NO = Bilingual.of("printed.receipt_no")
    TRANSACTION_ID = Bilingual.of("printed.transaction_id")
    BILLER_REFERENCE = Bilingual.of("printed.biller_reference")
    DATE_TIME = Bilingual.of("printed.date_time")
    KIOSK = Bilingual.of("printed.kiosk")
    OPERATOR = Bilingual.of("printed.operator")  # the SSO ID signed in when the slip was made
    APPROVAL_NO = Bilingual.of("printed.approval_no")  # the department's approval number, beside its reference
    SERVICE = Bilingual.of("printed.service")
    DEPARTMENT = Bilingual.of("printed.department")
    CONSUMER_NAME = Bilingual.of("printed.consumer_name")
    BILL_NO = Bilingual.of("printed.bill_no")
    DUE_DATE = Bilingual.of("printed.due_date")
    AMOUNT = Bilingual.of("printed.amount")
    TOTAL = Bilingual.of("printed.total")
    PAYMENT_METHOD = Bilingual.of("printed.payment_method")
    CHEQUE_NO = Bilingual.of("printed.cheque_no")
    BANK = Bilingual.of("printed.bank")
    CHEQUE_DATE = Bilingual.of("printed.cheque_date")
    STATUS = Bilingual.of("printed.status")
    PROVISIONAL = Bilingual.of("printed.provisional")
    PROVISIONAL_NOTE = Bilingual.of("printed.provisional_note")
    OPERATION_ID = Bilingual.of("printed.operation_id")
    DUPLICATE = Bilingual.of("printed.duplicate")
    CORRECTED = Bilingual.of("printed.corrected")
    COPY = Bilingual.of("printed.copy")
    HELP_DESK = Bilingual.of("printed.help_desk")
    THANKS = Bilingual.of("printed.thanks")
    SCAN = Bilingual.of("printed.scan")
    PERIOD = Bilingual.of("printed.period")


class PaymentMethod(StrEnum):
    """The portal's "Select Payment Method" choices."""

    WALLET = "wallet"
    DEPARTMENTAL_CHEQUE = "departmental_cheque"
    MICRO_ATM = "micro_atm"  # not a payment: cash the kiosk paid out, credited to its wallet by the bank

    @property
    def label(self) -> Bilingual:
        return Bilingual.of(f"printed.method.{self.value}")


class ReceiptStatus(StrEnum):
    """Where the payment stands when the receipt is printed."""

    SUCCESS = "success"
    PENDING = "pending"
    FAILED = "failed"
    PARTIAL = "partial"  # some bills paid, the others failed and were given back

    @property
    def label(self) -> Bilingual:
        return Bilingual.of(f"printed.status.{self.value}")


@dataclass(frozen=True)
class Kiosk:
    """Who issued the slip: the kiosk, and the operator (their SSO ID) signed in when it was made."""

    code: str
    name: str
    district: str = ""
    operator: str = ""


@dataclass(frozen=True)
class HelpDesk:
    """The support contacts printed on every receipt, as the portal circular asks."""

    phones: tuple[str, ...]
    email: str


@dataclass(frozen=True)
class Cheque:
    number: str
    bank: str
    dated: date


@dataclass(frozen=True)
class Payment:
    method: PaymentMethod
    cheque: Cheque | None = None

    def __post_init__(self) -> None:
        if (self.method is PaymentMethod.DEPARTMENTAL_CHEQUE) != (self.cheque is not None):
            raise ValueError("a departmental cheque payment needs cheque details, a wallet payment none")


@dataclass(frozen=True)
class Bill:
    bill_no: str
    amount_paise: int
    due_date: date | None = None
    period: str = ""

    def __post_init__(self) -> None:
        _require_paise(self.amount_paise, "bill amount")


@dataclass(frozen=True)
class Provisional:
    """Marks a receipt for a payment taken offline; the operation id ties it to the outbox."""

    operation_id: str


@dataclass(frozen=True)
class Corrected:
    """Marks the receipt printed when a payment's final word came after the customer left with another (PENDING
    or PROVISIONAL): it replaces that one, and says what it said."""

    replaces: ReceiptStatus


@dataclass(frozen=True)
class Duplicate:
    """Marks a reprint; the original is copy 1."""

    copy_number: int

    def __post_init__(self) -> None:
        if self.copy_number < 2:
            raise ValueError("a duplicate is copy 2 or later")


@dataclass(frozen=True)
class Receipt:
    receipt_no: str
    txn_id: str
    biller_reference: str
    paid_at: datetime
    kiosk: Kiosk
    service: Bilingual
    department: Bilingual
    consumer_name: str
    consumer_no_label: Bilingual
    consumer_no: str
    bills: tuple[Bill, ...]
    payment: Payment
    status: ReceiptStatus
    help_desk: HelpDesk
    provisional: Provisional | None = None
    duplicate: Duplicate | None = None
    corrected: Corrected | None = None
    contact_mobile: str = ""  # the customer's, as given; printed masked
    verify_url: str = ""  # the server's signed verification page for this receipt; its QR (else the txn id)
    approval_no: str = ""  # the department's approval number, printed beside its reference where it gave one

    def __post_init__(self) -> None:
        if self.paid_at.tzinfo is None:
            raise ValueError("paid_at must carry its time zone (store UTC, print IST)")
        if not self.bills:
            raise ValueError("a receipt needs at least one bill")
        if not self.txn_id:
            raise ValueError("a receipt needs a transaction id (it goes into the QR code)")

    @property
    def total_paise(self) -> int:
        return sum(bill.amount_paise for bill in self.bills)

    @property
    def qr_data(self) -> str:
        """What the QR holds: the signed verification address where the server gave one, else the txn id."""
        return self.verify_url or self.txn_id

    @property
    def masked_mobile(self) -> str:
        """The customer's mobile with all but its first two and last two digits hidden: 98XXXXXX10."""
        digits = "".join(ch for ch in self.contact_mobile if ch.isdigit())[-10:]
        return f"{digits[:2]}{'X' * (len(digits) - 4)}{digits[-2:]}" if len(digits) >= 6 else ""

    @property
    def paid_at_text(self) -> str:
        """The time as the receipt prints it, to the second, in IST."""
        return self.paid_at_ist.strftime("%d-%m-%Y %H:%M:%S IST")

    @property
    def cash_out(self) -> bool:
        """A micro-ATM withdrawal: the kiosk paid the customer cash; the bank credits the wallet."""
        return self.payment.method is PaymentMethod.MICRO_ATM

    @property
    def title(self) -> Bilingual:
        """What the slip is: a payment receipt, a cash withdrawal receipt, or (declined) a slip saying nothing
        was paid."""
        if self.status is ReceiptStatus.FAILED:
            return Labels.NOT_PAID_TITLE
        return Labels.CASH_OUT_TITLE if self.cash_out else Labels.TITLE

    @property
    def total_label(self) -> Bilingual:
        return Labels.CASH_PAID if self.cash_out else Labels.TOTAL

    def corrected_note(self) -> Bilingual:
        """What a corrected receipt says of the one it replaces (its status in each language)."""
        assert self.corrected is not None
        label = self.corrected.replaces.label
        return Bilingual(
            words.english("printed.corrected_note", status=label.en),
            words.hindi("printed.corrected_note", status=label.hi),
        )

    def total_in_words(self) -> Bilingual:
        """The total in words, English and Hindi (Indian numbering: lakh, crore)."""
        return Bilingual(
            amount_in_words(self.total_paise, words.Language.ENGLISH),
            amount_in_words(self.total_paise, words.Language.HINDI),
        )

    @property
    def paid_at_ist(self) -> datetime:
        return self.paid_at.astimezone(IST)

    def as_duplicate(self, copy_number: int) -> Receipt:
        return replace(self, duplicate=Duplicate(copy_number))

    def to_json(self) -> str:
        return json.dumps(_receipt_to_dict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        return _receipt_from_dict(json.loads(text))


@dataclass(frozen=True)
class ReportRow:
    """One label/value line of a report (values are already formatted, e.g. with format_rupees)."""

    label: Bilingual
    value: str


@dataclass(frozen=True)
class ReportTable:
    columns: tuple[Bilingual, ...]
    rows: tuple[tuple[str, ...], ...]
    # Column indexes printed right-aligned (amounts, counts).
    right_aligned: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} has {len(row)} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class Report:
    """A printable report: day-end summary, wallet statement or reconcile report."""

    title: Bilingual
    kiosk: Kiosk
    generated_at: datetime
    subtitle: str = ""
    rows: tuple[ReportRow, ...] = ()
    table: ReportTable | None = None
    footer: tuple[Bilingual, ...] = ()

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None:
            raise ValueError("generated_at must carry its time zone")


def _require_paise(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be integer paise, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} cannot be negative")


def _bi(b: Bilingual) -> dict[str, str]:
    return {"en": b.en, "hi": b.hi}


def _unbi(d: dict[str, str]) -> Bilingual:
    return Bilingual(d["en"], d["hi"])


FORMAT_VERSION = 2  # a spooled receipt's JSON; version 1 (older spools) is still read
VERSION_1_NAMES = {
    "receipt_number": "receipt_no",
    "transaction_id": "txn_id",
    "consumer_number_label": "consumer_no_label",
    "consumer_number": "consumer_no",
    "bill_number": "bill_no",
}


def _receipt_to_dict(r: Receipt) -> dict[str, Any]:
    cheque = r.payment.cheque
    return {
        "version": FORMAT_VERSION,
        "receipt_no": r.receipt_no,
        "txn_id": r.txn_id,
        "biller_reference": r.biller_reference,
        "paid_at": r.paid_at.astimezone(UTC).isoformat(),
        "kiosk": {
            "code": r.kiosk.code,
            "name": r.kiosk.name,
            "district": r.kiosk.district,
            "operator": r.kiosk.operator,
        },
        "service": _bi(r.service),
        "department": _bi(r.department),
        "consumer_name": r.consumer_name,
        "consumer_no_label": _bi(r.consumer_no_label),
        "consumer_no": r.consumer_no,
        "bills": [
            {
                "bill_no": b.bill_no,
                "amount_paise": b.amount_paise,
                "due_date": b.due_date.isoformat() if b.due_date else None,
                "period": b.period,
            }
            for b in r.bills
        ],
        "payment": {
            "method": r.payment.method.value,
            "cheque": (
                {"number": cheque.number, "bank": cheque.bank, "dated": cheque.dated.isoformat()} if cheque else None
            ),
        },
        "status": r.status.value,
        "help_desk": {"phones": list(r.help_desk.phones), "email": r.help_desk.email},
        "provisional": {"operation_id": r.provisional.operation_id} if r.provisional else None,
        "duplicate": {"copy_number": r.duplicate.copy_number} if r.duplicate else None,
        "corrected": {"replaces": r.corrected.replaces.value} if r.corrected else None,
        "contact_mobile": r.contact_mobile,
        "verify_url": r.verify_url,
        "approval_no": r.approval_no,
    }


def _from_version_1(d: dict[str, Any]) -> dict[str, Any]:
    """A receipt spooled before the fields took the server's names (receipt_no, txn_id, consumer_no, bill_no)."""
    renamed = {VERSION_1_NAMES.get(k, k): v for k, v in d.items()}
    renamed["bills"] = [{VERSION_1_NAMES.get(k, k): v for k, v in b.items()} for b in d["bills"]]
    return {**renamed, "version": FORMAT_VERSION}


def _receipt_from_dict(d: dict[str, Any]) -> Receipt:
    if d.get("version") == 1:
        d = _from_version_1(d)
    if d.get("version") != FORMAT_VERSION:
        raise ValueError(f"unknown receipt format version {d.get('version')!r}")
    cheque = d["payment"]["cheque"]
    return Receipt(
        receipt_no=d["receipt_no"],
        txn_id=d["txn_id"],
        biller_reference=d["biller_reference"],
        paid_at=datetime.fromisoformat(d["paid_at"]),
        kiosk=Kiosk(**d["kiosk"]),
        service=_unbi(d["service"]),
        department=_unbi(d["department"]),
        consumer_name=d["consumer_name"],
        consumer_no_label=_unbi(d["consumer_no_label"]),
        consumer_no=d["consumer_no"],
        bills=tuple(
            Bill(
                bill_no=b["bill_no"],
                amount_paise=b["amount_paise"],
                due_date=date.fromisoformat(b["due_date"]) if b["due_date"] else None,
                period=b["period"],
            )
            for b in d["bills"]
        ),
        payment=Payment(
            method=PaymentMethod(d["payment"]["method"]),
            cheque=(Cheque(cheque["number"], cheque["bank"], date.fromisoformat(cheque["dated"])) if cheque else None),
        ),
        status=ReceiptStatus(d["status"]),
        help_desk=HelpDesk(tuple(d["help_desk"]["phones"]), d["help_desk"]["email"]),
        provisional=Provisional(**d["provisional"]) if d["provisional"] else None,
        duplicate=Duplicate(**d["duplicate"]) if d["duplicate"] else None,
        corrected=Corrected(ReceiptStatus(d["corrected"]["replaces"])) if d.get("corrected") else None,
        contact_mobile=d.get("contact_mobile", ""),
        verify_url=d.get("verify_url", ""),
        approval_no=d.get("approval_no", ""),
    )
