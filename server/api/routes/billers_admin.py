"""Administrator endpoints for departments: list and switch simulated faults (demo mode), clear or bounce cheques."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from server.api.deps import AdminDep, EngineDep, SettingsDep
from server.billers.simulated import list_faults, set_fault
from server.core.config import Settings
from server.core.errors import ApiError, NotFound
from server.core.fields import PathName
from server.payments import Payments
from server.payments.schemas import ChequeStatusIn, FaultIn

router = APIRouter(tags=["admin"], dependencies=[AdminDep])


def _demo_only(settings: Settings, what: str) -> None:
    if settings.mode != "demo":
        raise ApiError(f"{what} only on a demo server", code="demo_only", status=403)


@router.get("/billers")
def list_billers(request: Request, engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Demo and training only: the simulated departments (one biller may serve several) and the fault of each."""
    _demo_only(settings, "the simulated departments' faults are listed")
    payments: Payments = request.app.state.payments
    catalog = payments.catalog
    faults = list_faults(engine)
    billers = []
    for code in sorted(payments.billers):
        departments = sorted({s.department for s in catalog.services.values() if s.biller == code})
        fault = faults.get(code, {"fault": "none", "remaining": 0, "delay_ms": 0, "applies_to": "pay"})
        billers.append(
            {
                "biller": code,
                "departments": [
                    {"code": d, "name_en": catalog.departments[d].name_en, "name_hi": catalog.departments[d].name_hi}
                    for d in departments
                ],
                **fault,
                "active": fault["fault"] != "none" and fault["remaining"] != 0,
            }
        )
    return {"billers": billers}


@router.put("/billers/{biller}/fault")
def switch_fault(biller: PathName, body: FaultIn, request: Request, engine: EngineDep, settings: SettingsDep) -> Any:
    """Demo and training only: make a simulated department time out, decline, answer slowly or lose answers."""
    _demo_only(settings, "faults can be switched")
    payments: Payments = request.app.state.payments
    if biller not in payments.billers:
        raise NotFound(f"no biller {biller}", code="unknown_biller")
    set_fault(engine, biller, body.fault, body.times, body.delay_ms, body.applies_to)
    return {"biller": biller, **body.model_dump()}


@router.post("/cheques/{txn_id}")
def settle_cheque(txn_id: PathName, body: ChequeStatusIn, request: Request) -> dict[str, Any]:
    payments: Payments = request.app.state.payments
    return payments.set_cheque_status(txn_id, body.status)
