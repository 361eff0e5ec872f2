"""The shared input rules: the same answers for the kiosk and the server, for what operators really type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rules.amount import AmountRefusal, AmountRule, PaperBill, amount_refusal, paper_bill_payable
from rules.cheque import cheque_refusals
from rules.contact import contact_refusals, mobile_or_none, normalise_mobile, parse_contact
from rules.day import business_day
from rules.fields import field_problem, verhoeff_digit, verhoeff_valid
from rules.ids import is_operation_id, new_operation_id
from rules.money import parse_rupees


@given(st.integers(min_value=0, max_value=999_999_999_99))
def test_every_amount_written_in_rupees_reads_back_as_its_paise(paise: int) -> None:
    rupees, rest = divmod(paise, 100)
    assert parse_rupees(f"{rupees}.{rest:02d}") == paise
    assert parse_rupees(f"₹ {rupees:,}.{rest:02d}") == paise
    if rest % 10 == 0:
        assert parse_rupees(f"{rupees}.{rest // 10}") == paise


@given(st.decimals(min_value=0, max_value=10**9 - 1, places=2, allow_nan=False, allow_infinity=False))
def test_amounts_match_decimal_arithmetic(amount: Decimal) -> None:
    assert parse_rupees(str(amount)) == int(amount * 100)


def test_what_is_not_an_amount_is_refused() -> None:
    for text in ("", " ", "1.234", "-5", "1e3", "12,34,56,78,901", "Rs. 10", "10.", ".5", "1 0", "NaN", "١٢"):
        assert parse_rupees(text) is None, text
    assert parse_rupees("१,२५०.५०") == 1_250_50  # typed on a Hindi keyboard


def test_mobiles_as_people_type_them() -> None:
    for typed in ("9829012345", "+91 98290 12345", "+91-9829012345", "09829012345", "919829012345", "(982) 901-2345"):
        assert normalise_mobile(typed) == "9829012345", typed
    assert mobile_or_none("  ") is None and mobile_or_none(None) is None
    assert parse_contact(" 098290-12345 ") == ("mobile", "9829012345")
    assert parse_contact(" Ram@Example.IN ") == ("email", "ram@example.in")
    for wrong in ("5829012345", "98290123", "ram@", "ram@example", "ram @example.in"):
        assert parse_contact(wrong) is None, wrong


def test_a_payment_contact_needs_one_well_formed_way_to_reach_the_customer() -> None:
    assert contact_refusals(None, None) == [("contact_required", "contact")]
    assert contact_refusals("12345", None) == [("invalid_mobile", "contact.mobile")]
    assert contact_refusals("12345", "a@b") == [
        ("invalid_mobile", "contact.mobile"),
        ("invalid_email", "contact.email"),
    ]
    assert contact_refusals("9829012345", None) == [] and contact_refusals(None, "a@example.com") == []


def test_a_cheque_is_taken_from_today_back_three_months() -> None:
    today = date(2026, 12, 2)
    assert cheque_refusals("123456", "SBI", today, today) == []
    assert cheque_refusals("123456", "SBI", today - timedelta(days=90), today) == []
    assert cheque_refusals("123456", "SBI", today - timedelta(days=91), today) == [("stale_cheque", "method.date")]
    assert cheque_refusals("123456", "SBI", today + timedelta(days=1), today) == [
        ("invalid_cheque_date", "method.date")
    ]
    assert cheque_refusals("12345", " S ", None, today) == [
        ("invalid_cheque_no", "method.cheque_no"),
        ("invalid_cheque_bank", "method.bank"),
        ("invalid_cheque_date", "method.date"),
    ]


def test_the_business_day_is_the_indian_calendar_day() -> None:
    late_utc = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # 00:30 on the 2nd in India
    assert business_day(late_utc) == date(2026, 12, 2)
    assert business_day(datetime(2026, 12, 1, 18, 29, tzinfo=UTC)) == date(2026, 12, 1)


def test_new_operation_ids_are_what_the_server_accepts() -> None:
    ids = {new_operation_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(is_operation_id(i) for i in ids)
    assert not is_operation_id("short") and not is_operation_id("-starts-with-dash")


def test_a_bill_is_paid_in_full_with_the_late_amount_after_its_due_date() -> None:
    due = date(2026, 12, 10)
    bill = AmountRule(1_250_00, 1_275_00, due, partial_allowed=False, min_paise=100, max_paise=10**9)
    assert amount_refusal(bill, 1_250_00, due) is None
    assert amount_refusal(bill, 1_250_00, due + timedelta(days=1)) == AmountRefusal(
        "amount_must_equal_due", {"payable_paise": 1_275_00}
    )
    assert amount_refusal(bill, 1_275_00, due + timedelta(days=1)) is None


def test_a_part_payment_lies_between_the_minimum_and_the_amount_due() -> None:
    today = date(2026, 12, 2)
    bill = AmountRule(5_000_00, None, None, partial_allowed=True, min_paise=100_00, max_paise=10**9)
    assert amount_refusal(bill, 100_00, today) is None and amount_refusal(bill, 5_000_00, today) is None
    assert amount_refusal(bill, 99_99, today) == AmountRefusal(
        "amount_out_of_range", {"min_paise": 100_00, "max_paise": 5_000_00}
    )
    small = AmountRule(50_00, None, None, partial_allowed=True, min_paise=100_00, max_paise=10**9)
    assert amount_refusal(small, 50_00, today) is None  # owed less than the minimum part: the whole is fine


@given(st.integers(min_value=1, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_a_recharge_takes_any_amount_in_its_range(low: int, amount: int) -> None:
    rule = AmountRule(None, None, None, partial_allowed=False, min_paise=low, max_paise=low * 10)
    refused = amount_refusal(rule, amount, date(2026, 12, 2))
    assert (refused is None) == (low <= amount <= low * 10)


AADHAAR = {"pattern": "^[2-9][0-9]{11}$", "min_length": 12, "max_length": 12, "check_digit": "verhoeff"}


@given(st.from_regex(r"[2-9][0-9]{10}", fullmatch=True), st.integers(0, 10), st.integers(1, 9))
def test_an_aadhaar_number_with_one_digit_mistyped_is_refused(body: str, at: int, shift: int) -> None:
    number = body + verhoeff_digit(body)
    assert verhoeff_valid(number) and field_problem(number, **AADHAAR) is None
    typo = number[:at] + str((int(number[at]) + shift) % 10) + number[at + 1 :]
    assert field_problem(typo, **AADHAAR) in ("wrong_check_digit", "wrong_format")  # a 0 or 1 first: the pattern


@given(st.from_regex(r"[2-9][0-9]{10}", fullmatch=True), st.integers(0, 10))
def test_an_aadhaar_number_with_two_neighbouring_digits_swapped_is_refused(body: str, at: int) -> None:
    number = body + verhoeff_digit(body)
    swapped = number[:at] + number[at + 1] + number[at] + number[at + 2 :]
    if swapped != number:
        assert field_problem(swapped, **AADHAAR) in ("wrong_check_digit", "wrong_format")


def test_verhoeff_against_published_values() -> None:
    assert verhoeff_digit("236") == "3" and verhoeff_valid("2363") and not verhoeff_valid("2364")
    assert verhoeff_digit("12345") == "1" and verhoeff_valid("123451")
    assert field_problem("234567890124", **AADHAAR) is None
    assert field_problem("234567890125", **AADHAAR) == "wrong_check_digit"
    assert field_problem("२३४५६७८९०१२४", **AADHAAR) == "wrong_format"  # the department's pattern is ASCII digits


def test_a_paper_bill_taken_offline_is_collected_as_the_server_will_judge_it() -> None:
    due = date(2026, 12, 10)
    paper = PaperBill(125_000, due, 127_500)
    rule = AmountRule(125_000, 127_500, due, False, 125_000, 127_500)
    for today in (due - timedelta(days=5), due, due + timedelta(days=1)):
        collected = paper_bill_payable(paper, today)
        assert isinstance(collected, int) and amount_refusal(rule, collected, today) is None
    assert paper_bill_payable(paper, due) == 125_000 and paper_bill_payable(paper, due + timedelta(days=1)) == 127_500
    no_late = PaperBill(125_000, due, None)
    assert paper_bill_payable(no_late, due) == 125_000
    assert paper_bill_payable(no_late, due + timedelta(days=1)) == AmountRefusal("after_due_amount_required")
    assert paper_bill_payable(PaperBill(125_000, due, 100_000), due) == AmountRefusal(
        "after_due_below_due", {"due_paise": 125_000}
    )
