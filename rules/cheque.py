"""A departmental cheque the counter may take: six digits, a named bank, dated today or within three months."""

from __future__ import annotations

import re
from datetime import date, timedelta

CHEQUE_NO = re.compile(r"^\d{6}$")
VALID_FOR = timedelta(days=90)  # older than three months: stale, the bank will not honour it
BANK_LENGTH = (2, 100)


def cheque_refusal(cheque_no: str | None, bank: str | None, dated: date | None, today: date) -> tuple[str, str] | None:
    """(error code, field) of the first thing wrong with the cheque, or None when the counter may take it."""
    if not cheque_no or not CHEQUE_NO.fullmatch(cheque_no):
        return "invalid_cheque_no", "method.cheque_no"
    if not bank or not BANK_LENGTH[0] <= len(bank.strip()) <= BANK_LENGTH[1]:
        return "invalid_cheque_bank", "method.bank"
    if dated is None or dated > today:
        return "invalid_cheque_date", "method.date"
    if dated < today - VALID_FOR:
        return "stale_cheque", "method.date"
    return None
