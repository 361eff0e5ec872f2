"""Four eyes on money: an adjustment, a suspense assignment above the limit and a cheque bounce are proposals
until a second administrator with the approver role approves; the proposer cannot; one approval posts once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from server.admin.accounts import admins_t, person_required
from server.admin.errors import ProposalDecided, SelfApproval
from server.admin.money import adjust
from server.admin.roles import AdminPrincipal
from server.auth.clock import aware
from server.core.errors import ApiError, Conflict, NotFound
from server.kiosks import kiosk_id_by_code
from server.ledger import in_transaction
from server.models import AdminProposal, Payment
from server.models.base import table_of
from server.payments import Payments
from server.schemas import AdjustmentIn
from server.wallet.books import bank_credits_t

proposals_t = table_of(AdminProposal)
payments_t = table_of(Payment)

ADJUSTMENT, SUSPENSE_ASSIGN, CHEQUE_BOUNCE = "adjustment", "suspense_assign", "cheque_bounce"
KINDS = (ADJUSTMENT, SUSPENSE_ASSIGN, CHEQUE_BOUNCE)


class Proposals:
    """Proposals in the database; approving one claims it first (one approver wins), then moves the money."""

    def __init__(
        self,
        engine: Engine,
        now: Callable[[], datetime],
        payments: Payments,
        assign_suspense: Callable[[str, str], dict[str, Any]],
    ) -> None:
        self.engine = engine
        self.now = now
        self.payments = payments
        self.assign_suspense = assign_suspense

    # -- proposing ------------------------------------------------------------------------------------------
    def propose(self, proposer: AdminPrincipal, kind: str, payload: dict[str, Any], note: str) -> dict[str, Any]:
        proposer_id = person_required(proposer)
        with self.engine.begin() as conn:
            amount = self._check(conn, kind, payload)
            proposal_id = conn.execute(
                insert(proposals_t)
                .values(
                    kind=kind,
                    payload=json.dumps(payload, sort_keys=True),
                    amount_paise=amount,
                    note=note or None,
                    status="pending",
                    proposed_by=proposer_id,
                    proposed_at=self.now(),
                )
                .returning(proposals_t.c.id)
            ).scalar_one()
            return self._view(conn, int(proposal_id))

    def _check(self, conn: Connection, kind: str, payload: dict[str, Any]) -> int | None:
        """What the proposal would move, refused now when it could not be done (it is checked again on approval)."""
        if kind == ADJUSTMENT:
            kiosk_id_by_code(conn, payload["kiosk_code"])
            return int(payload["amount_paise"])
        if kind == SUSPENSE_ASSIGN:
            kiosk_id_by_code(conn, payload["kiosk_code"])
            credit = conn.execute(select(bank_credits_t).where(bank_credits_t.c.utr == payload["utr"])).first()
            if credit is None:
                raise NotFound("no bank credit with this UTR", code="unknown_utr", field="utr")
            if credit.status != "suspense":
                raise Conflict("this credit is not in suspense", code="not_in_suspense", field="utr")
            return int(credit.amount_paise)
        payment = conn.execute(
            select(payments_t.c.cheque_status, payments_t.c.total_paise).where(
                payments_t.c.txn_id == payload["txn_id"], payments_t.c.method == "cheque"
            )
        ).first()
        if payment is None:
            raise NotFound("no cheque payment with this transaction id", code="unknown_cheque_payment")
        if payment.cheque_status != "received":
            raise Conflict("this cheque was already cleared or bounced", code="cheque_already_settled")
        return int(payment.total_paise)

    # -- deciding -------------------------------------------------------------------------------------------
    def approve(self, proposal_id: int, approver: AdminPrincipal) -> dict[str, Any]:
        """Approve once: the first approver claims the proposal and posts; an approval of an approved
        proposal answers what was posted (replayed); a second approver racing the first is refused (409)."""
        approver_id = person_required(approver)
        with self.engine.begin() as conn:
            row = self._row(conn, proposal_id)
            if row.proposed_by == approver_id:
                raise SelfApproval("a proposal needs a second administrator: you proposed this one")
            if row.status == "approved":
                return {**self._view(conn, proposal_id), "replayed": True}
            claimed = conn.execute(
                update(proposals_t)
                .where(proposals_t.c.id == proposal_id, proposals_t.c.status == "pending")
                .values(status="approving", decided_by=approver_id, decided_at=self.now())
            ).rowcount
            if claimed != 1:
                # Another approval claimed it between our read and our update (PostgreSQL waited for it).
                row = self._row(conn, proposal_id)
                if row.status == "approved":
                    return {**self._view(conn, proposal_id), "replayed": True}
                # Only an adjustment is posted again by its own approver (a retry after a crash, a double
                # click): the ledger answers a second posting of its operation id as a replay. A suspense
                # assignment or a bounce has no such id, so a second attempt could only end it as failed.
                again = row.status == "approving" and row.decided_by == approver_id and row.kind == ADJUSTMENT
                if not again:
                    raise ProposalDecided(f"this proposal is {row.status}; nothing more is done", status_now=row.status)
        payload = json.loads(row.payload)
        try:
            result, status = self._execute(proposal_id, row.kind, payload), "approved"
        except ApiError as exc:
            result, status = {"refused": exc.body()["error"], "status_code": exc.status}, "failed"
        with self.engine.begin() as conn:
            conn.execute(
                update(proposals_t)
                .where(proposals_t.c.id == proposal_id, proposals_t.c.status == "approving")
                .values(status=status, result=json.dumps(result, sort_keys=True, default=str))
            )
            return {**self._view(conn, proposal_id), "replayed": False}

    def _execute(self, proposal_id: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == ADJUSTMENT:
            item = AdjustmentIn(
                operation_id=f"proposal-{proposal_id:08d}",
                direction=payload["direction"],
                amount_paise=payload["amount_paise"],
                memo=payload.get("memo", ""),
            )
            # The ledger keeps the operation id: posting the same proposal twice would be a replay.
            response, _replayed = in_transaction(self.engine, lambda tx: adjust(tx, payload["kiosk_code"], item))
            return response
        if kind == SUSPENSE_ASSIGN:
            return self.assign_suspense(payload["utr"], payload["kiosk_code"])
        return self.payments.set_cheque_status(payload["txn_id"], "bounced")

    def reject(self, proposal_id: int, approver: AdminPrincipal, reason: str) -> dict[str, Any]:
        """Reject a pending proposal: nothing moves, and it can no longer be approved."""
        approver_id = person_required(approver)
        with self.engine.begin() as conn:
            row = self._row(conn, proposal_id)
            moved = conn.execute(
                update(proposals_t)
                .where(proposals_t.c.id == proposal_id, proposals_t.c.status == "pending")
                .values(status="rejected", decided_by=approver_id, decided_at=self.now(), reason=reason or None)
            ).rowcount
            if moved != 1:
                row = self._row(conn, proposal_id)
                if row.status != "rejected":
                    raise ProposalDecided(
                        f"this proposal is {row.status}; it cannot be rejected", status_now=row.status
                    )
                return {**self._view(conn, proposal_id), "replayed": True}
            return {**self._view(conn, proposal_id), "replayed": False}

    # -- reading --------------------------------------------------------------------------------------------
    def _row(self, conn: Connection, proposal_id: int) -> Any:
        row = conn.execute(select(proposals_t).where(proposals_t.c.id == proposal_id)).first()
        if row is None:
            raise NotFound("no proposal with this id", code="unknown_proposal")
        return row

    def view(self, proposal_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return self._view(conn, proposal_id)

    def listing(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(proposals_t.c.id).order_by(proposals_t.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(proposals_t.c.status == status)
        with self.engine.connect() as conn:
            return [self._view(conn, int(i)) for i in conn.execute(query).scalars()]

    def _view(self, conn: Connection, proposal_id: int) -> dict[str, Any]:
        row = self._row(conn, proposal_id)
        ids = [i for i in (row.proposed_by, row.decided_by) if i is not None]
        names: dict[int, str] = {
            int(r.id): r.username
            for r in conn.execute(select(admins_t.c.id, admins_t.c.username).where(admins_t.c.id.in_(ids)))
        }
        return {
            "id": int(row.id),
            "kind": row.kind,
            "payload": json.loads(row.payload),
            "amount_paise": row.amount_paise,
            "note": row.note,
            "status": row.status,
            "proposed_by": names[row.proposed_by],
            "proposed_at": aware(row.proposed_at).isoformat(),
            "decided_by": names.get(row.decided_by) if row.decided_by is not None else None,
            "decided_at": aware(row.decided_at).isoformat() if row.decided_at is not None else None,
            "reason": row.reason,
            "result": json.loads(row.result) if row.result else None,
        }
