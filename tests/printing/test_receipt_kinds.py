"""What a slip says it is: a payment receipt, a cash withdrawal receipt (micro-ATM: cash paid to the customer,
not a payment), or, for a declined payment, that nothing was paid; each with the total in words in English and
Hindi — checked in the printer's decoded bytes and in the PDF's extracted text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from printing.escpos_decode import decode, text_lines
from printing.pdf import receipt_pdf
from printing.receipt import Corrected, Labels, Payment, PaymentMethod, Receipt, ReceiptStatus
from printing.samples import sample_receipt
from printing.thermal import PAPER_58MM, PAPER_80MM, receipt_bytes
from tests.printing.test_pdf_text import pdf_text


def cash_out() -> Receipt:
    return replace(sample_receipt(), payment=Payment(PaymentMethod.MICRO_ATM))


def declined() -> Receipt:
    return replace(sample_receipt(), status=ReceiptStatus.FAILED)


@pytest.mark.parametrize(
    ("receipt", "title", "total"),
    [
        (sample_receipt(), "PAYMENT RECEIPT", Labels.TOTAL),
        (cash_out(), "CASH WITHDRAWAL RECEIPT", Labels.CASH_PAID),
        (declined(), "NOT PAID - PAYMENT DECLINED", Labels.TOTAL),
    ],
    ids=["payment", "cash-out", "declined"],
)
def test_the_slip_names_what_it_is_on_the_printer_and_in_the_pdf(
    tmp_path: Path, receipt: Receipt, title: str, total: object
) -> None:
    for paper in (PAPER_58MM, PAPER_80MM):
        lines = text_lines(decode(receipt_bytes(receipt, paper)))
        assert title in lines
        others = {"PAYMENT RECEIPT", "CASH WITHDRAWAL RECEIPT", "NOT PAID - PAYMENT DECLINED"} - {title}
        assert not others & set(lines)
    text = pdf_text(receipt_pdf(receipt), tmp_path)
    assert receipt.title.joined() in text
    assert receipt.total_label is total and total.joined() in text  # type: ignore[attr-defined]


def test_the_total_is_printed_in_words_in_english_and_hindi(tmp_path: Path) -> None:
    receipt = sample_receipt()
    in_words = receipt.total_in_words()
    assert in_words.en.endswith("only") and "मात्र" in in_words.hi
    printed = " ".join(text_lines(decode(receipt_bytes(receipt, PAPER_80MM))))
    assert f"{Labels.IN_WORDS.en}: {in_words.en}" in printed  # the English words, wrapped at the columns
    assert " ".join(in_words.hi.split()) in " ".join(pdf_text(receipt_pdf(receipt), tmp_path).split())


def test_a_corrected_receipt_says_what_it_replaces_and_survives_the_spool(tmp_path: Path) -> None:
    receipt = replace(sample_receipt(), corrected=Corrected(ReceiptStatus.PENDING))
    assert Receipt.from_json(receipt.to_json()) == receipt
    assert Receipt.from_json(sample_receipt().to_json()).corrected is None
    lines = text_lines(decode(receipt_bytes(receipt, PAPER_80MM)))
    assert "*** CORRECTED RECEIPT ***" in lines
    assert "Replaces the receipt given earlier marked PENDING" in " ".join(lines)  # wrapped at the columns
    text = " ".join(pdf_text(receipt_pdf(receipt), tmp_path).split())
    assert "संशोधित रसीद — पहले दी गई लंबित रसीद के स्थान पर" in text


def test_the_receipt_carries_the_masked_mobile_the_time_to_the_second_and_says_it_needs_no_signature(
    tmp_path: Path,
) -> None:
    receipt = sample_receipt()
    assert receipt.masked_mobile == "98XXXXXX45" and replace(receipt, contact_mobile="").masked_mobile == ""
    assert replace(receipt, contact_mobile="+91 98290 12345").masked_mobile == "98XXXXXX45"
    lines = text_lines(decode(receipt_bytes(receipt, PAPER_58MM)))
    printed = " ".join(lines)
    assert "98XXXXXX45" in printed and "9829012345" not in printed
    assert "25-11-2025 14:32:41 IST" in printed
    assert "Computer-generated receipt: needs no signature." in printed
    text = " ".join(pdf_text(receipt_pdf(receipt), tmp_path).split())
    assert "98XXXXXX45" in text and "कंप्यूटर द्वारा बनी रसीद" in text
