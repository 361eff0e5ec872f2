"""Adjustments: money an administrator creates in or removes from a kiosk's wallet (one path for one and many)."""

from __future__ import annotations

from typing import Any

from server.kiosks import kiosk_id_by_code
from server.ledger import LedgerTx, OperationRequest, credit_kiosk, debit_kiosk
from server.schemas import AdjustmentIn

ADMIN_SCOPE = "admin"
ADJUSTMENT_ACCOUNT = "system:adjustments"


def adjust(tx: LedgerTx, kiosk_code: str, item: AdjustmentIn) -> tuple[dict[str, Any], bool]:
    """Post one adjustment, once per operation id: (the posting, whether it was a replay)."""
    body = {"kiosk_code": kiosk_code, **item.model_dump()}
    op = OperationRequest(ADMIN_SCOPE, item.operation_id, "adjustment", body)

    def apply(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
        kiosk_id_by_code(tx.conn, kiosk_code)
        move = credit_kiosk if item.direction == "credit" else debit_kiosk
        posted = move(
            tx, op_pk, kiosk_code, item.amount_paise, ADJUSTMENT_ACCOUNT, f"adjustment_{item.direction}", item.memo
        )
        return {
            "operation_id": item.operation_id,
            "kiosk_code": kiosk_code,
            "direction": item.direction,
            "amount_paise": item.amount_paise,
            **posted,
        }

    result = tx.run(op, apply)
    return result.response, result.replayed
