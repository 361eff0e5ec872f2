"""The customer's and the operator's contact: a 10-digit Indian mobile number or an e-mail address."""

from __future__ import annotations

import re
from typing import Literal

MOBILE = re.compile(r"^[6-9][0-9]{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
EMAIL_MAX = 254


def normalise_mobile(raw: str) -> str:
    """What people type (+91, 91 before ten digits, a leading 0, spaces, dashes, brackets) → the digits."""
    digits = re.sub(r"[\s()-]", "", raw)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("91") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    return digits


def mobile_or_none(raw: str | None) -> str | None:
    """The normalised mobile when one was typed, None for an empty field."""
    return normalise_mobile(raw) if raw and raw.strip() else None


def is_mobile(digits: str) -> bool:
    return MOBILE.fullmatch(digits) is not None


def is_email(text: str) -> bool:
    return len(text) <= EMAIL_MAX and EMAIL.fullmatch(text) is not None


def parse_contact(text: str) -> tuple[Literal["mobile", "email"], str] | None:
    """A mobile number or an e-mail address, normalised (e-mail in lower case); None when it is neither."""
    typed = text.strip()
    if "@" in typed:
        return ("email", typed.lower()) if is_email(typed) else None
    digits = normalise_mobile(typed)
    return ("mobile", digits) if is_mobile(digits) else None


def contact_refusals(mobile: str | None, email: str | None) -> list[tuple[str, str]]:
    """(error code, field) of everything wrong with a payment's customer contact: at least one way to reach the
    customer, each well formed. `mobile` is the normalised number (see `mobile_or_none`), `email` trimmed or None.
    """
    if not mobile and not email:
        return [("contact_required", "contact")]
    wrong: list[tuple[str, str]] = []
    if mobile and not is_mobile(mobile):
        wrong.append(("invalid_mobile", "contact.mobile"))
    if email and not is_email(email):
        wrong.append(("invalid_email", "contact.email"))
    return wrong
