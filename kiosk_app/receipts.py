"""Receipts for payments: from the server's answer, or PROVISIONAL from what was typed off the paper bill."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

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

PENDING_REFERENCE = "PENDING"


def _status(value: str) -> ReceiptStatus:
    return {"success": ReceiptStatus.SUCCESS, "failed": ReceiptStatus.FAILED}.get(value, ReceiptStatus.PENDING)


def _payment(method: str, cheque: dict[str, Any] | None) -> Payment:
    if method == "cheque" and cheque:
        return Payment(PaymentMethod.DEPARTMENTAL_CHEQUE,
                       Cheque(str(cheque.get("cheque_no") or ""), str(cheque.get("bank") or ""),
                              date.fromisoformat(str(cheque["date"]))))
    if method == "micro_atm":
        return Payment(PaymentMethod.MICRO_ATM)
    return Payment(PaymentMethod.WALLET)


def from_payment(view: dict[str, Any], label: Bilingual, help_desk: HelpDesk) -> Receipt:
    """The receipt of a payment as the server describes it (GET /payments/{id} or the pay answer)."""
    bills = view["bills"]
    first = bills[0]
    return Receipt(
        receipt_number=str(view.get("receipt_no") or view["txn_id"]),
        transaction_id=str(view["txn_id"]),
        biller_reference=str(first.get("biller_ref") or PENDING_REFERENCE),
        paid_at=datetime.fromisoformat(view["created_at"]),
        kiosk=Kiosk(view["kiosk_code"], view["kiosk_name"]),
        service=Bilingual(first["service_name_en"], first["service_name_hi"]),
        department=Bilingual(first["department_name_en"], first["department_name_hi"]),
        consumer_name=str(first.get("consumer_name") or ""),
        consumer_number_label=label,
        consumer_number=str(first["consumer_no"]),
        bills=tuple(
            Bill(str(b.get("bill_no") or b["reference"]), int(b["amount_paise"]),
                 date.fromisoformat(b["due_date"]) if b.get("due_date") else None)
            for b in bills
        ),
        payment=_payment(str(view["method"]), view.get("cheque")),
        status=_status(str(view["status"])),
        help_desk=help_desk,
    )


def provisional(
    *,
    operation_id: str,
    taken_at: datetime,
    kiosk: Kiosk,
    service: Bilingual,
    department: Bilingual,
    label: Bilingual,
    consumer_number: str,
    consumer_name: str,
    bills: Sequence[tuple[str, int]],
    method: str,
    cheque: dict[str, Any] | None,
    help_desk: HelpDesk,
) -> Receipt:
    """A PROVISIONAL receipt for a payment taken offline; its QR and number carry the operation id."""
    return Receipt(
        receipt_number=f"PRV-{operation_id[:12].upper()}",
        transaction_id=operation_id,
        biller_reference=PENDING_REFERENCE,
        paid_at=taken_at,
        kiosk=kiosk,
        service=service,
        department=department,
        consumer_name=consumer_name,
        consumer_number_label=label,
        consumer_number=consumer_number,
        bills=tuple(Bill(bill_no or "-", amount) for bill_no, amount in bills),
        payment=_payment(method, cheque),
        status=ReceiptStatus.PENDING,
        help_desk=help_desk,
        provisional=Provisional(operation_id),
    )
