"""Receipts and outcomes from the server's payment answer: every status of the contract, partial as partial."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kiosk_app.config import DEFAULT_HELP_DESK
from kiosk_app.contract import ContractMismatch, PaymentPublic, PaymentStatus
from kiosk_app.receipts import from_payment, receipt_status
from kiosk_app.services import OutcomeStatus, outcome_status
from printing.escpos_decode import decode, text_lines
from printing.receipt import Bilingual, Receipt, ReceiptStatus
from printing.thermal import PAPER_80MM, receipt_bytes
from server.payments.schemas import PaymentPublic as ServerPaymentPublic

K_NO = Bilingual("K No.", "के नं.")


def _bill(position: int, status: str, biller_ref: str | None, failure_reason: str | None) -> dict[str, Any]:
    return {
        "service_code": "jvvnl_bill",
        "service_name_en": "JVVNL Electricity Bill",
        "service_name_hi": "जेवीवीएनएल बिजली बिल",
        "department": "jvvnl",
        "department_name_en": "JVVNL",
        "department_name_hi": "जेवीवीएनएल",
        "consumer_no": "210435001234",
        "consumer_name": "Ramesh Kumar",
        "bill_no": f"B{position}",
        "bill_date": "2026-11-01",
        "due_date": "2026-11-20",
        "amount_due_paise": 150_000,
        "amount_paise": 150_000,
        "reference": f"EMT0A1B2C3D4E5F-{position}",
        "biller_ref": biller_ref,
        "status": status,
        "failure_reason": failure_reason,
    }


PARTIAL: dict[str, Any] = {
    "operation_id": "op-partial-0001",
    "payment_id": 7,
    "status": "partial",
    "method": "wallet",
    "total_paise": 300_000,
    "receipt_no": "RJ261202000000007",
    "txn_id": "EMT0A1B2C3D4E5F",
    "created_at": "2026-12-02T09:02:00+00:00",
    "created_at_ist": "02-12-2026 14:32:00",
    "kiosk_code": "RJ-JAI-0001",
    "kiosk_name": "Jaipur eMitra",
    "contact": {"mobile": "9876543210", "email": None},
    "cheque": None,
    "from_wallet_paise": 300_000,
    "from_credit_paise": 0,
    "reversed_paise": 150_000,
    "failure_reason": "declined by the department",
    "offline": False,
    "bills": [_bill(1, "success", "JV123", None), _bill(2, "failed", None, "declined by the department")],
    "wallet": {"wallet_balance_paise": 850_000, "spendable_paise": 850_000},
}


def test_the_sample_is_a_valid_server_answer() -> None:
    ServerPaymentPublic.model_validate(PARTIAL)


def test_a_partly_failed_payment_is_shown_and_printed_as_partial(qapp: object) -> None:
    # qapp: pytest-qt's one application of the session, which the printer's Hindi rasters use.
    payment = PaymentPublic.parse(PARTIAL)
    assert payment.status is PaymentStatus.PARTIAL
    assert outcome_status(payment.status) is OutcomeStatus.PARTIAL
    receipt = from_payment(payment, K_NO, DEFAULT_HELP_DESK)
    assert receipt.status is ReceiptStatus.PARTIAL
    assert receipt.status.label == Bilingual("PARTLY PAID", "आंशिक भुगतान")
    assert Receipt.from_json(receipt.to_json()) == receipt  # the spool keeps it partial
    printed = text_lines(decode(receipt_bytes(receipt, PAPER_80MM)))
    assert any("PARTLY PAID" in line for line in printed), printed
    assert not any("PENDING" in line for line in printed), printed


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_every_status_of_the_contract_has_a_receipt_and_an_outcome(status: PaymentStatus) -> None:
    expected = {
        "success": ("success", "paid"),
        "failed": ("failed", "failed"),
        "partial": ("partial", "partial"),
        "pending": ("pending", "pending"),
        "initiated": ("pending", "pending"),
    }
    assert (receipt_status(status).value, outcome_status(status).value) == expected[status.value]


def test_a_status_the_contract_does_not_know_is_refused_not_shown_as_pending() -> None:
    unknown = copy.deepcopy(PARTIAL)
    unknown["status"] = "half_done"
    with pytest.raises(ContractMismatch, match="half_done"):
        PaymentPublic.parse(unknown)


def test_a_payment_answer_missing_a_field_is_refused() -> None:
    broken = {k: v for k, v in PARTIAL.items() if k != "txn_id"}
    with pytest.raises(ContractMismatch, match="txn_id"):
        PaymentPublic.parse(broken)
