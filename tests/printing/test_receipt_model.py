"""The receipt model: validation, JSON round trip (the spool's format), duplicate marking."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from printing.receipt import VERSION_1_NAMES, Bill, Payment, PaymentMethod, Receipt
from printing.samples import sample_provisional_cheque_receipt, sample_receipt


def test_json_round_trip_keeps_everything() -> None:
    for receipt in (sample_receipt(), sample_provisional_cheque_receipt(), sample_receipt().as_duplicate(3)):
        assert Receipt.from_json(receipt.to_json()) == receipt


def test_total_is_sum_of_bills_in_paise() -> None:
    assert sample_receipt().total_paise == 1_23_456_50 + 2_150_00


def test_times_print_in_ist() -> None:
    assert sample_receipt().paid_at_ist.strftime("%H:%M") == "14:32"  # 09:02 UTC


def test_rejects_float_amounts_and_naive_times() -> None:
    with pytest.raises(TypeError):
        Bill("X", 10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time zone"):
        Receipt(**{**sample_receipt().__dict__, "paid_at": datetime(2025, 1, 1)})


def test_cheque_details_required_exactly_for_cheques() -> None:
    with pytest.raises(ValueError):
        Payment(PaymentMethod.DEPARTMENTAL_CHEQUE)


def test_duplicate_is_copy_two_or_later() -> None:
    with pytest.raises(ValueError):
        sample_receipt().as_duplicate(1)


def test_a_receipt_spooled_in_the_first_format_is_still_read() -> None:
    """Spools written before the fields took the server's names (receipt_number …) print after an upgrade."""
    receipt = sample_provisional_cheque_receipt()
    current = json.loads(receipt.to_json())
    old_names = {new: old for old, new in VERSION_1_NAMES.items()}
    first = {old_names.get(k, k): v for k, v in current.items()}
    first["bills"] = [{old_names.get(k, k): v for k, v in b.items()} for b in current["bills"]]
    first["version"] = 1
    assert "receipt_number" in first and "bill_number" in first["bills"][0]
    assert Receipt.from_json(json.dumps(first)) == receipt
