"""A service's input (K No., consumer number, mobile to recharge, Aadhaar): the department's pattern, lengths
and check digit."""

from __future__ import annotations

import re
from typing import Literal

CheckDigit = Literal["verhoeff"]

# The Verhoeff scheme (dihedral group D5), as UIDAI uses for the last digit of an Aadhaar number.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Verhoeff check digit of the ones before it."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def verhoeff_digit(digits: str) -> str:
    """The check digit to append to `digits`."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


_CHECKS = {"verhoeff": verhoeff_valid}


def field_problem(
    value: str | None,
    *,
    pattern: str,
    min_length: int,
    max_length: int,
    check_digit: CheckDigit | None = None,
    choices: tuple[str, ...] = (),
) -> str | None:
    """Why `value` is not what the department takes — "required", "not_a_choice", "wrong_length",
    "wrong_format" or "wrong_check_digit" — or None.

    A field with `choices` (a recharge's operator) takes one of their codes and nothing else. The value is
    judged as typed without the spaces around it, which the kiosk and the server both strip.
    """
    if value is None or not value.strip():
        return "required"
    value = value.strip()
    if choices and value not in choices:
        return "not_a_choice"
    if not min_length <= len(value) <= max_length:
        return "wrong_length"
    if not re.fullmatch(pattern, value):
        return "wrong_format"
    if check_digit is not None and not (value.isascii() and value.isdigit() and _CHECKS[check_digit](value)):
        return "wrong_check_digit"
    return None
