"""Customer memory, on this kiosk only: who paid what here, found again by consumer number, mobile or name.

Two tables (offline_cache/database.py, schema 2): `customer_payments`, a row per bill paid at this kiosk, and
`customers`, a row per consumer of a service (its latest name, fields and payment), with `customer_search`, an
FTS5 trigram index over each customer's consumer number, name and remembered mobile — Hindi and English alike,
any part of a word, case-blind. A mobile number is remembered only when the customer agreed at the counter
(the consent box), and forgotten when a later payment is made without that agreement. Nothing here leaves the
kiosk; `forget_before` drops what is older than the kiosk's setting (`customer_memory_months`)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from offline_cache.outbox import transaction

SCHEMA = """
CREATE TABLE customer_payments (
    id INTEGER PRIMARY KEY,
    operation_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    service_code TEXT NOT NULL,
    consumer_no TEXT NOT NULL,
    consumer_name TEXT NOT NULL DEFAULT '',
    amount_paise INTEGER NOT NULL CHECK (amount_paise > 0),
    status TEXT NOT NULL,  -- the server's payment status, or 'queued' while only this PC has the payment
    receipt_no TEXT,
    paid_at TEXT NOT NULL,
    UNIQUE (operation_id, line)
);
CREATE INDEX customer_payments_by_consumer ON customer_payments (service_code, consumer_no, paid_at);
CREATE INDEX customer_payments_by_time ON customer_payments (paid_at);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    service_code TEXT NOT NULL,
    consumer_no TEXT NOT NULL,
    consumer_name TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL,
    mobile TEXT,
    last_amount_paise INTEGER NOT NULL,
    last_paid_at TEXT NOT NULL,
    payments INTEGER NOT NULL DEFAULT 0,
    UNIQUE (service_code, consumer_no)
);
CREATE INDEX customers_by_time ON customers (last_paid_at);
CREATE VIRTUAL TABLE customer_search USING fts5(text, tokenize='trigram')
"""

SHORTEST_QUERY = 3  # the trigram index finds nothing shorter; the page says so


@dataclass(frozen=True)
class PaidBill:
    """One bill of a payment, as the customer memory keeps it."""

    service_code: str
    fields: Mapping[str, str]
    consumer_no: str
    amount_paise: int
    consumer_name: str = ""


@dataclass(frozen=True)
class PastPayment:
    operation_id: str
    amount_paise: int
    status: str
    receipt_no: str | None
    paid_at: str


@dataclass(frozen=True)
class Customer:
    """A consumer of one service who paid at this kiosk: what "pay again" fills in."""

    service_code: str
    consumer_no: str
    consumer_name: str
    fields: Mapping[str, str]
    mobile: str | None
    last_amount_paise: int
    last_paid_at: str
    payments: int


def _search_text(consumer_no: str, name: str, mobile: str | None) -> str:
    return unicodedata.normalize("NFC", " ".join(p for p in (consumer_no, name, mobile or "") if p)).casefold()


def _phrase(query: str) -> str:
    """The query as one FTS5 string (any double quote doubled): no operator in it is ever read as syntax."""
    return '"' + query.replace('"', '""') + '"'


class CustomerMemory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        operation_id: str,
        bills: Sequence[PaidBill],
        *,
        status: str,
        paid_at: str,
        mobile: str | None,
        consent: bool,
        receipt_no: str | None = None,
    ) -> None:
        """Remember a payment's bills (once per operation: a second call updates its status and receipt number)."""
        with transaction(self.db):
            for line, bill in enumerate(bills):
                self._record_line(operation_id, line, bill, status, paid_at, mobile if consent else None, receipt_no)

    def _record_line(
        self,
        operation_id: str,
        line: int,
        bill: PaidBill,
        status: str,
        paid_at: str,
        mobile: str | None,
        receipt_no: str | None,
    ) -> None:
        db = self.db
        known = db.execute(
            "SELECT id FROM customer_payments WHERE operation_id = ? AND line = ?", [operation_id, line]
        ).fetchone()
        if known is not None:
            db.execute(
                "UPDATE customer_payments SET status = ?, receipt_no = coalesce(?, receipt_no),"
                " consumer_name = CASE WHEN ? <> '' THEN ? ELSE consumer_name END WHERE id = ?",
                [status, receipt_no, bill.consumer_name, bill.consumer_name, known[0]],
            )
            return
        db.execute(
            "INSERT INTO customer_payments (operation_id, line, service_code, consumer_no, consumer_name,"
            " amount_paise, status, receipt_no, paid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                operation_id,
                line,
                bill.service_code,
                bill.consumer_no,
                bill.consumer_name,
                bill.amount_paise,
                status,
                receipt_no,
                paid_at,
            ],
        )
        row = db.execute(
            "SELECT id, consumer_name FROM customers WHERE service_code = ? AND consumer_no = ?",
            [bill.service_code, bill.consumer_no],
        ).fetchone()
        fields = json.dumps(dict(bill.fields), ensure_ascii=False, sort_keys=True)
        name = bill.consumer_name or (row[1] if row else "")
        if row is None:
            cursor = db.execute(
                "INSERT INTO customers (service_code, consumer_no, consumer_name, fields, mobile, last_amount_paise,"
                " last_paid_at, payments) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                [bill.service_code, bill.consumer_no, name, fields, mobile, bill.amount_paise, paid_at],
            )
            customer_id = cursor.lastrowid
        else:
            customer_id = row[0]
            db.execute(
                "UPDATE customers SET consumer_name = ?, fields = ?, mobile = ?, last_amount_paise = ?,"
                " last_paid_at = max(last_paid_at, ?), payments = payments + 1 WHERE id = ?",
                [name, fields, mobile, bill.amount_paise, paid_at, customer_id],
            )
            db.execute("DELETE FROM customer_search WHERE rowid = ?", [customer_id])
        db.execute(
            "INSERT INTO customer_search (rowid, text) VALUES (?, ?)",
            [customer_id, _search_text(bill.consumer_no, name, mobile)],
        )

    def settle(self, answered: Sequence[tuple[str, str, str | None]]) -> None:
        """(operation id, the server's status, receipt number) of payments the day-end sync heard of: the lines
        remembered for them take the final word (a payment never remembered here is not added)."""
        for operation_id, status, receipt_no in answered:
            self.db.execute(
                "UPDATE customer_payments SET status = ?, receipt_no = coalesce(?, receipt_no) WHERE operation_id = ?",
                [status, receipt_no, operation_id],
            )

    def search(self, query: str, limit: int = 5) -> list[Customer]:
        """Customers whose consumer number, name or remembered mobile contains `query`, the latest first."""
        text = unicodedata.normalize("NFC", query.strip()).casefold()
        if len(text) < SHORTEST_QUERY:
            return []
        rows = self.db.execute(
            "SELECT c.service_code, c.consumer_no, c.consumer_name, c.fields, c.mobile, c.last_amount_paise,"
            " c.last_paid_at, c.payments FROM customer_search s JOIN customers c ON c.id = s.rowid"
            " WHERE customer_search MATCH ? ORDER BY c.last_paid_at DESC LIMIT ?",
            [_phrase(text), limit],
        ).fetchall()
        return [_customer(r) for r in rows]

    def history(self, service_code: str, consumer_no: str, limit: int = 6) -> list[PastPayment]:
        rows = self.db.execute(
            "SELECT operation_id, amount_paise, status, receipt_no, paid_at FROM customer_payments"
            " WHERE service_code = ? AND consumer_no = ? ORDER BY paid_at DESC, id DESC LIMIT ?",
            [service_code, consumer_no, limit],
        ).fetchall()
        return [PastPayment(*r) for r in rows]

    def forget_before(self, cutoff: str) -> int:
        """Drop every payment older than `cutoff` (an ISO time) and every customer not seen since; how many
        customers were forgotten."""
        with transaction(self.db):
            self.db.execute("DELETE FROM customer_payments WHERE paid_at < ?", [cutoff])
            old = [r[0] for r in self.db.execute("SELECT id FROM customers WHERE last_paid_at < ?", [cutoff])]
            for chunk in _chunks(old, 500):
                marks = ",".join("?" * len(chunk))
                self.db.execute(f"DELETE FROM customer_search WHERE rowid IN ({marks})", chunk)
                self.db.execute(f"DELETE FROM customers WHERE id IN ({marks})", chunk)
        return len(old)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM customers").fetchone()[0])


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _customer(row: Sequence[Any]) -> Customer:
    fields = json.loads(row[3])
    return Customer(row[0], row[1], row[2], fields, row[4], row[5], row[6], row[7])


