"""Formats integer paise as rupees with the ₹ sign and Indian digit grouping (₹1,23,456.50)."""

from __future__ import annotations

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
