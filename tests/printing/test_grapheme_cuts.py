"""Lines that must not wrap are cut between grapheme clusters: by dots when drawn, by columns as text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from printing.escpos_decode import decode, rasters, text_lines
from printing.profiles import profile
from printing.raster import Align, TextStyle, cut_to_columns, cut_to_width, grapheme_boundaries, render_line, text_width
from printing.receipt import Kiosk
from printing.samples import sample_receipt
from printing.thermal import receipt_bytes

HALANT = "\u094d"
# Conjuncts (क्ष, त्र, र्ध), a reph and the ि matra before its consonant, over and over: far wider than any roll.
LONG_NAME = "श्री क्षत्रिय राजेन्द्र प्रसाद अर्धनारीश्वर ई-मित्र कियोस्क केन्द्र " * 3
STYLE = TextStyle(24, False, Align.CENTER)


def test_boundaries_keep_conjuncts_whole() -> None:
    boundaries = grapheme_boundaries("क्षत्रिय")
    assert boundaries == [3, 7, 8]  # क्ष | त्रि | य
    assert all(not "क्षत्रिय"[:end].endswith(HALANT) for end in boundaries)


@pytest.mark.parametrize("width", range(40, 600, 7))
def test_cut_by_width_fits_and_never_leaves_a_halant(width: int) -> None:
    cut = cut_to_width(LONG_NAME, width, STYLE)
    assert LONG_NAME.startswith(cut)
    assert text_width(cut, STYLE) <= width
    assert not cut.endswith(HALANT)
    assert len(cut) in grapheme_boundaries(LONG_NAME) or cut == LONG_NAME[: len(cut)].rstrip()


@pytest.mark.parametrize("columns", range(1, 60))
def test_cut_by_columns_never_leaves_a_halant(columns: int) -> None:
    cut = cut_to_columns(LONG_NAME, columns)
    assert len(cut) <= columns and LONG_NAME.startswith(cut) and not cut.endswith(HALANT)


@pytest.mark.parametrize("name", ["58mm-360", "58mm", "80mm-512", "80mm"])
def test_hindi_kiosk_line_is_one_drawn_line_of_the_profile(name: str) -> None:
    paper = profile(name)
    receipt = replace(sample_receipt(), kiosk=Kiosk("RJ-JPR-0042", LONG_NAME))
    images = rasters(decode(receipt_bytes(receipt, paper)))
    expected = cut_to_width(f"RJ-JPR-0042  {LONG_NAME}", paper.dots, STYLE)
    assert len(expected) > paper.columns, "the old cut at the columns would have thrown away what fits"
    kiosk_line = render_line(expected, paper.dots, STYLE)
    assert any(r.to_image().tobytes() == kiosk_line.tobytes() for r in images)
    assert kiosk_line.height < 2 * 30, "the kiosk line wrapped"


def test_english_kiosk_line_is_cut_at_the_columns() -> None:
    paper = profile("58mm")
    receipt = replace(sample_receipt(), kiosk=Kiosk("RJ-JPR-0042", "Jaipur Collectorate eMitra Plus Kendra"))
    lines = text_lines(decode(receipt_bytes(receipt, paper)))
    assert "RJ-JPR-0042  Jaipur Collectorate" in lines
