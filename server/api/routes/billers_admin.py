"""Administrator endpoints for departments: switch simulated faults (demo mode), clear or bounce cheques."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from server.api.deps import AdminDep, EngineDep, SettingsDep
from server.billers.simulated import set_fault
from server.core.errors import ApiError, NotFound
from server.payments import Payments
from server.payments.schemas import ChequeStatusIn, FaultIn

router = APIRouter(tags=["admin"], dependencies=[AdminDep])


@router.put("/billers/{biller}/fault")
def switch_fault(biller: str, body: FaultIn, request: Request, engine: EngineDep, settings: SettingsDep) -> Any:
    """Demo and training only: make a simulated department time out, decline, answer slowly or lose answers."""
    if settings.mode != "demo":
        raise ApiError("faults can only be switched on a demo server", code="demo_only", status=403)
    payments: Payments = request.app.state.payments
    if biller not in payments.billers:
        raise NotFound(f"no biller {biller}", code="unknown_biller")
    set_fault(engine, biller, body.fault, body.times, body.delay_ms, body.applies_to)
    return {"biller": biller, **body.model_dump()}


@router.post("/cheques/{txn_id}")
def settle_cheque(txn_id: str, body: ChequeStatusIn, request: Request) -> dict[str, Any]:
    payments: Payments = request.app.state.payments
    return payments.set_cheque_status(txn_id, body.status)
