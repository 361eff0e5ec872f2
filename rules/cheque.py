"""A departmental cheque the counter may take: six digits, a named bank, dated today or within three months."""

from __future__ import annotations

import re
from datetime import date, timedelta

CHEQUE_NO = re.compile(r"^\d{6}$")
VALID_FOR = timedelta(days=90)  # older than three months: stale, the bank will not honour it
BANK_LENGTH = (2, 100)


def cheque_refusals(cheque_no: str | None, bank: str | None, dated: date | None, today: date) -> list[tuple[str, str]]:
    """(error code, field) of everything wrong with the cheque, in the form's order; empty when it may be taken."""
    wrong: list[tuple[str, str]] = []
    if not cheque_no or not CHEQUE_NO.fullmatch(cheque_no):
        wrong.append(("invalid_cheque_no", "method.cheque_no"))
    if not bank or not BANK_LENGTH[0] <= len(bank.strip()) <= BANK_LENGTH[1]:
        wrong.append(("invalid_cheque_bank", "method.bank"))
    if dated is None or dated > today:
        wrong.append(("invalid_cheque_date", "method.date"))
    elif dated < today - VALID_FOR:
        wrong.append(("stale_cheque", "method.date"))
    return wrong
