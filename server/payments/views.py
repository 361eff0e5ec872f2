"""What a kiosk reads of its payments: the bill before paying, and a payment as its receipt shows it."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select, bindparam, select

from rules.day import IST, business_day
from server.billers import Bill
from server.catalog import Catalog, Service
from server.core.errors import NotFound
from server.core.sql import chunks, one_of
from server.ledger import KioskBalances, operations_t, read_kiosk_balances
from server.payments.post import kiosks_t
from server.payments.status import bills_t, payments_t
from server.payments.verification import ReceiptKeys


class Views:
    """Payments as the HTTP layer answers them (the dict shapes are the API's contract)."""

    def __init__(self, reads: Engine, catalog: Catalog, now: Any, receipt_keys: ReceiptKeys | None = None) -> None:
        self.reads = reads
        self.catalog = catalog
        self.now = now
        self.receipt_keys = receipt_keys  # signs the verification path a receipt's QR holds

    def bill_public(self, service: Service, bill: Bill) -> dict[str, Any]:
        dept = self.catalog.departments[service.department]
        return {
            "service_code": service.code,
            "service_name_en": service.name_en,
            "service_name_hi": service.name_hi,
            "department": dept.code,
            "department_name_en": dept.name_en,
            "department_name_hi": dept.name_hi,
            "kind": service.kind,
            "consumer_no": bill.consumer_no,
            "consumer_name": bill.consumer_name,
            "bill_no": bill.bill_no,
            "bill_date": _iso(bill.bill_date),
            "due_date": _iso(bill.due_date),
            "amount_due_paise": bill.amount_due_paise,
            "amount_after_due_paise": bill.amount_after_due_paise,
            "payable_now_paise": bill.payable_now(business_day(self.now())),
            "partial_allowed": bill.partial_allowed,
            "min_paise": bill.min_paise,
            "max_paise": bill.max_paise,
        }

    # -- Pay --------------------------------------------------------------------------------------------
    def payment_ids(self, kiosk_id: int, operation_ids: list[str]) -> dict[str, tuple[int, str]]:
        """The kiosk's payments of these operation ids: id → (payment id, the operation's request hash)."""
        if not operation_ids:
            return {}
        with self.reads.connect() as conn:
            rows = conn.execute(_statements(conn).payment_ids, {"kiosk_id": kiosk_id, "operation_ids": operation_ids})
            return {r.operation_id: (int(r.id), str(r.request_hash)) for r in rows}

    def payment_id(self, kiosk_id: int, operation_id: str) -> int:
        found = self.payment_ids(kiosk_id, [operation_id]).get(operation_id)
        if found is None:
            raise NotFound("no payment with this operation id at this kiosk", code="unknown_payment")
        return found[0]

    def view(self, payment_id: int) -> dict[str, Any]:
        """Everything a receipt needs, in one answer."""
        return self.views([payment_id])[0]

    def by_receipt_no(self, receipt_no: str) -> dict[str, Any] | None:
        """The payment a receipt number names (any kiosk's), or None."""
        with self.reads.connect() as conn:
            found = conn.execute(_statements(conn).by_receipt_no, {"receipt_no": receipt_no}).scalar()
        return None if found is None else self.view(int(found))

    def views(self, payment_ids: list[int]) -> list[dict[str, Any]]:
        """`view` of many payments (of any kiosks) with a few queries for all of them, in the order asked."""
        payments: dict[int, Any] = {}
        bills: dict[int, list[Any]] = defaultdict(list)
        with self.reads.connect() as conn:
            sql = _statements(conn)
            for part in chunks(payment_ids):
                payments.update((r.id, r) for r in conn.execute(sql.payments, {"ids": list(part)}))
                for b in conn.execute(sql.bills, {"ids": list(part)}):
                    bills[b.payment_id].append(b)
            kiosks = {
                r.id: r for r in conn.execute(sql.kiosks, {"ids": sorted({p.kiosk_id for p in payments.values()})})
            }
            balances = {k.id: read_kiosk_balances(conn, k.code) for k in kiosks.values()}
        return [
            self._view(payments[pid], kiosks[payments[pid].kiosk_id], bills[pid], balances[payments[pid].kiosk_id])
            for pid in payment_ids
        ]

    def _view(self, p: Any, kiosk: Any, bills: list[Any], balances: KioskBalances) -> dict[str, Any]:
        created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=ZoneInfo("UTC"))
        return {
            "operation_id": p.operation_id,
            "payment_id": p.id,
            "status": p.status,
            "method": p.method,
            "total_paise": p.total_paise,
            "receipt_no": p.receipt_no,
            "verify_path": self.receipt_keys.path(p.receipt_no, p.total_paise)
            if self.receipt_keys is not None and p.receipt_no
            else None,
            "txn_id": p.txn_id,
            "created_at": created.isoformat(),
            "created_at_ist": created.astimezone(IST).strftime("%d-%m-%Y %H:%M:%S"),
            "kiosk_code": kiosk.code,
            "kiosk_name": kiosk.name,
            "contact": {"mobile": p.contact_mobile, "email": p.contact_email},
            "cheque": None
            if p.method != "cheque"
            else {
                "cheque_no": p.cheque_no,
                "bank": p.cheque_bank,
                "date": _iso(p.cheque_date),
                "status": p.cheque_status,
            },
            "from_wallet_paise": p.from_wallet_paise,
            "from_credit_paise": p.from_credit_paise,
            "reversed_paise": p.reversed_paise,
            "failure_reason": p.failure_reason,
            "offline": bool(p.offline),
            "bills": [self._bill_view(b) for b in bills],
            "wallet": {"wallet_balance_paise": balances.wallet, "spendable_paise": balances.spendable},
        }

    def _bill_view(self, b: Any) -> dict[str, Any]:
        service = self.catalog.services.get(b.service_code)
        dept = self.catalog.departments.get(b.department)
        return {
            "service_code": b.service_code,
            "service_name_en": service.name_en if service else b.service_code,
            "service_name_hi": service.name_hi if service else b.service_code,
            "department": b.department,
            "department_name_en": dept.name_en if dept else b.department,
            "department_name_hi": dept.name_hi if dept else b.department,
            "consumer_no": b.consumer_no,
            "consumer_name": b.consumer_name,
            "bill_no": b.bill_no,
            "bill_date": _iso(b.bill_date),
            "due_date": _iso(b.due_date),
            "amount_due_paise": b.amount_due_paise,
            "amount_paise": b.amount_paise,
            "reference": b.reference,
            "biller_ref": b.biller_ref,
            "approval_no": b.approval_no,
            "status": b.status,
            "failure_reason": b.failure_reason,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class _Statements:
    """Built once per backend: SQLAlchemy memoizes a statement's cache key on the statement object, so one
    built per call costs its construction and its key on every call."""

    payment_ids: Select[Any]
    by_receipt_no: Select[Any]
    payments: Select[Any]
    bills: Select[Any]
    kiosks: Select[Any]

    @staticmethod
    @functools.cache
    def of(postgres: bool) -> _Statements:
        def ids(column: Any, name: str = "ids") -> Any:
            return one_of(column, name, postgres=postgres)

        return _Statements(
            payment_ids=select(payments_t.c.operation_id, payments_t.c.id, operations_t.c.request_hash)
            .join(operations_t, operations_t.c.id == payments_t.c.operation_pk)
            .where(payments_t.c.kiosk_id == bindparam("kiosk_id"), ids(payments_t.c.operation_id, "operation_ids")),
            by_receipt_no=select(payments_t.c.id).where(payments_t.c.receipt_no == bindparam("receipt_no")),
            payments=select(payments_t).where(ids(payments_t.c.id)),
            bills=select(bills_t).where(ids(bills_t.c.payment_id)).order_by(bills_t.c.position),
            kiosks=select(kiosks_t.c.id, kiosks_t.c.code, kiosks_t.c.name).where(ids(kiosks_t.c.id)),
        )


def _statements(conn: Connection) -> _Statements:
    return _Statements.of(conn.dialect.name == "postgresql")
