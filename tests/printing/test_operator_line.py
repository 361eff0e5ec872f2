"""Every slip names the operator signed in when it was made (their SSO ID): a payment, a cash withdrawal, a
declined payment, a PROVISIONAL receipt, a duplicate and the day-end report — on 58 and 80 mm thermal paper
(English as printer text, Hindi drawn) and in the A4 PDF; taken from the signed-in session."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk_app.receipts import issuer
from kiosk_app.session import SignedInOperator
from printing.escpos_decode import decode, rasters, text_lines
from printing.pdf import receipt_pdf, report_pdf
from printing.raster import TextStyle, render_line
from printing.receipt import Labels, Payment, PaymentMethod, Receipt, ReceiptStatus, Report
from printing.samples import sample_day_end_report, sample_provisional_cheque_receipt, sample_receipt
from printing.thermal import PAPER_58MM, PAPER_80MM, receipt_bytes, report_bytes
from tests.printing.test_pdf_text import pdf_text

SSO_ID = "RAMESH.SHARMA77"


def _signed_in() -> SignedInOperator:
    operator = SignedInOperator()
    operator.signed_in(f"  {SSO_ID} ")
    return operator


def _kiosk() -> object:
    return issuer("K-JPR-0142", "Sharma eMitra Kendra", _signed_in())


def _slips() -> dict[str, Receipt | Report]:
    kiosk = _kiosk()
    payment = replace(sample_receipt(), kiosk=kiosk)
    return {
        "payment": payment,
        "cash-withdrawal": replace(payment, payment=Payment(PaymentMethod.MICRO_ATM)),
        "not-paid": replace(payment, status=ReceiptStatus.FAILED),
        "provisional": replace(sample_provisional_cheque_receipt(), kiosk=kiosk),
        "duplicate": payment.as_duplicate(2),
        "day-end-report": replace(sample_day_end_report(), kiosk=kiosk),
    }


def _bytes(slip: Receipt | Report, paper: object) -> bytes:
    return receipt_bytes(slip, paper) if isinstance(slip, Receipt) else report_bytes(slip, paper)  # type: ignore[arg-type]


def _pdf(slip: Receipt | Report) -> bytes:
    return receipt_pdf(slip) if isinstance(slip, Receipt) else report_pdf(slip)


def test_the_session_gives_the_sso_id_and_forgets_it() -> None:
    operator = _signed_in()
    assert issuer("K", "N", operator).operator == SSO_ID
    operator.signed_out()
    assert issuer("K", "N", operator).operator == "" and issuer("K", "N", None).operator == ""


@pytest.mark.parametrize("kind", list(_slips()))
def test_the_operator_is_on_the_thermal_slip_and_the_pdf(kind: str, tmp_path: Path) -> None:
    slip = _slips()[kind]
    for paper in (PAPER_58MM, PAPER_80MM):
        elements = decode(_bytes(slip, paper))
        lines = text_lines(elements)
        expected = Labels.OPERATOR.en + " " * (paper.columns - len(Labels.OPERATOR.en) - len(SSO_ID)) + SSO_ID
        assert expected in lines, (paper.name, lines)
        hindi = render_line(f"{Labels.OPERATOR.hi}: {SSO_ID}", paper.dots, TextStyle(24)).tobytes()
        assert any(r.to_image().tobytes() == hindi for r in rasters(elements)), paper.name
    text = pdf_text(_pdf(slip), tmp_path)
    assert f"{Labels.OPERATOR.joined()}: {SSO_ID}" in text


def test_no_operator_no_line_and_an_old_spooled_receipt_still_reads(tmp_path: Path) -> None:
    receipt = replace(sample_receipt(), kiosk=issuer("K-JPR-0142", "Sharma eMitra Kendra", None))
    lines = text_lines(decode(receipt_bytes(receipt, PAPER_58MM)))
    assert not any(line.startswith(Labels.OPERATOR.en) for line in lines)
    assert Labels.OPERATOR.en not in pdf_text(receipt_pdf(receipt), tmp_path)
    signed = replace(sample_receipt(), kiosk=_kiosk())
    assert Receipt.from_json(signed.to_json()) == signed  # the spool keeps who issued it; a reprint says the same
    old = signed.to_json().replace(f', "operator": "{SSO_ID}"', "")
    assert '"operator"' not in old and Receipt.from_json(old).kiosk.operator == ""
