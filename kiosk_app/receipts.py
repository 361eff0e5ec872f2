"""Receipts for payments: from the server's answer, or PROVISIONAL from what was typed off the paper bill."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, assert_never

from kiosk_app.contract import PaymentPublic, PaymentStatus
from printing.receipt import (
    Bilingual,
    Bill,
    Cheque,
    HelpDesk,
    Kiosk,
    Payment,
    PaymentMethod,
    Provisional,
    Receipt,
    ReceiptStatus,
)

if TYPE_CHECKING:
    from kiosk_app.session import SignedInOperator

PENDING_REFERENCE = "PENDING"


def receipt_status(status: PaymentStatus) -> ReceiptStatus:
    """What the receipt says of a payment in this state; every status of the contract has its answer."""
    match status:
        case PaymentStatus.SUCCESS:
            return ReceiptStatus.SUCCESS
        case PaymentStatus.FAILED:
            return ReceiptStatus.FAILED
        case PaymentStatus.PARTIAL:
            return ReceiptStatus.PARTIAL
        case PaymentStatus.PENDING | PaymentStatus.INITIATED:
            return ReceiptStatus.PENDING
        case _:
            assert_never(status)


def is_final(status: PaymentStatus) -> bool:
    """Whether the department's word on the payment is in: a receipt printed now says how it ended."""
    return receipt_status(status) is not ReceiptStatus.PENDING


def _cheque(cheque_no: str | None, bank: str | None, day: str | None) -> Cheque | None:
    return Cheque(cheque_no or "", bank or "", date.fromisoformat(day)) if day else None


def _payment(method: str, cheque: Cheque | None) -> Payment:
    if method == "cheque" and cheque:
        return Payment(PaymentMethod.DEPARTMENTAL_CHEQUE, cheque)
    if method == "micro_atm":
        return Payment(PaymentMethod.MICRO_ATM)
    return Payment(PaymentMethod.WALLET)


def issuer(code: str, name: str, operator: SignedInOperator | None) -> Kiosk:
    """Who issues a slip, as every receipt and report prints it: the kiosk, and the SSO ID signed in now."""
    return Kiosk(code, name, operator=operator.sso_id if operator is not None else "")


def from_payment(
    view: PaymentPublic,
    label: Bilingual,
    help_desk: HelpDesk,
    server: str = "",
    operator: SignedInOperator | None = None,
) -> Receipt:
    """The receipt of a payment as the server describes it (GET /payments/{id} or the pay answer); `server` is
    the server's address, which with the answer's signed path makes the verification URL its QR holds;
    `operator` is who is signed in (their SSO ID is printed)."""
    first = view.bills[0]
    return Receipt(
        receipt_no=view.receipt_no or view.txn_id,
        txn_id=view.txn_id,
        biller_reference=first.biller_ref or PENDING_REFERENCE,
        approval_no=first.approval_no or "",
        paid_at=datetime.fromisoformat(view.created_at),
        kiosk=issuer(view.kiosk_code, view.kiosk_name, operator),
        service=Bilingual(first.service_name_en, first.service_name_hi),
        department=Bilingual(first.department_name_en, first.department_name_hi),
        consumer_name=first.consumer_name,
        consumer_no_label=label,
        consumer_no=first.consumer_no,
        bills=tuple(
            Bill(b.bill_no or b.reference, b.amount_paise, date.fromisoformat(b.due_date) if b.due_date else None)
            for b in view.bills
        ),
        payment=_payment(
            view.method, _cheque(view.cheque.cheque_no, view.cheque.bank, view.cheque.date) if view.cheque else None
        ),
        status=receipt_status(view.status),
        help_desk=help_desk,
        contact_mobile=view.contact.mobile or "",
        verify_url=f"{server}{view.verify_path}" if view.verify_path and server else "",
    )


def provisional_number(operation_id: str) -> str:
    """The number a PROVISIONAL receipt carries: the operation id's start, which ties it to the outbox."""
    return f"PRV-{operation_id[:12].upper()}"


def provisional(
    *,
    operation_id: str,
    taken_at: datetime,
    kiosk: Kiosk,
    service: Bilingual,
    department: Bilingual,
    label: Bilingual,
    consumer_no: str,
    consumer_name: str,
    bills: Sequence[tuple[str, int]],
    method: str,
    cheque: dict[str, Any] | None,
    help_desk: HelpDesk,
    contact_mobile: str = "",
    verify_url: str = "",
) -> Receipt:
    """A PROVISIONAL receipt for a payment taken offline; its number carries the operation id, its QR the
    kiosk-signed verification URL (`verify_url`, kiosk_app.receipt_key) where there is one, else the id."""
    return Receipt(
        receipt_no=provisional_number(operation_id),
        txn_id=operation_id,
        biller_reference=PENDING_REFERENCE,
        paid_at=taken_at,
        kiosk=kiosk,
        service=service,
        department=department,
        consumer_name=consumer_name,
        consumer_no_label=label,
        consumer_no=consumer_no,
        bills=tuple(Bill(bill_no or "-", amount) for bill_no, amount in bills),
        payment=_payment(
            method, _cheque(cheque.get("cheque_no"), cheque.get("bank"), cheque.get("date")) if cheque else None
        ),
        status=ReceiptStatus.PENDING,
        help_desk=help_desk,
        provisional=Provisional(operation_id),
        contact_mobile=contact_mobile,
        verify_url=verify_url,
    )
