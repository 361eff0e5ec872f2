"""Formats integer paise as rupees with the ₹ sign and Indian digit grouping (₹1,23,456.50): the rule lives in
rules.money (the server's pages use it too); printing keeps its old name for it."""

from __future__ import annotations

from rules.money import RUPEE_SIGN, format_rupees, format_rupees_plain, group_indian

__all__ = ["RUPEE_SIGN", "format_rupees", "format_rupees_plain", "group_indian"]
