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


# -- formatting: integer paise as rupees with Indian digit grouping (₹1,23,456.50) ---------------------------
RUPEE_SIGN = "₹"


def group_indian(digits: str) -> str:
    """Group a string of digits the Indian way: the last three, then pairs (12,34,567)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join([*pairs, tail])


def format_rupees(paise: int, *, sign: str = RUPEE_SIGN) -> str:
    """Format an amount in paise: 12345650 → '₹1,23,456.50', -50000 → '-₹500.00'.

    Integer arithmetic only, so no amount is ever rounded through a float. The output matches
    Babel's ``format_currency(..., "INR", locale="en_IN")``; the tests hold it to that.
    """
    if isinstance(paise, bool) or not isinstance(paise, int):
        raise TypeError(f"amounts are integer paise, got {type(paise).__name__}")
    minus = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    return f"{minus}{sign}{group_indian(str(rupees))}.{rest:02d}"


def format_rupees_plain(paise: int) -> str:
    """The same amount without the ₹ sign, for printer text that has no ₹ glyph ('Rs. 1,23,456.50')."""
    return format_rupees(paise, sign="Rs. ")
