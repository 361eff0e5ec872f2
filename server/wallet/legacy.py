""" "Fund Receive Request from Existing Emitra": the old portal's limit moves to the wallet after a delay.

The operator enters the CUG code the old portal's administrator gave.  The (simulated) old portal checks
it against the kiosk's old eMitra ID, gives up the limit left there and marks the code used — in the
same transaction as our transfer row, so a refused request changes nothing and a code works once.  The
transfer is credited at `due_at` by the scheduler (`credit_due`): one transaction per transfer claims
the row (``UPDATE … WHERE status = 'scheduled' AND due_at <= now``) and posts the credit with the
operation id ``legacy-<id>``, so neither two server instances nor a restart can credit it twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from server.core.config import Settings
from server.core.errors import ApiError, Conflict
from server.ledger import LedgerTx, OperationRequest, credit_kiosk, in_transaction
from server.wallet.books import (
    SYSTEM_SCOPE,
    InvalidInput,
    iso,
    kiosk_code_of,
    kiosk_scope,
    kiosks_t,
    sim_codes_t,
    sim_limits_t,
    transfers_t,
)
from server.wallet.calendar import ist_text

log = logging.getLogger("emitra.wallet")

LEGACY_CLEARING = "clearing:legacy"
CUG_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")


class LegacyRefused(ApiError):
    status = 422
    code = "legacy_refused"


def normalise_cug(raw: str) -> str:
    return re.sub(r"\s+", "", raw).upper()


class SimulatedLegacyPortal:
    """The old eMitra portal: the limit left per old eMitra ID, and the CUG codes its administrators give."""

    def claim(self, conn: Connection, old_emitra_id: str, cug_code: str, reference: str, now: datetime) -> int:
        """Give up the whole limit left for `old_emitra_id` against a valid, unused code; returns paise."""
        code = conn.execute(select(sim_codes_t).where(sim_codes_t.c.code == cug_code)).first()
        if code is None or code.old_emitra_id != old_emitra_id:
            # The same answer for an unknown code and another kiosk's code: nothing to learn by guessing.
            raise LegacyRefused(
                "the old portal does not recognise this CUG code for your old eMitra ID; check the code with "
                "the old portal administrator",
                code="wrong_cug_code",
                field="cug_code",
            )
        if code.used_at is not None:
            raise Conflict(
                "this CUG code has already been used; a code works once — ask the old portal administrator for "
                "a new one",
                code="cug_code_used",
                field="cug_code",
            )
        # The old eMitra ID's row is locked before its limit is read: two codes of one ID redeemed at the same
        # instant (two server processes) then take the limit one after the other, and the second finds 0.
        limit = conn.execute(
            select(sim_limits_t.c.limit_paise).where(sim_limits_t.c.old_emitra_id == old_emitra_id).with_for_update()
        ).scalar()
        if not limit or limit <= 0:
            raise LegacyRefused(
                "no limit is left on the old portal for your old eMitra ID", code="no_legacy_limit", field="cug_code"
            )
        used = conn.execute(
            update(sim_codes_t)
            .where(sim_codes_t.c.code == cug_code, sim_codes_t.c.used_at.is_(None))
            .values(used_at=now, used_reference=reference)
        ).rowcount
        if used != 1:
            raise Conflict("this CUG code has already been used", code="cug_code_used", field="cug_code")
        conn.execute(update(sim_limits_t).where(sim_limits_t.c.old_emitra_id == old_emitra_id).values(limit_paise=0))
        return int(limit)

    def set_limit(self, conn: Connection, old_emitra_id: str, limit_paise: int, admin_name: str, code: str) -> None:
        """Demo and tests: the old portal's limit for an old eMitra ID, and a CUG code for it."""
        found = conn.execute(
            select(sim_limits_t.c.old_emitra_id).where(sim_limits_t.c.old_emitra_id == old_emitra_id)
        ).first()
        if found:
            conn.execute(
                update(sim_limits_t)
                .where(sim_limits_t.c.old_emitra_id == old_emitra_id)
                .values(limit_paise=limit_paise, admin_name=admin_name)
            )
        else:
            conn.execute(
                insert(sim_limits_t).values(old_emitra_id=old_emitra_id, limit_paise=limit_paise, admin_name=admin_name)
            )
        if conn.execute(select(sim_codes_t.c.code).where(sim_codes_t.c.code == code)).first() is None:
            conn.execute(insert(sim_codes_t).values(code=code, old_emitra_id=old_emitra_id))


