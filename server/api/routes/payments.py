"""Add Bill For Payment → Pay By Wallet / Departmental Cheque, and the status of a payment.

The routes are `async def` and hand the blocking work to a worker thread themselves: FastAPI runs a plain
`def` route on one worker thread and then checks its answer against the return type on another, and on a
busy server each hop costs more than the check.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from server.api.deps import CurrentKiosk, SyncKiosk
from server.core.fields import PathName
from server.payments import BillRequest, Payments, PayRequest, normalise_mobile
from server.payments.schemas import PayBatchIn, PayIn

router = APIRouter(tags=["payments"])


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


def _pay_request(body: PayIn) -> PayRequest:
    mobile = normalise_mobile(body.contact.mobile) if body.contact.mobile and body.contact.mobile.strip() else None
    email = body.contact.email.strip() if body.contact.email and body.contact.email.strip() else None
    return PayRequest(
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


@router.post("")
async def pay(body: PayIn, request: Request, kiosk: CurrentKiosk) -> dict[str, Any]:
    """Idempotent on operation_id: the same id and body answer with the same payment, never a second one."""
    answer: dict[str, Any] = await run_in_threadpool(
        _payments(request).pay, kiosk.kiosk_id, kiosk.kiosk_code, _pay_request(body)
    )
    return answer


@router.post("/batch")
async def pay_batch(body: PayBatchIn, request: Request, kiosk: SyncKiosk) -> dict[str, Any]:
    """Day-end sync: each item is paid at most once (its operation id), refusals are per item.

    An item's answer is "done" (with the payment, whatever its state) or "refused" (with the error,
    for Reconcile); a refused item changed nothing and may be corrected and sent with a new id.
    """
    answers = await run_in_threadpool(
        _payments(request).pay_batch, kiosk.kiosk_id, kiosk.kiosk_code, [_pay_request(i) for i in body.items]
    )
    results = [{"operation_id": item.operation_id, **answer} for item, answer in zip(body.items, answers, strict=True)]
    return {"results": results}


@router.get("/{operation_id}")
async def payment_status(operation_id: PathName, request: Request, kiosk: SyncKiosk) -> dict[str, Any]:
    """The payment's state now; an unfinished one is first asked of its department."""
    answer: dict[str, Any] = await run_in_threadpool(_payments(request).by_operation, kiosk.kiosk_id, operation_id)
    return answer
