"""An amount in words, as a cheque or a receipt writes it: Indian grouping (crore, lakh, thousand, hundred).

The number names and the units are catalog entries (`number.<n>` for 0–99, `number.<unit>`), so a translator
corrects the Hindi (whose 1–99 are each a word of their own) in the `.po` file like any other word.
"""

from __future__ import annotations

from words import Language, text

GROUPS = (("crore", 10**7), ("lakh", 10**5), ("thousand", 10**3), ("hundred", 10**2))


def number_in_words(n: int, language: Language | str = Language.ENGLISH) -> str:
    """12,34,567 → "twelve lakh thirty-four thousand five hundred sixty-seven" (a whole number, 0 or more)."""
    if n < 0:
        raise ValueError(f"{n} is negative")
    if n < 100:
        return text(f"number.{n}", language)
    parts: list[str] = []
    for unit, size in GROUPS:
        count, n = divmod(n, size)
        if count:
            parts += [number_in_words(count, language), text(f"number.{unit}", language)]
    if n:
        parts.append(text(f"number.{n}", language))
    return " ".join(parts)


def amount_in_words(paise: int, language: Language | str = Language.ENGLISH) -> str:
    """125050 → "one thousand two hundred fifty rupees and fifty paise only"; 100 → "one rupee only"."""
    rupees, rest = divmod(paise, 100)
    said = [
        text(f"amount.{unit}", language, words=number_in_words(n, language), count=n)
        for unit, n in (("rupees", rupees), ("paise", rest))
        if n or (unit == "rupees" and not paise)
    ]
    amount = said[0] if len(said) == 1 else text("amount.and", language, rupees=said[0], paise=said[1])
    return text("amount.only", language, amount=amount)
