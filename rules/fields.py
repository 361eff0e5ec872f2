"""A service's input (K No., consumer number, mobile to recharge): the department's pattern and lengths."""

from __future__ import annotations

import re


def field_problem(value: str | None, *, pattern: str, min_length: int, max_length: int) -> str | None:
    """Why `value` is not what the department takes — "required", "wrong_length" or "wrong_format" — or None.

    The value is judged as typed without the spaces around it, which the kiosk and the server both strip.
    """
    if value is None or not value.strip():
        return "required"
    value = value.strip()
    if not min_length <= len(value) <= max_length:
        return "wrong_length"
    if not re.fullmatch(pattern, value):
        return "wrong_format"
    return None
