"""A kiosk's receipts: find one again to reprint it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from rules.contact import mobile_or_none
from server.api.answers import checked
from server.api.deps import CurrentKiosk
from server.core.fields import Day, Text
from server.payments import Payments
from server.receipts import SearchKey, find_receipts
from server.receipts.schemas import ReceiptSearchPublic

router = APIRouter(tags=["receipts"])

Key = Annotated[str | None, Query(max_length=64), Text(64)]


@router.get("", response_model=ReceiptSearchPublic)
async def search_receipts(
    request: Request,
    kiosk: CurrentKiosk,
    receipt_no: Key = None,
    consumer_no: Key = None,
    mobile: Annotated[str | None, Query(max_length=20)] = None,
    day: Annotated[Day | None, Query(alias="date", description="IST business date of the payment")] = None,
) -> Response:
    """This kiosk's receipts by receipt number, consumer number (K No.), customer's mobile or date; another
    kiosk's receipt is never found here (404 receipt_not_found)."""
    payments: Payments = request.app.state.payments
    key = SearchKey(receipt_no or None, consumer_no or None, mobile_or_none(mobile), day)
    return await run_in_threadpool(
        lambda: checked(ReceiptSearchPublic, {"receipts": find_receipts(payments, kiosk.kiosk_id, key)})
    )
