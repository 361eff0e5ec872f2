"""Rupee formatting: Indian grouping, exact paise, same as Babel's en_IN / hi_IN."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from printing.money import format_rupees, format_rupees_plain, group_indian


@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (100, "₹1.00"),
        (99_999_99, "₹99,999.99"),
        (1_23_456_50, "₹1,23,456.50"),
        (1_00_00_000_00, "₹1,00,00,000.00"),
        (-500_00, "-₹500.00"),
    ],
)
def test_known_amounts(paise: int, text: str) -> None:
    assert format_rupees(paise) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_matches_babel_for_india(paise: int) -> None:
    amount = Decimal(paise) / 100
    assert format_rupees(paise) == format_currency(amount, "INR", locale="en_IN")
    assert format_rupees(paise) == format_currency(amount, "INR", locale="hi_IN")


@given(st.integers(min_value=0, max_value=10**18))
def test_grouping_round_trips(n: int) -> None:
    grouped = group_indian(str(n))
    assert int(grouped.replace(",", "")) == n
    groups = grouped.split(",")
    assert len(groups[-1]) == min(3, len(str(n)))
    assert all(len(g) == 2 for g in groups[1:-1])


def test_refuses_floats_and_bools() -> None:
    with pytest.raises(TypeError):
        format_rupees(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_rupees(True)


def test_plain_variant_for_printer_text() -> None:
    assert format_rupees_plain(1_23_456_50) == "Rs. 1,23,456.50"
