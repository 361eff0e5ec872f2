"""Every error code the server can answer has the client's words in both languages, with its parameters."""

from __future__ import annotations

import ast
from pathlib import Path

import words
from kiosk_app.errors import (
    AmountOutOfRange,
    InsufficientBalance,
    InvalidCredentials,
    KioskError,
    OfflineLimitExceeded,
    OtpInvalid,
    PasswordRejected,
    Refused,
    parameters,
    refusal,
)
from tests.support.error_codes import name_of, server_codes

ROOT = Path(__file__).resolve().parents[2]


def test_the_walk_finds_the_codes_of_each_kind() -> None:
    codes = server_codes().codes
    assert len(codes) > 80
    assert {"insufficient_balance", "invalid_credentials", "operation_id_reused"} <= codes.keys()  # classes
    assert {"duplicate_bill", "demo_only", "unknown_kiosk"} <= codes.keys()  # code= where raised
    assert {"invalid_request", "malformed_json", "internal_error", "database_unavailable"} <= codes.keys()
    assert {"not_found", "method_not_allowed", "http_error"} <= codes.keys()  # the HTTP handler's


def test_every_server_error_code_has_english_and_hindi_words() -> None:
    catalog = words.catalog()
    missing = {code: where[0] for code, where in server_codes().codes.items() if f"error.{code}" not in catalog}
    assert missing == {}, "add error.<code> to resources/locale/hi/LC_MESSAGES/emitra.po"


def test_a_code_not_written_out_brings_its_own_hindi() -> None:
    """A code built at run time (a service's "<field>_required") cannot be in the catalog: the server sends the
    service catalog's own Hindi with it, and the client shows that. A department's refusal passed on
    (`code=exc.code`) has the code of its class."""
    assert [where for where, own_hindi in server_codes().dynamic if not own_hindi] == []


def test_the_parameters_of_each_text_are_ones_the_server_sends() -> None:
    catalog = words.catalog()
    unreachable = {}
    for key in catalog:
        if not (key.startswith("error.") and key.endswith(".details")):
            continue
        code = key.removeprefix("error.").removesuffix(".details")
        sent = {name: 1 for name in server_codes().details.get(code, set())}
        named = set().union(*(words.placeholders(form) for form in catalog[key].english))
        if code in server_codes().codes and not named <= parameters(code, sent).keys():
            unreachable[key] = sorted(named - parameters(code, sent).keys())
    assert unreachable == {}


def test_the_shortfall_is_shown_in_both_languages() -> None:
    refused = refusal(
        422,
        "insufficient_balance",
        "not enough balance in the kiosk wallet and credit line",
        {"spendable_paise": 150_00, "requested_paise": 1_200_50},
    )
    assert isinstance(refused, InsufficientBalance)
    assert "₹1,050.50 short" in refused.message_en and "₹1,200.50" in refused.message_en
    assert "₹1,050.50 कम" in refused.message_hi and "₹150.00" in refused.message_hi
    assert refused.server_message == "not enough balance in the kiosk wallet and credit line"


def test_without_its_parameters_a_code_gets_its_plain_words() -> None:
    refused = refusal(422, "insufficient_balance", "not enough balance", {})
    assert (refused.message_en, refused.message_hi) == words.pair("error.insufficient_balance")


def test_amounts_are_rupees_and_a_count_picks_the_plural() -> None:
    out_of_range = refusal(
        422, "amount_out_of_range", "x", {"field": "amount", "min_paise": 100_00, "max_paise": 2_00_000_00}
    )
    assert isinstance(out_of_range, AmountOutOfRange)
    assert "₹100.00" in out_of_range.message_hi and "₹2,00,000.00" in out_of_range.message_en
    one = refusal(401, "otp_invalid", "the OTP is wrong", {"attempts_left": 1})
    many = refusal(401, "otp_invalid", "the OTP is wrong", {"attempts_left": 4})
    assert isinstance(one, OtpInvalid) and one.message_en.endswith("1 attempt left.")
    assert many.message_en.endswith("4 attempts left.") and "4" in many.message_hi


def test_password_rules_and_unknown_codes() -> None:
    rejected = refusal(422, "password_rejected", "x", {"problems": [{"rule": "too_short"}, {"rule": "common"}]})
    assert isinstance(rejected, PasswordRejected)
    assert words.hindi("error.password_rejected.too_short") in rejected.message_hi
    assert words.english("error.password_rejected.common") in rejected.message_en
    newer = refusal(409, "a_code_of_a_newer_server", "the server's own English", {})
    assert type(newer) is Refused and newer.error_code == "a_code_of_a_newer_server"
    assert (newer.message_en, newer.message_hi) == ("the server's own English", Refused.hindi)
    assert InvalidCredentials.hindi == words.hindi("error.invalid_credentials")


def test_an_error_the_client_raises_with_details_gets_its_parameters_too() -> None:
    over = OfflineLimitExceeded("the offline limit is ₹5,000.00", details={"limit_paise": 5_000_00})
    assert over.message_en == "the offline limit is ₹5,000.00"  # the raiser's own English stays
    assert over.message_hi == words.hindi("error.offline_limit_exceeded.details", limit="₹5,000.00")


def _subclasses(cls: type) -> set[type]:
    return {cls}.union(*(_subclasses(sub) for sub in cls.__subclasses__()))


def test_every_code_the_client_raises_has_its_words() -> None:
    """The client's own error classes, and `code=` where the client raises one of them (code="no_bills")."""
    classes = _subclasses(KioskError)
    codes = {cls.code: f"class {cls.__name__}" for cls in classes}
    names = {cls.__name__ for cls in classes}
    for folder in ("kiosk_app", "ui", "printing", "offline_cache"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and name_of(node.func) in names:
                    for keyword in node.keywords:
                        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                            codes[str(keyword.value.value)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    catalog = words.catalog()
    assert {code: where for code, where in codes.items() if f"error.{code}" not in catalog} == {}


def test_a_refusal_met_at_day_end_is_told_in_the_catalogs_words_with_its_amount() -> None:
    """Day End's and Reconcile's reasons come from the code and its parameters, not the server's English."""
    from kiosk_app.sync import ReconcileItem

    item = ReconcileItem(
        "op-1",
        "2026-12-02T10:00:00",
        1_250_00,
        "ELEC-JVVNL",
        "210412345678",
        True,
        "amount_must_equal_due",
        "this bill must be paid in full",
        "bills[0].amount_paise",
        {"field": "bills[0].amount_paise", "payable_paise": 1_275_00},
    )
    english, hindi = item.words
    assert "₹1,275.00" in english and "₹1,275.00" in hindi and english != hindi
    assert "amount_must_equal_due" not in english + hindi
    unknown = ReconcileItem("op-2", "2026-12-02T10:00:00", 100, "X", "1", False, "a_code_from_tomorrow", "why", None)
    assert unknown.words == ("why", "why")
