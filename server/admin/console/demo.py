"""The fault switches of a demo or training server's simulated departments."""

from __future__ import annotations

import json
from typing import Any, get_args

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from server.admin import trail
from server.admin.console.pages import DESK, FAULT_READERS, act, admitted, gated, problem_text, render
from server.admin.roles import SUPPORT, AdminPrincipal
from server.api.routes.billers_admin import list_billers, switch_fault
from server.core.config import Settings
from server.core.errors import ApiError
from server.core.fields import PathName
from server.payments.schemas import FaultIn

router = APIRouter()


def _departments(request: Request) -> list[dict[str, Any]]:
    """The simulated departments and the fault of each, as GET /api/v1/admin/billers answers them."""
    settings: Settings = request.app.state.settings
    answer: dict[str, Any] = json.loads(bytes(list_billers(request, settings).body))
    return list(answer["billers"])


@router.get("/faults")
@gated("GET /admin/faults", FAULT_READERS)
def faults_page(request: Request) -> Response:
    return _faults(request)


def _faults(request: Request, problem: str | None = None, status: int = 200) -> Response:
    """Demo and training only: each simulated department's fault, and support's switch for it."""
    principal = admitted(request, FAULT_READERS)
    if isinstance(principal, Response):
        return principal
    try:
        billers = _departments(request)
    except ApiError as exc:
        return render(request, "base.html", admin=principal, problem=problem_text(request, exc), status=exc.status)
    return render(
        request,
        "faults.html",
        admin=principal,
        problem=problem,
        status=status,
        billers=billers,
        faults=FAULTS,
        applies=APPLIES_TO,
        can_switch=SUPPORT in principal.roles,
    )


FAULTS = get_args(FaultIn.model_fields["fault"].annotation)
APPLIES_TO = get_args(FaultIn.model_fields["applies_to"].annotation)


@router.post("/faults/{biller}")
@gated("POST /admin/faults/{biller}", DESK)
async def switch_fault_form(biller: PathName, request: Request) -> Response:
    """A department's fault switched (support, demo only), as PUT /api/v1/admin/billers/{biller}/fault."""

    def action(_principal: AdminPrincipal, fields: dict[str, str]) -> None:
        try:
            body = FaultIn(
                fault=fields.get("fault", ""),
                times=int(fields.get("times", "-1") or "-1"),
                delay_ms=int(fields.get("delay_ms", "0") or "0"),
                applies_to=fields.get("applies_to", "pay"),
            )
        except (ValidationError, ValueError) as exc:
            raise ApiError("check the form", code="invalid_request", status=422) from exc
        settings: Settings = request.app.state.settings
        before = {b["biller"]: b["fault"] for b in _departments(request)}.get(biller)
        switch_fault(biller, body, request, settings)
        trail.note_change(request.scope, {"fault": before}, body.model_dump())

    return await act(request, DESK, action, back=_faults, done="/admin/faults")
