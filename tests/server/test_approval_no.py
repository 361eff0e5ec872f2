"""The department's approval number, through the real server and departments processes: the server keeps it
with the paid bill and gives it in the pay answer and the payment's view; the kiosk prints it beside the
department's reference; a payment made before there were approval numbers prints no such line (and no empty
one)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from departments import consumers
from kiosk_app.contract import PaymentPublic
from kiosk_app.receipts import from_payment
from printing.escpos_decode import decode, text_lines
from printing.pdf import receipt_pdf
from printing.receipt import Bilingual, Labels
from printing.samples import SAMPLE_HELP_DESK
from printing.thermal import PAPER_58MM, PAPER_80MM, receipt_bytes
from server.core.config import Settings
from server.migrate import migrate
from tests.support.departments import ADMIN_TOKEN, DepartmentsProcess
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk

K_NO = Bilingual("K No.", "के. नं.")


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, DepartmentsProcess, Path]]:
    tmp = tmp_path_factory.mktemp("approval")
    (tmp / "departments").mkdir()
    departments = DepartmentsProcess(tmp / "departments").start()
    db = tmp / "server.sqlite3"
    migrate(Settings(database_url=f"sqlite:///{db}"))
    env = {
        "EMITRA_DEPARTMENTS_URL": departments.url,
        "EMITRA_DEPARTMENTS_ADMIN_TOKEN": ADMIN_TOKEN,
        "EMITRA_ARGON2_PROFILE": "fast",
    }
    server = ServerProcess(f"sqlite:///{db}", log_path=tmp / "server.log", env=env).start()
    yield server, departments, db
    server.stop()
    departments.stop()


def _pay(kiosk: WalletKiosk, k_no: str, operation_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}})
    body = {
        "operation_id": operation_id,
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
        "bills": [{"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}, "amount_paise": bill["payable_now_paise"]}],
    }
    return dict(kiosk.ok("POST", "/payments", json=body)), body


def test_the_approval_number_is_kept_answered_and_printed(
    rig: tuple[ServerProcess, DepartmentsProcess, Path], tmp_path: Path
) -> None:
    from tests.printing.test_pdf_text import pdf_text

    server, departments, _ = rig
    kiosk = WalletKiosk(server, "RJ-APR")
    kiosk.fund(10_00_000_00)
    op = uuid.uuid4().hex
    answer, body = _pay(kiosk, "210055501234", op)
    [bill] = answer["bills"]
    assert answer["status"] == "success" and bill["biller_ref"].startswith("DISCOM-")
    [recorded] = departments.payments("discom", bill["reference"])
    assert bill["approval_no"] == consumers.approval_no("discom", recorded["reference"])
    view = kiosk.ok("GET", f"/payments/{op}")
    assert view["bills"][0]["approval_no"] == bill["approval_no"]
    assert kiosk.ok("POST", "/payments", json=body)["bills"][0]["approval_no"] == bill["approval_no"]  # the replay

    receipt = from_payment(PaymentPublic.parse(view), K_NO, SAMPLE_HELP_DESK)
    assert receipt.approval_no == bill["approval_no"]
    for paper in (PAPER_58MM, PAPER_80MM):
        lines = text_lines(decode(receipt_bytes(receipt, paper)))
        ref_at = next(i for i, line in enumerate(lines) if line.startswith(Labels.BILLER_REFERENCE.en))
        approval = lines[ref_at + 1]
        assert approval.startswith(Labels.APPROVAL_NO.en) and approval.endswith(bill["approval_no"]), lines
    text = pdf_text(receipt_pdf(receipt), tmp_path)
    assert Labels.APPROVAL_NO.joined() in text and bill["approval_no"] in text


def test_a_payment_from_before_approval_numbers_prints_no_approval_line(
    rig: tuple[ServerProcess, DepartmentsProcess, Path], tmp_path: Path
) -> None:
    from tests.printing.test_pdf_text import pdf_text

    server, _, db = rig
    kiosk = WalletKiosk(server, "RJ-APR")
    kiosk.fund(10_00_000_00)
    op = uuid.uuid4().hex
    reference = _pay(kiosk, "210055502345", op)[0]["bills"][0]["reference"]
    with sqlite3.connect(db) as conn:  # as a bill paid before migration 0016 reads
        conn.execute("UPDATE payment_bills SET approval_no = NULL WHERE reference = ?", (reference,))
    view = kiosk.ok("GET", f"/payments/{op}")
    assert view["bills"][0]["approval_no"] is None and view["bills"][0]["biller_ref"]
    receipt = from_payment(PaymentPublic.parse(view), K_NO, SAMPLE_HELP_DESK)
    for paper in (PAPER_58MM, PAPER_80MM):
        lines = text_lines(decode(receipt_bytes(receipt, paper)))
        ref_at = next(i for i, line in enumerate(lines) if line.startswith(Labels.BILLER_REFERENCE.en))
        assert lines[ref_at + 1].startswith(Labels.DATE_TIME.en)  # straight on: no approval line, no empty one
        assert not any(line.startswith(Labels.APPROVAL_NO.en) for line in lines)
    assert Labels.APPROVAL_NO.en not in pdf_text(receipt_pdf(receipt), tmp_path)
