"""A4 PDFs: pages rendered by pdftoppm, Hindi lines compared in pixels with an independent shaping."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from printing.pdf import pdf_shapeable, receipt_pdf, report_pdf
from printing.receipt import Bilingual, Report
from printing.samples import SAMPLE_KIOSK, sample_day_end_report, sample_receipt
from tests.printing.ink_pixels import ink, ink_match, pillow_render

DPI = 200
HARD = "क्षत्रिय प्रमाण श्री कुर्सी"


def page_png(pdf: bytes, tmp_path: Path, name: str) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (apt-get install poppler-utils)")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(source), str(tmp_path / name)],
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / f"{name}.png").convert("L")


def bands(page: Image.Image) -> list[tuple[int, int]]:
    """Rows of ink separated by blank rows: the lines of the page, top to bottom."""
    mask = page.point(lambda v: 255 if v < 128 else 0)
    rows = [mask.crop((0, y, page.width, y + 1)).getbbox() is not None for y in range(page.height)]
    found: list[tuple[int, int]] = []
    start = None
    for y, inked in enumerate(rows):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            found.append((start, y))
            start = None
    return found


def hindi_part(page: Image.Image, band: tuple[int, int], reference: Image.Image) -> Image.Image:
    """The Hindi words open the line; take as much of the band as the reference is wide."""
    line = page.crop((0, band[0] - 2, page.width, band[1] + 2))
    box = ink(line).size
    del box
    mask = line.point(lambda v: 255 if v < 128 else 0)
    bbox = mask.getbbox()
    assert bbox is not None
    width = ink(reference).width
    return line.crop((bbox[0], 0, bbox[0] + width + 1, line.height))


def pixel_size(points: float) -> int:
    return round(points * DPI / 72)


def report_with_hard_title() -> Report:
    return Report(
        title=Bilingual("Check", HARD), kiosk=SAMPLE_KIOSK, generated_at=datetime(2025, 11, 25, 13, 30, tzinfo=UTC)
    )


@pytest.mark.parametrize("as_images", [False, True], ids=["reportlab-shaping", "image-fallback"])
def test_report_title_shaped_correctly(tmp_path: Path, as_images: bool) -> None:
    page = page_png(report_pdf(report_with_hard_title(), hindi_as_images=as_images), tmp_path, "report")
    title_band = bands(page)[3]  # header, kiosk line, operator line, title
    good = pillow_render(HARD, pixel_size(13), bold=True)
    bad = pillow_render(HARD, pixel_size(13), bold=True, basic=True)
    region = hindi_part(page, title_band, good)
    assert ink_match(region, good) >= 0.9
    assert ink_match(hindi_part(page, title_band, bad), bad) < 0.85, "the check must reject broken shaping"


def test_sample_receipt_header_shaped_correctly(tmp_path: Path) -> None:
    page = page_png(receipt_pdf(sample_receipt()), tmp_path, "receipt")
    header = bands(page)[0]
    text = "ई-मित्र, राजस्थान सरकार"
    good = pillow_render(text, pixel_size(16), bold=True)
    assert ink_match(hindi_part(page, header, good), good) >= 0.9


def test_sample_day_end_report_renders(tmp_path: Path) -> None:
    page = page_png(report_pdf(sample_day_end_report()), tmp_path, "dayend")
    assert len(bands(page)) > 10


def test_mixed_script_words_are_drawn_as_images() -> None:
    assert pdf_shapeable("के. नं. / K No.")
    assert not pdf_shapeable("के.नं.K")  # one word, two fonts: reportlab would garble it
