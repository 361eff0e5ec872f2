"""Add Bill For Payment → Pay By Wallet / Departmental Cheque, and the status of a payment.

The routes are `async def` and hand the blocking work to a worker thread themselves: FastAPI runs a plain
`def` route on one worker thread and then checks its answer against the return type on another, and on a
busy server each hop costs more than the check.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from rules.contact import mobile_or_none
from server.api.answers import checked
from server.api.deps import CurrentKiosk, SyncKiosk
from server.core.fields import PathName
from server.payments import BillRequest, Payments, PayRequest
from server.payments.schemas import PayBatchIn, PayBatchPublic, PayIn, PaymentPublic

router = APIRouter(tags=["payments"])


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


def _pay_request(body: PayIn) -> PayRequest:
    mobile = mobile_or_none(body.contact.mobile)
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


@router.post("", response_model=PaymentPublic)
async def pay(body: PayIn, request: Request, kiosk: CurrentKiosk) -> Response:
    """Idempotent on operation_id: the same id and body answer with the same payment, never a second one."""
    payments, pay_request = _payments(request), _pay_request(body)
    return await run_in_threadpool(
        lambda: checked(PaymentPublic, payments.pay(kiosk.kiosk_id, kiosk.kiosk_code, pay_request))
    )


@router.post("/batch", response_model=PayBatchPublic)
async def pay_batch(body: PayBatchIn, request: Request, kiosk: SyncKiosk) -> Response:
    """Day-end sync: each item is paid at most once (its operation id), refusals are per item.

    An item's answer is "done" (with the payment, whatever its state) or "refused" (with the error,
    for Reconcile); a refused item changed nothing and may be corrected and sent with a new id.
    """
    payments, requests = _payments(request), [_pay_request(i) for i in body.items]

    def work() -> Response:
        answers = payments.pay_batch(kiosk.kiosk_id, kiosk.kiosk_code, requests)
        results = [{"operation_id": i.operation_id, **a} for i, a in zip(body.items, answers, strict=True)]
        return checked(PayBatchPublic, {"results": results})

    return await run_in_threadpool(work)


@router.get("/{operation_id}", response_model=PaymentPublic)
async def payment_status(operation_id: PathName, request: Request, kiosk: SyncKiosk) -> Response:
    """The payment's state now; an unfinished one is first asked of its department."""
    payments = _payments(request)
    return await run_in_threadpool(lambda: checked(PaymentPublic, payments.by_operation(kiosk.kiosk_id, operation_id)))
