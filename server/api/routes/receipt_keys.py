"""A kiosk registers the public key that checks its PROVISIONAL receipts (server.payments.receipt_keys)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from server.api.answers import checked
from server.api.deps import CurrentKiosk, EngineDep, RequestContextDep
from server.payments import receipt_keys
from server.payments.schemas import ReceiptKeyIn, ReceiptKeyPublic

router = APIRouter(tags=["kiosk"])


@router.post("/receipt-key", response_model=ReceiptKeyPublic)
def register_receipt_key(
    data: ReceiptKeyIn, kiosk: CurrentKiosk, engine: EngineDep, ctx: RequestContextDep
) -> Response:
    """This PC's public key for the kiosk of the operator's session (a sync key cannot): the same key again
    changes nothing; another replaces the kiosk's key."""
    with engine.begin() as conn:
        replaced = receipt_keys.register(conn, kiosk.kiosk_id, data.public_key, ctx.now)
    return checked(
        ReceiptKeyPublic, {"kiosk_code": kiosk.kiosk_code, "public_key": data.public_key, "replaced": replaced}
    )
