"""Amounts as operators type them (₹1,234.50) → integer paise; never a float on the way."""

from __future__ import annotations

import re

RUPEES = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
# A Hindi (Inscript) keyboard types Devanagari digits: the same amount. Other scripts' digits are refused.
DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def parse_rupees(text: str) -> int | None:
    """'1,234.5' → 123450 paise, '₹ 20' → 2000, '१२०' → 12000; None when the text is not an amount."""
    cleaned = text.translate(DEVANAGARI_DIGITS).replace(",", "").replace("₹", "").strip()
    if not RUPEES.fullmatch(cleaned):
        return None
    whole, _, fraction = cleaned.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])
