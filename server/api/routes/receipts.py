"""A kiosk's receipts: find one again to reprint it, and send one to the customer by SMS or e-mail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from server.api.answers import checked
from server.api.deps import CurrentKiosk, EngineDep, GatewayDep, RequestContextDep
from server.core.fields import Day, Text
from server.payments import Payments
from server.receipts import (
    MessageRateLimited,
    MessageRequest,
    SearchKey,
    find_receipts,
    searched_mobile,
    send_receipt,
)
from server.receipts.schemas import ReceiptMessageIn, ReceiptMessagePublic, ReceiptSearchPublic

router = APIRouter(tags=["receipts"])

Key = Annotated[str | None, Query(max_length=64), Text(64)]


@router.get("", response_model=ReceiptSearchPublic)
async def search_receipts(
    request: Request,
    kiosk: CurrentKiosk,
    receipt_no: Key = None,
    consumer_no: Key = None,
    mobile: Annotated[str | None, Query(max_length=20), Text(20)] = None,
    day: Annotated[Day | None, Query(alias="date", description="IST business date of the payment")] = None,
) -> Response:
    """This kiosk's receipts by receipt number, consumer number (K No.), customer's mobile or date; another
    kiosk's receipt is never found here (404 receipt_not_found)."""
    payments: Payments = request.app.state.payments
    key = SearchKey(receipt_no or None, consumer_no or None, searched_mobile(mobile), day)
    return await run_in_threadpool(
        lambda: checked(ReceiptSearchPublic, {"receipts": find_receipts(payments, kiosk.kiosk_id, key)})
    )


@router.post(
    "/messages",
    response_model=ReceiptMessagePublic,
    responses={429: {"description": "the kiosk's hourly receipt messages are used up; Retry-After says when"}},
)
def send_receipt_message(
    body: ReceiptMessageIn,
    request: Request,
    kiosk: CurrentKiosk,
    engine: EngineDep,
    gateway: GatewayDep,
    ctx: RequestContextDep,
) -> Response:
    """Send the customer the receipt's short text. Idempotent on operation_id: a replay sends nothing again."""
    payments: Payments = request.app.state.payments
    message = MessageRequest(body.operation_id, body.receipt_no, body.payment_operation_id, body.to, body.language)
    try:
        answer = send_receipt(
            engine,
            payments,
            gateway,
            kiosk_id=kiosk.kiosk_id,
            kiosk_code=kiosk.kiosk_code,
            request=message,
            server_url=str(request.base_url),
            now=ctx.now,
        )
    except MessageRateLimited as exc:
        return JSONResponse(
            exc.body(), status_code=exc.status, headers={"Retry-After": str(exc.details["retry_after_seconds"])}
        )
    return checked(ReceiptMessagePublic, answer)
