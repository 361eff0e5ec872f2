"""Add Bill For Payment → Pay By Wallet / Departmental Cheque, and the status of a payment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from server.api.deps import CurrentKiosk
from server.payments import BillRequest, Payments, PayRequest, normalise_mobile
from server.payments.schemas import PayIn

router = APIRouter(tags=["payments"])


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


@router.post("")
def pay(body: PayIn, request: Request, kiosk: CurrentKiosk) -> dict[str, Any]:
    """Idempotent on operation_id: the same id and body answer with the same payment, never a second one."""
    mobile = normalise_mobile(body.contact.mobile) if body.contact.mobile and body.contact.mobile.strip() else None
    email = body.contact.email.strip() if body.contact.email and body.contact.email.strip() else None
    pay_request = PayRequest(
        operation_id=body.operation_id,
        bills=[BillRequest(b.service_code, dict(b.fields), b.amount_paise) for b in body.bills],
        mobile=mobile,
        email=email,
        method=body.method.type,
        cheque_no=body.method.cheque_no,
        cheque_bank=body.method.bank,
        cheque_date=body.method.date,
        offline=body.offline,
    )
    return _payments(request).pay(kiosk.kiosk_id, kiosk.kiosk_code, pay_request)


@router.get("/{operation_id}")
def payment_status(operation_id: str, request: Request, kiosk: CurrentKiosk) -> dict[str, Any]:
    """The payment's state now; an unfinished one is first asked of its department."""
    return _payments(request).by_operation(kiosk.kiosk_id, operation_id)
