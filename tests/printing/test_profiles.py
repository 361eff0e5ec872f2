"""Printer profiles from python-escpos' database: every job fits its profile's width, QR follows the profile."""

from __future__ import annotations

import pytest
from escpos.capabilities import CAPABILITIES
from PIL import Image
from pyzbar import pyzbar

from printing.escpos_decode import QrCode, Raster, TextLine, decode, qr_payloads, rasters, text_lines
from printing.profiles import Paper, profile, profile_for_usb, profiles
from printing.samples import sample_day_end_report, sample_provisional_cheque_receipt, sample_receipt
from printing.thermal import check_page_bytes, receipt_bytes, report_bytes

GENERIC = {"58mm-360": 360, "58mm": 384, "80mm-512": 512, "80mm": 576}


def _jobs(paper: Paper) -> dict[str, bytes]:
    return {
        "receipt": receipt_bytes(sample_receipt(), paper),
        "provisional": receipt_bytes(sample_provisional_cheque_receipt(), paper),
        "report": report_bytes(sample_day_end_report(), paper),
        "check page": check_page_bytes(paper),
    }


def _ink_right_edge(raster: Raster) -> int:
    box = raster.to_image().point(lambda v: 255 - v).getbbox()
    return -1 if box is None else box[2]


@pytest.mark.parametrize("name", [*GENERIC, "TM-T88V", "TM-T81", "POS-5890"])
def test_every_line_fits_the_profile(name: str) -> None:
    paper = profile(name)
    for job, data in _jobs(paper).items():
        elements = decode(data)
        for line in (e for e in elements if isinstance(e, TextLine)):
            assert line.dots <= paper.dots, f"{name} {job}: {line.text!r} is {line.dots} dots"
        for raster in rasters(elements):
            assert raster.width <= paper.dots, f"{name} {job}: raster {raster.width} dots"
    # The amounts are right-aligned to the profile's edge: their last digit ends within a few dots of it.
    amounts = rasters(decode(receipt_bytes(sample_receipt(), paper)))[5:8]
    assert all(paper.dots - 12 <= _ink_right_edge(a) <= paper.dots for a in amounts), name


@pytest.mark.parametrize(("name", "dots"), GENERIC.items())
def test_generic_profiles_have_the_width_and_font_a_columns(name: str, dots: int) -> None:
    paper = profile(name)
    assert (paper.dots, paper.columns) == (dots, dots // 12)
    assert paper.native_qr  # python-escpos' default profile has QR
    assert "CP437" in paper.code_pages


def test_models_come_from_python_escpos_database() -> None:
    database = CAPABILITIES["profiles"]
    for name in ("TM-T88II", "TM-T88III", "TM-T88IV", "TM-T88V", "TM-T20II", "POS-5890", "ZJ-5870"):
        paper = profile(name)
        data = database[name]
        assert paper.dots == data["media"]["width"]["pixels"]
        assert paper.columns == data["fonts"]["0"]["columns"]
        assert paper.native_qr is data["features"]["qrCode"]
    assert (profile("TM-T88V").dots, profile("TM-T88V").columns) == (512, 42)
    assert (profile("TM-T81").dots, profile("TM-T81").columns) == (512, 42)
    # Customer displays and profiles without a width are no receipt printers.
    assert "AF-240" not in profiles() and "default" not in profiles()


def test_usb_id_recognises_the_model() -> None:
    epson = profile_for_usb(0x04B8, 0x0202)
    assert epson is not None and epson.dots == 512
    pos58 = profile_for_usb(0x0416, 0x5011)
    assert pos58 is not None and pos58.name == "POS-5890" and not pos58.native_qr
    assert profile_for_usb(0x1234, 0x5678) is None


def _scan(image: Image.Image) -> list[str]:
    # zbar wants a quiet zone around the symbol and 8-bit grey.
    framed = Image.new("L", (image.width + 40, image.height + 40), 255)
    framed.paste(image.convert("L"), (20, 20))
    return [symbol.data.decode() for symbol in pyzbar.decode(framed)]


@pytest.mark.parametrize("name", ["POS-5890", "ZJ-5870", "NT-5890K"])
def test_profile_without_qr_prints_a_raster_qr_that_scans(name: str) -> None:
    paper = profile(name)
    assert not paper.native_qr
    receipt = sample_receipt()
    elements = decode(receipt_bytes(receipt, paper))
    assert not any(isinstance(e, QrCode) for e in elements), "GS ( k sent to a printer without QR"
    scanned = [data for raster in rasters(elements) for data in _scan(raster.to_image())]
    assert scanned == [receipt.txn_id]


def test_native_qr_where_the_profile_has_it() -> None:
    receipt = sample_receipt()
    assert qr_payloads(decode(receipt_bytes(receipt, profile("TM-T88V")))) == [receipt.txn_id]


def test_operation_id_is_one_line_on_58mm() -> None:
    receipt = sample_provisional_cheque_receipt()
    assert receipt.provisional is not None
    operation_id = receipt.provisional.operation_id
    for name in ("58mm-360", "58mm"):
        elements = decode(receipt_bytes(receipt, profile(name)))
        lines = [e for e in elements if isinstance(e, TextLine) and operation_id in e.text]
        assert len(lines) == 1 and lines[0].font_b, name
        assert not any(t and t in operation_id and t != operation_id for t in text_lines(elements))


@pytest.mark.parametrize("name", GENERIC)
def test_check_page_rulers_span_the_profile(name: str) -> None:
    paper = profile(name)
    elements = decode(check_page_bytes(paper))
    ruler_line = next(t for t in text_lines(elements) if t.endswith("|"))
    assert len(ruler_line) == paper.columns
    ruler = next(r for r in rasters(elements) if r.height == 48)
    image = ruler.to_image()
    assert ruler.width == paper.dots
    # Black bars at both ends of the profile's width.
    assert image.getpixel((0, 24)) == 0 and image.getpixel((paper.dots - 1, 24)) == 0