def create_tables(db: Database) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def remember_past_payments(db: Database) -> None:
    """Schema 2 on a kiosk that already paid: its customers are its outbox's answered payments (no mobile: no
    consent was asked before)."""
    memory = CustomerMemory(db)
    rows = db.execute(
        "SELECT operation_id, payload, result, created_at FROM outbox WHERE kind = 'payment' AND result IS NOT NULL"
    ).fetchall()
    for operation_id, payload, result, created_at in rows:
        sent, answer = json.loads(payload), json.loads(result)
        answered = answer.get("bills") or []
        bills = []
        for i, bill in enumerate(sent.get("bills", [])):
            fields = {str(k): str(v) for k, v in bill.get("fields", {}).items()}
            line = answered[i] if i < len(answered) and isinstance(answered[i], dict) else {}
            consumer = str(line.get("consumer_no") or next(iter(fields.values()), ""))
            amount = int(bill.get("amount_paise", 0))
            if consumer and amount > 0:
                name = str(line.get("consumer_name") or "")
                bills.append(PaidBill(str(bill["service_code"]), fields, consumer, amount, name))
        for line_no, bill in enumerate(bills):
            memory._record_line(
                operation_id,
                line_no,
                bill,
                str(answer.get("status", "")),
                str(answer.get("created_at") or created_at),
                None,
                answer.get("receipt_no"),
            )