class LegacyTransfers:
    def __init__(
        self, engine: Engine, settings: Settings, now: Callable[[], datetime], portal: SimulatedLegacyPortal
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.now = now
        self.portal = portal

    def request(self, kiosk_id: int, kiosk_code: str, operation_id: str, cug_code: str) -> dict[str, Any]:
        code = normalise_cug(cug_code)
        if not CUG_CODE.fullmatch(code):
            raise InvalidInput(
                "a CUG code is 4 to 32 letters, digits or dashes", code="invalid_cug_code", field="cug_code"
            )
        op = OperationRequest(kiosk_scope(kiosk_code), operation_id, "legacy_transfer", {"cug_code": code})

        def apply(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
            conn = tx.conn
            old_id = conn.execute(select(kiosks_t.c.old_emitra_id).where(kiosks_t.c.id == kiosk_id)).scalar()
            if not old_id:
                raise LegacyRefused(
                    "this kiosk has no old eMitra ID on record; contact the eMitra help desk",
                    code="no_old_emitra_id",
                )
            now = self.now()
            reference = f"LT{op_pk:010d}"
            amount = self.portal.claim(conn, old_id, code, reference, now)
            transfer_id = conn.execute(
                insert(transfers_t)
                .values(
                    kiosk_id=kiosk_id,
                    operation_pk=op_pk,
                    operation_id=operation_id,
                    cug_code=code,
                    old_emitra_id=old_id,
                    legacy_ref=reference,
                    amount_paise=amount,
                    status="scheduled",
                    requested_at=now,
                    due_at=now + timedelta(minutes=self.settings.legacy_credit_delay_minutes),
                )
                .returning(transfers_t.c.id)
            ).scalar_one()
            return {"transfer_id": int(transfer_id)}

        result = in_transaction(self.engine, lambda tx: tx.run(op, apply))
        transfer = self.transfer(kiosk_id, int(result.response["transfer_id"]))
        rupees = f"₹{transfer['amount_paise'] // 100:,}.{transfer['amount_paise'] % 100:02d}"
        transfer["message"] = (
            f"Request accepted. {rupees} from your old eMitra limit will be added to your wallet at about "
            f"{transfer['due_at_ist']} IST."
        )
        return transfer

    def transfer(self, kiosk_id: int, transfer_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(transfers_t).where(transfers_t.c.id == transfer_id, transfers_t.c.kiosk_id == kiosk_id)
            ).one()
        return _view(row)

    def transfers(self, kiosk_id: int, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(transfers_t)
                .where(transfers_t.c.kiosk_id == kiosk_id)
                .order_by(transfers_t.c.id.desc())
                .limit(limit)
            ).all()
        return [_view(r) for r in rows]

    # -- the scheduler's part ---------------------------------------------------------------------------
    def credit_due(self, limit: int = 200) -> int:
        """Credit every transfer whose time has come; safe to run in several processes at once."""
        now = self.now()
        with self.engine.connect() as conn:
            due = (
                conn.execute(
                    select(transfers_t.c.id)
                    .where(transfers_t.c.status == "scheduled", transfers_t.c.due_at <= now)
                    .order_by(transfers_t.c.due_at)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            conn.rollback()
        credited = 0
        for transfer_id in due:
            if in_transaction(self.engine, partial(self._credit, transfer_id=int(transfer_id), now=now)):
                credited += 1
        return credited

    def _credit(self, tx: LedgerTx, transfer_id: int, now: datetime) -> bool:
        conn = tx.conn
        claimed = conn.execute(
            update(transfers_t)
            .where(transfers_t.c.id == transfer_id, transfers_t.c.status == "scheduled", transfers_t.c.due_at <= now)
            .values(status="credited", credited_at=now)
        ).rowcount
        if claimed != 1:
            return False  # another instance (or an earlier tick) got it
        row = conn.execute(select(transfers_t).where(transfers_t.c.id == transfer_id)).one()
        kiosk_code = kiosk_code_of(conn, row.kiosk_id)
        op = OperationRequest(
            SYSTEM_SCOPE,
            f"legacy-{transfer_id}",
            "legacy_credit",
            {"transfer": transfer_id, "amount": row.amount_paise},
        )
        posted = tx.run(
            op,
            lambda tx, pk: credit_kiosk(
                tx,
                pk,
                kiosk_code,
                row.amount_paise,
                LEGACY_CLEARING,
                "refill_legacy",
                f"old eMitra limit {row.legacy_ref}",
            ),
        )
        conn.execute(
            update(transfers_t).where(transfers_t.c.id == transfer_id).values(entry_id=posted.response["entry_id"])
        )
        log.info("legacy transfer %s credited %d paise to %s", row.legacy_ref, row.amount_paise, kiosk_code)
        return not posted.replayed


def _view(row: Any) -> dict[str, Any]:
    return {
        "transfer_id": row.id,
        "operation_id": row.operation_id,
        "legacy_ref": row.legacy_ref,
        "amount_paise": row.amount_paise,
        "status": row.status,
        "requested_at": iso(row.requested_at),
        "due_at": iso(row.due_at),
        "due_at_ist": ist_text(row.due_at),
        "credited_at": iso(row.credited_at),
    }
