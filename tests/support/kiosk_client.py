"""The real kiosk client core wired to a real server process, paper bills, and checks on the server's books."""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from departments import consumers
from kiosk_app.api import ApiClient
from kiosk_app.config import KioskConfig
from kiosk_app.core import KioskCore
from kiosk_app.services import BillLine, Contact, PaymentOrder
from kiosk_app.worker import InlineWorker, Worker
from offline_cache.outbox import NewOperation
from rules.ids import new_operation_id
from server.billers import Bill
from server.catalog import Service
from tests.support.auth import ready_token
from tests.support.server import ServerProcess


@dataclass(frozen=True)
class PaperBill:
    """What a customer's paper electricity bill says: the K No., the amount due today, and the figures printed
    for it (the amount by the due date, the date, the amount after it)."""

    service_code: str
    k_no: str
    amount_paise: int
    due_paise: int = 0
    due_date: date | None = None
    after_due_paise: int | None = None

    def line(self) -> BillLine:
        return BillLine(self.service_code, {"k_no": self.k_no}, self.amount_paise)

    def order(self, mobile: str = "9876543210") -> PaymentOrder:
        return PaymentOrder((self.line(),), Contact(mobile=mobile))


_BILL_CACHE: dict[tuple[str, int, int], list[PaperBill]] = {}


def printed_amount(service: Service, consumer_no: str, fields: dict[str, str], today: date) -> int:
    """What the simulated department's paper bill says is due today (its own bill rules, no request)."""
    amount = Bill(**consumers.bill(service, consumer_no, fields, today).model_dump()).payable_now(today)
    assert amount is not None, f"{service.code} bills carry no amount"
    return amount


def paper_bills(count: int, *, series: int = 1, service_code: str = "ELEC-JVVNL") -> list[PaperBill]:
    """Distinct electricity bills as the simulated department prints them (from its own bill rules), so a
    thousand bills cost milliseconds instead of a thousand Get Bill Details round trips."""
    key = (service_code, count, series)
    if key in _BILL_CACHE:
        return _BILL_CACHE[key]
    from server.catalog import load_catalog

    service = load_catalog().services[service_code]
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Kolkata")).date()
    prefix = {"ELEC-JVVNL": "21", "ELEC-AVVNL": "31", "ELEC-JDVVNL": "41"}[service_code]
    bills = []
    for i in range(count):
        k_no = f"{prefix}{series:02d}{i:06d}35"
        printed = consumers.bill(service, k_no, {"k_no": k_no}, today)
        bills.append(
            PaperBill(
                service_code,
                k_no,
                printed_amount(service, k_no, {"k_no": k_no}, today),
                printed.amount_due_paise or 0,
                printed.due_date,
                printed.amount_after_due_paise,
            )
        )
    _BILL_CACHE[key] = bills
    return bills


class KioskPc:
    """A kiosk PC: its own database file, the real client core, signed in to the server as `code`."""

    def __init__(
        self,
        server: ServerProcess,
        tmp: Path,
        code: str,
        *,
        funds: int = 10_000_000,
        url: str | None = None,
        worker: Worker | None = None,
        timeout: tuple[float, float] = (2.0, 10.0),
        token: str | None = None,
        auto_flush: bool = False,
    ) -> None:
        self.server = server
        self.code = code
        self.token = token or ready_token(server, code)
        if funds:
            assert server.adjust(code, uuid.uuid4().hex, "credit", funds).status_code == 200
        self.db_path = tmp / code / "kiosk.sqlite3"
        self.url = url or server.url
        self.timeout = timeout
        self.core = self.open(worker, auto_flush=auto_flush)

    def open(self, worker: Worker | None = None, *, auto_flush: bool = False) -> KioskCore:
        api = ApiClient(self.url, machine_id=f"pc-{self.code}", timeout=self.timeout, retries=1)
        api.token = self.token
        return KioskCore(
            KioskConfig(server_url=self.url, database=self.db_path),
            worker=worker or InlineWorker(),
            api=api,
            auto_flush=auto_flush,
        )

    def queue_offline(self, bills: list[PaperBill], mobile: str = "9876543210") -> list[str]:
        """Prepare a day of offline payments straight into the outbox (as the pay use-case writes them)."""
        ids = []
        ops = []
        for bill in bills:
            op_id = new_operation_id()
            ids.append(op_id)
            ops.append(
                NewOperation(
                    op_id,
                    "payment",
                    {
                        "operation_id": op_id,
                        "offline": True,
                        "method": {"type": "wallet"},
                        "contact": {"mobile": mobile, "email": None},
                        "bills": [
                            {
                                "service_code": bill.service_code,
                                "fields": {"k_no": bill.k_no},
                                "amount_paise": bill.amount_paise,
                            }
                        ],
                    },
                    bill.amount_paise,
                    bill.amount_paise,
                    True,
                )
            )
        self.core.worker.call(self.core.store.outbox.add_many, ops)
        return ids

    def close(self) -> None:
        self.core.close()


def server_db(server: ServerProcess) -> Path:
    assert server.database_url.startswith("sqlite:///")
    return Path(server.database_url.removeprefix("sqlite:///"))


def server_payments(server: ServerProcess, kiosk_code: str) -> dict[str, list[dict[str, Any]]]:
    """Every payment the server holds for the kiosk, by operation id (a list: exactly once means length 1)."""
    db = sqlite3.connect(f"file:{server_db(server)}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT p.operation_id, p.status, p.total_paise, p.reversed_paise, p.txn_id FROM payments p "
            "JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ?",
            (kiosk_code,),
        ).fetchall()
        references = db.execute(
            "SELECT b.payment_id, b.reference FROM payment_bills b JOIN payments p ON p.id = b.payment_id "
            "JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ?",
            (kiosk_code,),
        ).fetchall()
        ids = dict(
            db.execute(
                "SELECT p.operation_id, p.id FROM payments p JOIN kiosks k ON k.id = p.kiosk_id WHERE k.code = ?",
                (kiosk_code,),
            ).fetchall()
        )
    finally:
        db.close()
    paid = Counter(p["reference"] for p in server.department_payments() if p["result"] == "success")
    paid_at_department: Counter[int] = Counter()
    for payment_id, reference in references:
        paid_at_department[payment_id] += paid[reference]
    found: dict[str, list[dict[str, Any]]] = {}
    for op_id, status, total, reversed_, txn in rows:
        found.setdefault(op_id, []).append(
            {
                "status": status,
                "total_paise": total,
                "reversed_paise": reversed_,
                "txn_id": txn,
                "department_records": paid_at_department.get(ids[op_id]),
            }
        )
    return found


def assert_exactly_once(server: ServerProcess, kiosk_code: str, expected: dict[str, int], funds: int) -> None:
    """Each expected operation is one payment at the server, paid once at the department; the wallet agrees."""
    found = server_payments(server, kiosk_code)
    assert set(found) == set(expected), (len(found), len(expected), sorted(set(expected) - set(found))[:5])
    assert all(len(v) == 1 for v in found.values())
    assert all(v[0]["department_records"] == 1 for v in found.values()), [
        (k, v) for k, v in found.items() if v[0]["department_records"] != 1
    ][:3]
    assert all(v[0]["total_paise"] == expected[k] for k, v in found.items())
    spent = sum(v[0]["total_paise"] - v[0]["reversed_paise"] for v in found.values())
    assert server.balance(kiosk_code)["wallet_balance_paise"] == funds - spent
    assert server.audit() == []
