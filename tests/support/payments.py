"""Payments to post in-process (`server.payments.post.post_payments`): a department bill as the kiosk's Pay
press asks for it, already checked — for the posting's tests and the ledger benchmark."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Engine

from server.billers import Bill
from server.catalog import Service, load_catalog
from server.kiosks import create_kiosk
from server.ledger import OperationRequest, credit_kiosk, in_transaction
from server.payments.post import Item
from server.payments.validate import BillRequest, PayRequest, PricedBill
from server.schemas import KioskIn


def funded_kiosks(engine: Engine, codes: Sequence[str], funds_paise: int) -> None:
    """Kiosks with these codes, each wallet funded by an adjustment of `funds_paise`."""
    with engine.begin() as conn:
        for i, code in enumerate(codes):
            create_kiosk(
                conn,
                KioskIn(
                    code=code,
                    name=code,
                    holder_name="Bench",
                    district="Jaipur",
                    sso_id=f"BENCH{i:05d}",
                    mobile=f"9{i:09d}",
                    email=f"b{i}@example.in",
                ),
            )
    for code in codes:
        op = OperationRequest("admin", f"fund-{code}", "adjustment", {"kiosk_code": code})
        in_transaction(
            engine,
            lambda tx, code=code, op=op: tx.run(
                op, lambda t, pk: credit_kiosk(t, pk, code, funds_paise, "system:adjustments", "funding")
            ),
        )


def bill_service() -> Service:
    """A department bill of the catalog (its department's settlement account exists after migrate)."""
    return next(s for s in load_catalog().services.values() if s.kind == "bill")


def bill_item(
    kiosk_code: str,
    service: Service,
    *,
    amount_paise: int = 100,
    bill_no: str | None = None,
    operation_id: str | None = None,
    mobile: str | None = None,
    consumer_no: str | None = None,
) -> Item:
    """One bill of `amount_paise` paid from the wallet; a fresh bill number and operation id unless given,
    the kiosk's code as the consumer number unless given."""
    operation_id = operation_id or uuid.uuid4().hex
    consumer_no = consumer_no or kiosk_code
    fields = {"k_no": consumer_no}
    bill = Bill(consumer_no, "Bench", bill_no or uuid.uuid4().hex[:20], None, None, amount_paise, None, False, 1, 10**9)
    request = PayRequest(operation_id, [BillRequest(service.code, fields, amount_paise)], mobile, None, "wallet")
    op = OperationRequest(f"kiosk:{kiosk_code}", operation_id, "payment", request.body())
    return Item(request, [PricedBill(service, consumer_no, fields, bill, amount_paise)], op)
