"""Net banking / aggregator refills: orders, the gateway's signed notifications, and the simulated gateway.

An order moves no money.  Money moves only when a notification with a valid signature says the gateway
captured it, and then exactly once per order (operation id ``gateway-<order id>``), for the amount the
gateway confirms.  A failed notification ends a pending order; a page the operator closed leaves the
order pending until it expires.  A valid success for a failed or expired order still credits it: the
gateway holds the kiosk's money, so the kiosk must get it.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import Engine, bindparam, select, update

from server.auth.clock import aware
from server.core.config import Settings
from server.core.errors import ApiError, Conflict, NotFound
from server.core.fields import Text
from server.core.sql import Sql
from server.ledger import LedgerTx, OperationRequest, credit_kiosk, in_transaction
from server.wallet.books import (
    SYSTEM_SCOPE,
    InvalidInput,
    kiosk_scope,
    kiosks_t,
    orders_t,
    payouts_t,
)
from server.wallet.credit import CreditLine
from server.wallet.signatures import GATEWAY_HEADER, sign, verify

log = logging.getLogger("emitra.wallet")

GATEWAY_CLEARING = "clearing:gateway"
REOPENABLE = ("created", "failed", "expired")

# Orders with, for a confirmed payout, how its money was applied (the `credit_payouts` row).
_ORDERS = select(
    orders_t,
    payouts_t.c.amount_paise.label("applied_amount"),
    payouts_t.c.interest_paise.label("applied_interest"),
    payouts_t.c.principal_paise.label("applied_principal"),
    payouts_t.c.to_wallet_paise.label("applied_to_wallet"),
    payouts_t.c.business_date.label("applied_on"),
).select_from(orders_t.outerjoin(payouts_t, payouts_t.c.entry_id == orders_t.c.entry_id))

# Built once, with bound parameters: building a statement per request costs more Python time than the
# database spends on it, and a prebuilt one keeps its compiled-cache key.
_ORDER = _ORDERS.where(orders_t.c.order_id == bindparam("order_id"), orders_t.c.kiosk_id == bindparam("kiosk_id"))
_RECENT = (
    _ORDERS.where(orders_t.c.kiosk_id == bindparam("kiosk_id")).order_by(orders_t.c.id.desc()).limit(bindparam("n"))
)
_OPEN = (
    _ORDERS.where(
        orders_t.c.kiosk_id == bindparam("kiosk_id"),
        orders_t.c.purpose == bindparam("purpose"),
        orders_t.c.status == "created",
        orders_t.c.expires_at > bindparam("now"),
    )
    .order_by(orders_t.c.id.desc())
    .limit(bindparam("n"))
)
_PAYOUT_KNOWN = select(orders_t.c.order_id).where(
    orders_t.c.kiosk_id == bindparam("kiosk_id"), orders_t.c.operation_id == bindparam("operation_id")
)

# The ledger transaction's own statements (its raw cursor): an order and the gateway's answer to it.
INSERT_ORDER = Sql.of(
    "INSERT INTO refill_orders (order_id, kiosk_id, operation_pk, operation_id, purpose, channel, amount_paise, "
    "status, created_at, expires_at) VALUES (:order_id, :kiosk_id, :operation_pk, :operation_id, :purpose, "
    ":channel, :amount_paise, 'created', :created_at, :expires_at)"
)
# A success takes the order from any reopenable state; the row lock it takes makes a concurrent copy of the
# same notification wait, then find nothing to change (a duplicate).
CAPTURE_ORDER = Sql.of(
    "UPDATE refill_orders SET status = 'success', gateway_ref = :gateway_ref, confirmed_paise = :confirmed, "
    "failure_reason = NULL, completed_at = :now "
    f"WHERE order_id = :order_id AND status IN ({', '.join(repr(s) for s in REOPENABLE)}) "
    "RETURNING id, kiosk_id, amount_paise, purpose, (SELECT code FROM kiosks WHERE kiosks.id = refill_orders.kiosk_id)"
)
FAIL_ORDER = Sql.of(
    "UPDATE refill_orders SET status = 'failed', gateway_ref = :gateway_ref, failure_reason = :reason, "
    "completed_at = :now WHERE order_id = :order_id AND status = 'created' RETURNING id"
)
ORDER_EXISTS = Sql.of("SELECT id FROM refill_orders WHERE order_id = :order_id")
RECORD_ENTRY = Sql.of("UPDATE refill_orders SET entry_id = :entry_id WHERE id = :id")


def _iso(value: datetime | None) -> str | None:
    """A stored timestamp in UTC (SQLite hands it back without a zone, PostgreSQL in its session's zone)."""
    return None if value is None else aware(value).astimezone(UTC).isoformat()


class GatewayNotification(BaseModel):
    """What the gateway posts to /api/v1/callbacks/gateway (signed: X-Gateway-Signature)."""

    model_config = ConfigDict(extra="ignore")

    order_id: Annotated[str, StringConstraints(pattern=r"^RO[0-9A-F]{16}$")]
    status: Literal["success", "failed"]
    amount_paise: Annotated[int, Field(strict=True, gt=0, le=10_000_000_000)]
    gateway_ref: Annotated[str, Text(64, min_length=1)]
    reason: Annotated[str, Text(300)] | None = None


class Refills:
    def __init__(self, engine: Engine, settings: Settings, now: Callable[[], datetime], credit: CreditLine) -> None:
        self.engine = engine
        self.settings = settings
        self.now = now
        self.credit = credit

    # -- orders ---------------------------------------------------------------------------------------
    def create_order(
        self, kiosk_id: int, kiosk_code: str, operation_id: str, amount: int, channel: str, purpose: str = "refill"
    ) -> dict[str, Any]:
        if purpose == "refill" and not self.settings.refill_min_paise <= amount <= self.settings.refill_max_paise:
            raise InvalidInput(
                "the refill amount is outside the allowed range",
                code="amount_out_of_range",
                field="amount_paise",
                min_paise=self.settings.refill_min_paise,
                max_paise=self.settings.refill_max_paise,
            )
        if self._page_url("ORDER") is None:
            raise ApiError(
                "net banking and aggregator payments are not set up on this server; use NEFT/RTGS to the kiosk's "
                "virtual account, or contact the help desk",
                code="gateway_not_configured",
                status=503,
            )
        body = {"amount_paise": amount, "channel": channel, "purpose": purpose}
        op = OperationRequest(kiosk_scope(kiosk_code), operation_id, f"{purpose}_order", body)
        if purpose == "payout":
            with self.engine.connect() as conn:
                known = conn.execute(_PAYOUT_KNOWN, {"kiosk_id": kiosk_id, "operation_id": operation_id}).first()
            if known is None:  # a replay is answered by the ledger even when nothing is due any more
                self.credit.check_payable(kiosk_id, kiosk_code, amount)
        written: dict[str, Any] = {}

        def apply(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
            now = self.now()
            written.update(
                order_id=f"RO{secrets.token_hex(8).upper()}",
                kiosk_id=kiosk_id,
                operation_pk=op_pk,
                operation_id=operation_id,
                purpose=purpose,
                channel=channel,
                amount_paise=amount,
                created_at=now,
                expires_at=now + timedelta(minutes=self.settings.refill_order_ttl_minutes),
            )
            tx.execute(
                INSERT_ORDER,
                {
                    **written,
                    "created_at": tx.sql_time(written["created_at"]),
                    "expires_at": tx.sql_time(written["expires_at"]),
                },
            )
            return {"order_id": written["order_id"]}

        def work(tx: LedgerTx) -> dict[str, Any]:
            written.clear()
            result = tx.run(op, apply)
            if not result.replayed:  # answered from what was just written: the row says nothing more yet
                return self._new_view(written)
            # A replay answers the order its first request created, read in the same transaction.
            row = tx.conn.execute(_ORDER, {"order_id": str(result.response["order_id"]), "kiosk_id": kiosk_id}).first()
            if row is None:
                raise NotFound("no such refill order at this kiosk", code="unknown_order", field="order_id")
            return self._view(row)

        return in_transaction(self.engine, work)

    def order(self, kiosk_id: int, order_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(_ORDER, {"order_id": order_id, "kiosk_id": kiosk_id}).first()
        if row is None:
            raise NotFound("no such refill order at this kiosk", code="unknown_order", field="order_id")
        return self._view(row)

    def orders(self, kiosk_id: int, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(_RECENT, {"kiosk_id": kiosk_id, "n": limit}).all()
        return [self._view(r) for r in rows]

    def open_orders(self, kiosk_id: int, purpose: str, limit: int = 20) -> list[dict[str, Any]]:
        """The kiosk's orders still waiting for the gateway (created, not yet expired), newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(_OPEN, {"kiosk_id": kiosk_id, "purpose": purpose, "now": self.now(), "n": limit}).all()
        return [v for v in (self._view(r) for r in rows) if v["status"] == "created"]

    def _new_view(self, written: dict[str, Any]) -> dict[str, Any]:
        """`_view` of an order just created: nothing confirmed, failed or completed yet."""
        view: dict[str, Any] = {
            "order_id": written["order_id"],
            "operation_id": written["operation_id"],
            "purpose": written["purpose"],
            "channel": written["channel"],
            "amount_paise": written["amount_paise"],
            "status": "created" if aware(written["expires_at"]) > self.now() else "expired",
            "confirmed_paise": None,
            "gateway_ref": None,
            "failure_reason": None,
            "created_at": _iso(written["created_at"]),
            "expires_at": _iso(written["expires_at"]),
            "completed_at": None,
            "payment_url": self._page_url(written["order_id"]),
        }
        if written["purpose"] == "payout":
            view["breakdown"] = None
        return view

    def _view(self, row: Any) -> dict[str, Any]:
        status = row.status
        if status == "created" and aware(row.expires_at) <= self.now():
            status = "expired"  # the scheduler will record it; the kiosk sees it at once
        view: dict[str, Any] = {
            "order_id": row.order_id,
            "operation_id": row.operation_id,
            "purpose": row.purpose,
            "channel": row.channel,
            "amount_paise": row.amount_paise,
            "status": status,
            "confirmed_paise": row.confirmed_paise,
            "gateway_ref": row.gateway_ref,
            "failure_reason": row.failure_reason,
            "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at),
            "completed_at": _iso(row.completed_at),
            "payment_url": self._page_url(row.order_id),
        }
        if row.purpose == "payout":
            # How the confirmed amount was applied (interest, then the oldest outstanding, the rest to the
            # wallet), as posted when the gateway confirmed it; null until then.
            view["breakdown"] = (
                None
                if row.applied_on is None
                else {
                    "amount_paise": row.applied_amount,
                    "interest_paise": row.applied_interest,
                    "principal_paise": row.applied_principal,
                    "to_wallet_paise": row.applied_to_wallet,
                    "paid_on": row.applied_on.isoformat(),
                }
            )
        return view

    def _page_url(self, order_id: str) -> str | None:
        """Where the operator pays the order: the aggregator's page, or the simulator's (relative) on a demo."""
        if self.settings.gateway_page_url:
            return self.settings.gateway_page_url.replace("{order_id}", order_id)
        if self.settings.mode != "demo":
            return None
        return f"/sim/gateway/orders/{order_id}/{sim_page_key(self.settings.gateway_secret, order_id)}"

    def expire_due(self) -> int:
        """Orders nobody completed in time (the page was closed): pending → expired."""
        now = self.now()
        with self.engine.connect() as conn:
            due = (
                conn.execute(
                    select(orders_t.c.id).where(orders_t.c.status == "created", orders_t.c.expires_at <= now).limit(500)
                )
                .scalars()
                .all()
            )
            conn.rollback()
        if not due:
            return 0
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    update(orders_t)
                    .where(orders_t.c.id.in_(due), orders_t.c.status == "created")
                    .values(status="expired", failure_reason="the payment page was not completed in time")
                ).rowcount
            )

    # -- the gateway's notifications --------------------------------------------------------------------
    def notify(self, raw: bytes, signature: str | None) -> dict[str, Any]:
        verify(self.settings.gateway_secret, raw, signature, GATEWAY_HEADER)
        try:
            notification = GatewayNotification.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidInput(
                "the notification is not a valid gateway notification",
                code="invalid_notification",
                field=".".join(str(p) for p in first.get("loc", ())),
            ) from exc
        return self.apply(notification)

    def apply(self, n: GatewayNotification) -> dict[str, Any]:
        def work(tx: LedgerTx) -> dict[str, Any]:
            now = tx.sql_time(self.now())
            if n.status == "failed":
                failed = tx.execute(
                    FAIL_ORDER,
                    {
                        "order_id": n.order_id,
                        "gateway_ref": n.gateway_ref,
                        "reason": (n.reason or "the gateway reports the payment failed")[:300],
                        "now": now,
                    },
                ).fetchall()
                if not failed:
                    self._known(tx, n.order_id)
                return {"order_id": n.order_id, "result": "failed" if failed else "ignored"}
            captured = tx.execute(
                CAPTURE_ORDER,
                {"order_id": n.order_id, "gateway_ref": n.gateway_ref, "confirmed": n.amount_paise, "now": now},
            ).fetchall()
            if not captured:
                self._known(tx, n.order_id)
                return {"order_id": n.order_id, "result": "duplicate"}
            order_pk, kiosk_id, ordered, purpose, kiosk_code = captured[0]
            if n.amount_paise != ordered:
                log.warning(
                    "gateway confirmed %d paise for order %s of %d paise; crediting the confirmed amount",
                    n.amount_paise,
                    n.order_id,
                    ordered,
                )
            op = OperationRequest(
                SYSTEM_SCOPE,
                f"gateway-{n.order_id}",
                "gateway_credit",
                {"order_id": n.order_id, "amount_paise": n.amount_paise},
            )

            def credit(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
                if purpose == "payout":
                    return self.credit.post(tx, op_pk, kiosk_id, kiosk_code, n.amount_paise, GATEWAY_CLEARING)
                return credit_kiosk(
                    tx, op_pk, kiosk_code, n.amount_paise, GATEWAY_CLEARING, "refill_gateway", f"order {n.order_id}"
                )

            posted = tx.run(op, credit).response
            tx.execute(RECORD_ENTRY, {"entry_id": posted["entry_id"], "id": order_pk})
            return {"order_id": n.order_id, "result": "credited", "credited_paise": n.amount_paise}

        return in_transaction(self.engine, work)

    @staticmethod
    def _known(tx: LedgerTx, order_id: str) -> None:
        if tx.execute(ORDER_EXISTS, {"order_id": order_id}).fetchone() is None:
            raise NotFound("no such order", code="unknown_order", field="order_id")


def sim_page_key(secret: str, order_id: str) -> str:
    """The simulated gateway's credential for one order's page, in its address: only the kiosk that made the order
    is given it (as a real aggregator's page carries a signed session), so nobody else can pay or cancel it."""
    return hmac.new(secret.encode(), b"simulated gateway page:" + order_id.encode(), hashlib.sha256).hexdigest()[:32]


class SimulatedPaymentGateway:
    """Plays the payment gateway in demo mode: a page to pay or fail an order, then a signed notification.

    It reads the order from our own table (the simulation's only shortcut) and delivers its notification
    through the same code path as a real one: the exact bytes, the same signature check.
    """

    def __init__(self, engine: Engine, secret: str, now: Callable[[], datetime], deliver: Callable[[bytes, str], Any]):
        self.engine = engine
        self.secret = secret
        self.now = now
        self.deliver = deliver

    def _order(self, order_id: str) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(orders_t, kiosks_t.c.name.label("kiosk_name"))
                .join(kiosks_t, kiosks_t.c.id == orders_t.c.kiosk_id)
                .where(orders_t.c.order_id == order_id)
            ).first()
        if row is None:
            raise NotFound("the gateway has no such order", code="unknown_order")
        return row

    def check_key(self, order_id: str, key: str) -> None:
        """Refuse a page address whose key is not this order's (403), before anything about the order is told."""
        if not hmac.compare_digest(sim_page_key(self.secret, order_id).encode(), key.encode("utf-8", "replace")):
            raise ApiError(
                "this payment page address is not valid; start the payment from the kiosk",
                code="gateway_page_key_wrong",
                status=403,
            )

    def _payable(self, row: Any) -> bool:
        return bool(row.status == "created" and aware(row.expires_at) > self.now())

    def page(self, order_id: str, done: str | None = None) -> str:
        row = self._order(order_id)
        amount = f"₹{row.amount_paise // 100:,}.{row.amount_paise % 100:02d}"
        what = "Fund Payout" if row.purpose == "payout" else "Wallet refill"
        if done:
            body = f"<p>Payment {html.escape(done)}. You may close this page and return to the kiosk.</p>"
        elif not self._payable(row):
            body = "<p>This payment session has ended. Start a new refill from the kiosk.</p>"
        else:
            body = (
                f'<form method="post"><input type="hidden" name="outcome" value="success">'
                f'<button type="submit">Pay {amount}</button></form>'
                f'<form method="post"><input type="hidden" name="outcome" value="failed">'
                f'<button type="submit">Cancel / fail payment</button></form>'
            )
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Simulated payment gateway</title></head>"
            f"<body><h1>Simulated payment gateway (demo)</h1><p>{html.escape(what)} for "
            f"{html.escape(row.kiosk_name)}: <b>{amount}</b> by {html.escape(row.channel.replace('_', ' '))}, "
            f"order {html.escape(row.order_id)}</p>{body}</body></html>"
        )

    def complete(
        self, order_id: str, outcome: str, amount: int | None = None, *, deliver: bool = True
    ) -> dict[str, Any]:
        """The customer paid (or gave up); returns the signed notification and what delivering it did."""
        row = self._order(order_id)
        if not self._payable(row):
            raise Conflict("this payment session has ended", code="gateway_session_ended")
        gateway_ref = "SIMPG" + hashlib.sha256(order_id.encode()).hexdigest()[:12].upper()
        notification: dict[str, Any] = {
            "order_id": order_id,
            "status": outcome,
            "amount_paise": row.amount_paise if amount is None else amount,
            "gateway_ref": gateway_ref,
        }
        if outcome == "failed":
            notification["reason"] = "the customer cancelled at the bank (simulated)"
        raw = json.dumps(notification, separators=(",", ":")).encode()
        signature = sign(self.secret, raw)
        delivered = self.deliver(raw, signature) if deliver else None
        return {"body": raw.decode(), "signature": signature, "delivery": delivered}


def ensure_demo(settings: Settings) -> None:
    if settings.mode != "demo":
        raise ApiError("the simulated gateway runs only on a demo server", code="demo_only", status=404)
