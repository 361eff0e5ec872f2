"""Sample receipts and reports, and `python -m printing.samples OUTDIR` that renders them for docs/receipts."""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from printing.money import format_rupees
from printing.receipt import (
    Bilingual,
    Bill,
    Cheque,
    HelpDesk,
    Kiosk,
    Payment,
    PaymentMethod,
    Provisional,
    Receipt,
    ReceiptStatus,
    Report,
    ReportRow,
    ReportTable,
)

SAMPLE_KIOSK = Kiosk(code="K-JPR-0142", name="Sharma eMitra Kendra", district="Jaipur", operator="SSO.RJJPR0142")
SAMPLE_HELP_DESK = HelpDesk(phones=("0141-2220000", "1800-180-6127"), email="helpdesk.emitra@rajasthan.gov.in")


def sample_receipt() -> Receipt:
    return Receipt(
        receipt_no="RCPT-20251125-000731",
        txn_id="TXN2511250142000731",
        biller_reference="JVVNL/BP/99231877",
        approval_no="APJVV40318872",
        paid_at=datetime(2025, 11, 25, 9, 2, 41, tzinfo=UTC),
        kiosk=SAMPLE_KIOSK,
        service=Bilingual("Electricity Bill Payment", "विद्युत बिल भुगतान"),
        department=Bilingual("Jaipur Vidyut Vitran Nigam Ltd (JVVNL)", "जयपुर विद्युत वितरण निगम लिमिटेड"),
        consumer_name="Ramesh Kumar Sharma",
        consumer_no_label=Bilingual("K No.", "के. नं."),
        consumer_no="210412345678",
        bills=(
            Bill("EB/2025/10/771", 1_23_456_50, date(2025, 11, 30), "Oct 2025"),
            Bill("EB/2025/09/702", 2_150_00, date(2025, 10, 31), "Sep 2025"),
        ),
        payment=Payment(PaymentMethod.WALLET),
        status=ReceiptStatus.SUCCESS,
        help_desk=SAMPLE_HELP_DESK,
        contact_mobile="9829012345",
    )


SAMPLE_SERVER = "https://emitra.rajasthan.gov.in"


def _sample_provisional_url(kiosk_code: str, operation_id: str, amount_paise: int) -> str:
    """A PROVISIONAL receipt's QR as a kiosk signs it (kiosk_app.receipt_key), with a fixed key for the samples."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from rules import provisional_qr

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signature = key.sign(provisional_qr.message(kiosk_code, operation_id, amount_paise))
    return SAMPLE_SERVER + provisional_qr.path(kiosk_code, operation_id, amount_paise, signature)


def sample_provisional_cheque_receipt() -> Receipt:
    """An offline payment by departmental cheque: exercises the PROVISIONAL mark, the kiosk-signed QR and cheque
    fields."""
    base = sample_receipt()
    operation_id = "7f3c9a2e-0b1d-4c55-9e1a-3d2f6b8c0019"
    return Receipt(
        receipt_no="PRV-K-JPR-0142-0019",
        txn_id="OFF-7f3c9a2e-19",
        biller_reference="PENDING",
        paid_at=base.paid_at,
        kiosk=base.kiosk,
        service=Bilingual("Water Bill Payment", "जल बिल भुगतान"),
        department=Bilingual("Public Health Engineering Dept (PHED)", "जन स्वास्थ्य अभियांत्रिकी विभाग"),
        consumer_name="Sunita Devi",
        consumer_no_label=Bilingual("Consumer No.", "उपभोक्ता सं."),
        consumer_no="PHED-JPR-0045521",
        bills=(Bill("W/2025/11/4410", 845_00, date(2025, 12, 10), "Nov 2025"),),
        payment=Payment(PaymentMethod.DEPARTMENTAL_CHEQUE, Cheque("004512", "State Bank of India", date(2025, 11, 24))),
        status=ReceiptStatus.PENDING,
        help_desk=base.help_desk,
        provisional=Provisional(operation_id),
        verify_url=_sample_provisional_url(base.kiosk.code, operation_id, 845_00),
    )


def sample_day_end_report() -> Report:
    return Report(
        title=Bilingual("Day-End Report", "दिवस समाप्ति रिपोर्ट"),
        kiosk=SAMPLE_KIOSK,
        generated_at=datetime(2025, 11, 25, 13, 30, tzinfo=UTC),
        subtitle="Business day 25-11-2025",
        rows=(
            ReportRow(Bilingual("Opening wallet", "प्रारंभिक वॉलेट"), format_rupees(5_00_000_00)),
            ReportRow(Bilingual("Payments", "भुगतान"), "37"),
            ReportRow(Bilingual("Amount paid", "भुगतान राशि"), format_rupees(1_48_921_50)),
            ReportRow(Bilingual("Provisional (queued)", "अनंतिम (कतार में)"), "2"),
            ReportRow(Bilingual("Closing wallet", "अंतिम वॉलेट"), format_rupees(3_51_078_50)),
        ),
        table=ReportTable(
            columns=(Bilingual("Service", "सेवा"), Bilingual("Count", "संख्या"), Bilingual("Amount", "राशि")),
            rows=(
                ("Electricity", "21", "1,12,400.00"),
                ("Water", "9", "8,921.50"),
                ("Mobile recharge", "7", "27,600.00"),
            ),
            right_aligned=frozenset({1, 2}),
        ),
        footer=(Bilingual("Signature of kiosk holder", "कियोस्क धारक के हस्ताक्षर"),),
    )


def _write_previews(outdir: Path) -> list[Path]:
    # Imported here so `--help` works without Qt.
    from printing.escpos_decode import preview_png
    from printing.pdf import receipt_pdf, report_pdf
    from printing.thermal import PAPER_58MM, PAPER_80MM, receipt_bytes

    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for paper in (PAPER_58MM, PAPER_80MM):
        path = outdir / f"receipt-{paper.name}.png"
        preview_png(receipt_bytes(sample_receipt(), paper), paper).save(path, optimize=True)
        written.append(path)
    path = outdir / "receipt-provisional-cheque-58mm.png"
    preview_png(receipt_bytes(sample_provisional_cheque_receipt(), PAPER_58MM), PAPER_58MM).save(path, optimize=True)
    written.append(path)
    pdf_path = outdir / "receipt-a4.pdf"
    pdf_path.write_bytes(receipt_pdf(sample_receipt()))
    written.append(pdf_path)
    report_path = outdir / "day-end-report-a4.pdf"
    report_path.write_bytes(report_pdf(sample_day_end_report()))
    written.append(report_path)
    # The first page as PNG, for readers without a PDF viewer (needs poppler's pdftoppm).
    png_stem = outdir / "receipt-a4-page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), str(png_stem)], check=True
    )
    written.append(png_stem.with_suffix(".png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m printing.samples", description=__doc__)
    parser.add_argument("outdir", type=Path, help="folder for the PNG previews and PDFs (e.g. docs/receipts)")
    args = parser.parse_args(argv)
    from printing.raster import ensure_qt_gui

    ensure_qt_gui()
    for path in _write_previews(args.outdir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
