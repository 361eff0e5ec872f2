"""Amounts in words, in English and Hindi, with the Indian grouping a counter and a cheque use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from words import Language
from words.amount import amount_in_words, number_in_words


@pytest.mark.parametrize(
    ("paise", "english", "hindi"),
    [
        (
            1_250_50,
            "one thousand two hundred fifty rupees and fifty paise only",
            "एक हज़ार दो सौ पचास रुपये और पचास पैसे मात्र",
        ),
        (
            12_34_567_00,
            "twelve lakh thirty-four thousand five hundred sixty-seven rupees only",
            "बारह लाख चौंतीस हज़ार पाँच सौ सड़सठ रुपये मात्र",
        ),
        (10_00_00_000_00, "ten crore rupees only", "दस करोड़ रुपये मात्र"),
        (1_00, "one rupee only", "एक रुपया मात्र"),
        (1, "one paisa only", "एक पैसा मात्र"),
        (99_99, "ninety-nine rupees and ninety-nine paise only", "निन्यानबे रुपये और निन्यानबे पैसे मात्र"),
        (
            2_136_22,
            "two thousand one hundred thirty-six rupees and twenty-two paise only",
            "दो हज़ार एक सौ छत्तीस रुपये और बाईस पैसे मात्र",
        ),
    ],
)
def test_amounts_read_as_a_cheque_writes_them(paise: int, english: str, hindi: str) -> None:
    assert amount_in_words(paise) == english
    assert amount_in_words(paise, Language.HINDI) == hindi


def test_every_hindi_number_below_a_hundred_is_a_word_of_its_own() -> None:
    names = [number_in_words(n, Language.HINDI) for n in range(100)]
    assert len(set(names)) == 100 and all(" " not in name for name in names)
    assert names[15] == "पंद्रह" and names[49] == "उनचास" and names[79] == "उन्यासी" and names[99] == "निन्यानबे"


@given(st.integers(min_value=0, max_value=10**8))  # rupees: the largest payment is ₹10 crore
def test_every_group_is_said_once_in_order(n: int) -> None:
    """The words can be read back to the number: each unit appears once at most, largest first."""
    units = {"crore": 10**7, "lakh": 10**5, "thousand": 10**3, "hundred": 10**2}
    english = {number_in_words(k): k for k in range(100)}
    total, pending = 0, 0
    for word in number_in_words(n).split(" "):
        if word in units:
            total, pending = total + pending * units[word], 0
        else:
            pending = english[word]
    assert total + pending == n
