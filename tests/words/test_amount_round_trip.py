"""Amounts in words read back to the same amount, in English and Hindi, for every amount a kiosk can take
(₹0 … ₹99,99,99,999.99), by a reader that knows the number names from its own reference table — not from the
catalog the words come from — and the words match that table's for a few hundred chosen amounts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from words import Language
from words.amount import amount_in_words, number_in_words

# Hindi's 0–99 are each a word of their own; where two spellings are both in use, either is right.
HINDI = [
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पाँच",
    "छह",
    "सात",
    "आठ",
    "नौ",
    "दस",
    "ग्यारह",
    "बारह",
    "तेरह",
    "चौदह",
    "पंद्रह",
    "सोलह",
    "सत्रह",
    "अठारह",
    "उन्नीस",
    "बीस",
    "इक्कीस",
    "बाईस",
    "तेईस",
    "चौबीस",
    "पच्चीस",
    "छब्बीस",
    "सत्ताईस",
    "अट्ठाईस",
    "उनतीस",
    "तीस",
    "इकतीस",
    "बत्तीस",
    "तैंतीस",
    "चौंतीस",
    "पैंतीस",
    "छत्तीस",
    "सैंतीस",
    "अड़तीस",
    "उनतालीस",
    "चालीस",
    "इकतालीस",
    "बयालीस",
    "तैंतालीस",
    "चवालीस",
    "पैंतालीस",
    "छियालीस",
    "सैंतालीस",
    "अड़तालीस",
    "उनचास",
    "पचास",
    "इक्यावन",
    "बावन",
    "तिरेपन",
    "चौवन",
    "पचपन",
    "छप्पन",
    "सत्तावन",
    "अट्ठावन",
    "उनसठ",
    "साठ",
    "इकसठ",
    "बासठ",
    "तिरसठ",
    "चौंसठ",
    "पैंसठ",
    "छियासठ",
    "सड़सठ",
    "अड़सठ",
    "उनहत्तर",
    "सत्तर",
    "इकहत्तर",
    "बहत्तर",
    "तिहत्तर",
    "चौहत्तर",
    "पचहत्तर",
    "छिहत्तर",
    "सतहत्तर",
    "अठहत्तर",
    "उन्यासी",
    "अस्सी",
    "इक्यासी",
    "बयासी",
    "तिरासी",
    "चौरासी",
    "पचासी",
    "छियासी",
    "सत्तासी",
    "अट्ठासी",
    "नवासी",
    "नब्बे",
    "इक्यानबे",
    "बानबे",
    "तिरानबे",
    "चौरानबे",
    "पचानबे",
    "छियानबे",
    "सत्तानबे",
    "अट्ठानबे",
    "निन्यानबे",
]
HINDI_VARIANTS = {53: {"तिरपन"}, 95: {"पंचानबे", "पचानवे"}}
ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
]
ONES += ["seventeen", "eighteen", "nineteen"]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
UNITS = {
    Language.ENGLISH: {"hundred": 10**2, "thousand": 10**3, "lakh": 10**5, "crore": 10**7},
    Language.HINDI: {"सौ": 10**2, "हज़ार": 10**3, "लाख": 10**5, "करोड़": 10**7},
}
RUPEE = {Language.ENGLISH: {"rupee", "rupees"}, Language.HINDI: {"रुपया", "रुपये"}}
PAISA = {Language.ENGLISH: {"paisa", "paise"}, Language.HINDI: {"पैसा", "पैसे"}}
AND = {Language.ENGLISH: "and", Language.HINDI: "और"}
ONLY = {Language.ENGLISH: "only", Language.HINDI: "मात्र"}
LARGEST = 99_99_99_999_99  # ₹99,99,99,999.99 in paise


def english_below_100(n: int) -> str:
    if n < 20:
        return ONES[n]
    tens, ones = divmod(n, 10)
    return TENS[tens] if ones == 0 else f"{TENS[tens]}-{ONES[ones]}"


def names(language: Language) -> dict[str, int]:
    if language is Language.ENGLISH:
        return {english_below_100(n): n for n in range(100)}
    table = {word: n for n, word in enumerate(HINDI)}
    table.update({variant: n for n, variants in HINDI_VARIANTS.items() for variant in variants})
    return table


def read_number(words: list[str], language: Language) -> int:
    """Crore, lakh, thousand, hundred, each once, largest first, each after a number below 100; then one more."""
    known, units = names(language), UNITS[language]
    total, pending, last_unit = 0, None, 10**12
    for word in words:
        if word in units:
            size = units[word]
            assert pending is not None and size < last_unit, f"{word} out of place in {words}"
            total, pending, last_unit = total + pending * size, None, size
        else:
            assert pending is None, f"two numbers in a row in {words}"
            pending = known[word]
    return total + (pending or 0)


def read_amount(said: str, language: Language) -> int:
    words = said.split()
    assert words[-1] == ONLY[language], said
    words = words[:-1]
    if AND[language] in words:
        at = words.index(AND[language])
        rupees, paise = words[:at], words[at + 1 :]
    elif words[-1] in PAISA[language]:
        rupees, paise = [], words
    else:
        rupees, paise = words, []
    total = 0
    if rupees:
        assert rupees[-1] in RUPEE[language], said
        total += read_number(rupees[:-1], language) * 100
    if paise:
        assert paise[-1] in PAISA[language], said
        cents = read_number(paise[:-1], language)
        assert 0 < cents < 100, said
        total += cents
    return total


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.HINDI])
@given(st.integers(min_value=0, max_value=LARGEST))
def test_every_amount_reads_back_to_itself(language: Language, paise: int) -> None:
    assert read_amount(amount_in_words(paise, language), language) == paise


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.HINDI])
def test_the_edges_read_back(language: Language) -> None:
    for paise in (0, 1, 99, 100, 101, 1_00_00, 10_00_00_000_00, LARGEST):
        assert read_amount(amount_in_words(paise, language), language) == paise


def reference(n: int, language: Language) -> str:
    """The reference table's words for a whole number: its own names below 100, then the Indian groups."""
    below = english_below_100 if language is Language.ENGLISH else HINDI.__getitem__
    units = list(UNITS[language])  # hundred, thousand, lakh, crore
    sizes = [10**7, 10**5, 10**3, 10**2]
    parts: list[str] = []
    for unit, size in zip(reversed(units), sizes, strict=True):
        count, n = divmod(n, size)
        if count:
            parts += [reference(count, language), unit]
    if n or not parts:
        parts.append(below(n))
    return " ".join(parts)


SAMPLE = sorted({*range(100), *random.Random(20261203).sample(range(100, 10**9), 240)})


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.HINDI])
def test_the_words_are_the_reference_tables_for_a_few_hundred_amounts(language: Language) -> None:
    wrong = []
    for n in SAMPLE:
        got, want = number_in_words(n, language), reference(n, language)
        if got != want and not (language is Language.HINDI and _variant_of(got, want)):
            wrong.append((n, got, want))
    assert wrong == [] and len(SAMPLE) >= 300


def _variant_of(got: str, want: str) -> bool:
    """The same words but for a spelling the table also accepts (तिरपन for तिरेपन)."""
    a, b = got.split(), want.split()
    return len(a) == len(b) and all(
        x == y or any(x in v and HINDI[n] == y for n, v in HINDI_VARIANTS.items()) for x, y in zip(a, b, strict=True)
    )
