"""The ESC/POS decoder and PNG preview used by the receipt window."""

from __future__ import annotations

import pytest

from printing.escpos_decode import Cut, DecodeError, Feed, Initialize, QrCode, TextLine, decode, preview_png
from printing.samples import sample_day_end_report, sample_provisional_cheque_receipt, sample_receipt
from printing.thermal import PAPER_58MM, PAPER_80MM, receipt_bytes, report_bytes


def test_decodes_text_styles_and_commands() -> None:
    stream = (
        b"\x1b@"
        + b"\x1ba\x01\x1b!\x30\x1bE\x01Hi\n"
        + b"\x1b!\x00\x1ba\x00plain\n"
        + b"\x1d(k\x03\x001C\x04\x1d(k\x06\x001P0abc\x1d(k\x03\x001Q0"
        + b"\x1bd\x03\x1dV\x00"
    )
    assert decode(stream) == [
        Initialize(),
        TextLine("Hi", "center", True, True, True),
        TextLine("plain", "left", False, False, False),  # ESC ! also resets emphasis
        QrCode("abc", 4, "L", "left"),
        Feed(3),
        Cut(partial=False),
    ]


def test_unknown_command_is_an_error() -> None:
    with pytest.raises(DecodeError):
        decode(b"\x1b\x07")


@pytest.mark.parametrize("paper", [PAPER_58MM, PAPER_80MM], ids=["58mm", "80mm"])
def test_preview_is_paper_wide(paper: object) -> None:
    assert paper is PAPER_58MM or paper is PAPER_80MM
    image = preview_png(receipt_bytes(sample_receipt(), paper), paper)
    assert image.width == paper.dots + 32 and image.height > 1000


def test_provisional_receipt_and_report() -> None:
    lines = [
        e.text
        for e in decode(receipt_bytes(sample_provisional_cheque_receipt(), PAPER_58MM))
        if isinstance(e, TextLine)
    ]
    assert "*** PROVISIONAL ***" in lines
    assert any(line.startswith("Op. ID") for line in lines[lines.index("*** PROVISIONAL ***") :])
    assert any(line.startswith("Cheque No.") and line.endswith("004512") for line in lines)
    wide = [e.text for e in decode(report_bytes(sample_day_end_report(), PAPER_80MM)) if isinstance(e, TextLine)]
    assert "Day-End Report" in wide
    assert any(line.startswith("Electricity") and line.endswith("1,12,400.00") for line in wide)
    # Too wide for 58 mm: each table row becomes "column: value" lines.
    narrow = [e.text for e in decode(report_bytes(sample_day_end_report(), PAPER_58MM)) if isinstance(e, TextLine)]
    assert any(line.startswith("Service") and line.endswith("Electricity") for line in narrow)
    assert all(len(line) <= PAPER_58MM.columns for line in narrow)
