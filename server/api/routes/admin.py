"""Administrator endpoints: kiosks, wallet adjustments (single and batch), balances, ledger audit."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from server.admin.errors import ProposalRequired
from server.admin.money import ADMIN_SCOPE, adjust
from server.admin.roles import AUTOMATION, DEMO_TOKEN, READERS, SUPPORT
from server.api.answers import checked
from server.api.deps import AccountsDep, EngineDep, RequestContextDep, allow
from server.auth.accounts import holder_by_id
from server.core.errors import ApiError, NotFound
from server.core.fields import PathName
from server.kiosks import create_kiosk, kiosk_id_by_code
from server.ledger import (
    LedgerTx,
    audit,
    entries_t,
    in_transaction,
    operations_t,
    read_kiosk_balances,
)
from server.schemas import (
    AdjustmentBatchIn,
    AdjustmentBatchPublic,
    AdjustmentIn,
    AdjustmentPublic,
    BalancePublic,
    BatchAdjustmentIn,
    KioskBatchPublic,
    KioskCreatedPublic,
    KioskIn,
    LedgerAuditPublic,
    OperationPublic,
)

router = APIRouter(tags=["admin"])

ONBOARDING = (SUPPORT, AUTOMATION, DEMO_TOKEN)


def _propose_instead() -> ProposalRequired:
    return ProposalRequired(
        "a named administrator moves money only by a proposal that another approves: POST /api/v1/admin/proposals"
    )


# Direct adjustments are the demo token's only (the demo and its tests); people propose them.
DIRECT_MONEY = allow(DEMO_TOKEN, refusal=_propose_instead)


@router.post("/kiosks", status_code=201, dependencies=[allow(*ONBOARDING)])
def add_kiosk(data: KioskIn, engine: EngineDep) -> KioskCreatedPublic:
    with engine.begin() as conn:
        kiosk_id = create_kiosk(conn, data)
    return KioskCreatedPublic(id=kiosk_id, code=data.code)


class KioskBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[KioskIn] = Field(min_length=1, max_length=500)
    issue_passwords: bool = False


@router.post("/kiosks/batch", response_model=KioskBatchPublic, dependencies=[allow(*ONBOARDING)])
def add_kiosks(batch: KioskBatchIn, engine: EngineDep, accounts: AccountsDep, ctx: RequestContextDep) -> Response:
    """Onboard many kiosks in one transaction (a district's list); refusals are per item.

    With issue_passwords, each new kiosk also gets its first password by SMS and e-mail, as
    POST /kiosks/{code}/password would send it. A kiosk that already exists is answered "exists" and left
    as it is, so a list can be sent again after a lost answer.
    """
    results: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for item in batch.items:
            try:
                kiosk_id = create_kiosk(conn, item)
            except ApiError as exc:
                results.append(
                    {"code": item.code, "status": "exists" if exc.code == "kiosk_exists" else "refused", **exc.body()}
                )
                continue
            if batch.issue_passwords:
                accounts.issue(conn, ctx, holder_by_id(conn, kiosk_id), reason="first_password")
            results.append({"code": item.code, "status": "created", "id": kiosk_id})
    return checked(KioskBatchPublic, {"results": results})


@router.post("/kiosks/{kiosk_code}/adjustments", response_model=AdjustmentPublic, dependencies=[DIRECT_MONEY])
def adjust_wallet(kiosk_code: PathName, item: AdjustmentIn, engine: EngineDep) -> Response:
    response, replayed = in_transaction(engine, lambda tx: adjust(tx, kiosk_code, item))
    return checked(AdjustmentPublic, {**response, "replayed": replayed})


@router.post("/adjustments/batch", response_model=AdjustmentBatchPublic, dependencies=[DIRECT_MONEY])
def adjust_batch(batch: AdjustmentBatchIn, engine: EngineDep) -> Response:
    """Each item is applied once (its own savepoint); refusals are per item, not for the batch."""
    # Kiosk rows are locked in one global order (by kiosk, stable within a kiosk) so that concurrent
    # batches cannot deadlock each other.
    order = sorted(range(len(batch.items)), key=lambda i: batch.items[i].kiosk_code)

    def work(tx: LedgerTx) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = [{} for _ in batch.items]
        for i in order:
            item: BatchAdjustmentIn = batch.items[i]
            try:
                response, replayed = adjust(tx, item.kiosk_code, item)
                results[i] = {
                    "operation_id": item.operation_id,
                    "status": "replayed" if replayed else "applied",
                    "response": response,
                }
            except ApiError as exc:
                results[i] = {"operation_id": item.operation_id, "status": "refused", **exc.body()}
        return results

    return checked(AdjustmentBatchPublic, {"results": in_transaction(engine, work, savepoints=True)})


@router.get("/kiosks/{kiosk_code}/balance", dependencies=[allow(*READERS)])
def kiosk_balance(kiosk_code: PathName, engine: EngineDep) -> BalancePublic:
    with engine.connect() as conn:
        kiosk_id_by_code(conn, kiosk_code)
        b = read_kiosk_balances(conn, kiosk_code)
    return BalancePublic(
        kiosk_code=kiosk_code,
        wallet_balance_paise=b.wallet,
        credit_limit_paise=-b.credit_floor,
        credit_used_paise=b.credit_used,
        spendable_paise=b.spendable,
    )


@router.get("/operations/{operation_id}", response_model=OperationPublic, dependencies=[allow(*READERS)])
def admin_operation(operation_id: PathName, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        row = conn.execute(
            select(operations_t.c.kind, operations_t.c.response, operations_t.c.created_at).where(
                operations_t.c.scope == ADMIN_SCOPE, operations_t.c.operation_id == operation_id
            )
        ).first()
    if row is None:
        raise NotFound("no such operation", code="unknown_operation", operation_id=operation_id)
    return checked(
        OperationPublic,
        {"operation_id": operation_id, "kind": row.kind, "status": "applied", "response": json.loads(row.response)},
    )


@router.get("/ledger/audit", dependencies=[allow(*READERS)])
def ledger_audit(engine: EngineDep) -> LedgerAuditPublic:
    with engine.connect() as conn:
        problems = audit(conn)
        entries = conn.execute(select(func.count()).select_from(entries_t)).scalar_one()
        operations = conn.execute(select(func.count()).select_from(operations_t)).scalar_one()
    return LedgerAuditPublic(balanced=not problems, problems=problems, entries=entries, operations=operations)
