"""The text pdftotext takes out of a receipt or day-end PDF is the Hindi that was drawn, letter for letter."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from printing.pdf import receipt_pdf, report_pdf
from printing.receipt import Labels
from printing.samples import sample_day_end_report, sample_receipt


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (apt-get install poppler-utils)")
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True, timeout=60)
    return done.stdout.decode()


@pytest.mark.parametrize("as_images", [False, True], ids=["reportlab-shaping", "image-fallback"])
def test_receipt_hindi_is_extracted_as_drawn(tmp_path: Path, as_images: bool) -> None:
    receipt = sample_receipt()
    text = pdf_text(receipt_pdf(receipt, hindi_as_images=as_images), tmp_path)
    expected = [
        Labels.ISSUER.joined(),  # ई-मित्र, राजस्थान सरकार: a conjunct (त्र) and the ि matra
        Labels.TITLE.joined(),
        receipt.service.joined(),
        receipt.department.joined(),  # विद्युत: a conjunct (द्य); निगम लिमिटेड: ि before its consonant
        receipt.status.label.joined(),
        Labels.PAYMENT_METHOD.joined(),
    ]
    for line in expected:
        assert line in text, line
    assert "ई-म, राजान" not in text


@pytest.mark.parametrize("as_images", [False, True], ids=["reportlab-shaping", "image-fallback"])
def test_day_end_hindi_is_extracted_as_drawn_and_the_date_is_said_once(tmp_path: Path, as_images: bool) -> None:
    report = sample_day_end_report()
    text = pdf_text(report_pdf(report, hindi_as_images=as_images), tmp_path)
    for line in [
        report.title.joined(),
        *(row.label.joined() for row in report.rows),
        *(f.joined() for f in report.footer),
    ]:
        assert line in text, line
    assert text.count("25-11-2025") == 1, "the subtitle's date was repeated"
    assert "Business day 25-11-2025 19:00 IST" in text
