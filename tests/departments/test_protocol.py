"""The wire format on its own: signatures both ways, the replay window, answers bound to requests, settlement."""

from __future__ import annotations

from datetime import date

import pytest

from server.billers.protocol import (
    REQUEST_ID_HEADER,
    TIMESTAMP_HEADER,
    DepartmentKey,
    PayResult,
    ReplayGuard,
    SettlementFileError,
    SettlementLine,
    SignatureRefused,
    demo_key,
    is_demo,
    read_settlement_file,
    sign_answer,
    sign_request,
    verify_answer,
    verify_request,
    write_settlement_file,
)

KEY = demo_key("discom")
OTHER = DepartmentKey("discom-2", b"k" * 32)
NOW = 1_800_000_000.0
BODY = b'{"items":[]}'


def keys(key_id: str) -> DepartmentKey | None:
    return {KEY.key_id: KEY}.get(key_id)


def test_a_signed_request_verifies_and_names_its_key() -> None:
    headers = sign_request(KEY, "post", "/discom/v1/payments", BODY, now=NOW)
    signed = verify_request(keys, "POST", "/discom/v1/payments", headers, BODY, now=NOW + 10)
    assert signed.key == KEY and signed.request_id == headers[REQUEST_ID_HEADER] and signed.timestamp == NOW


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("body", "bad_signature"),
        ("path", "bad_signature"),
        ("method", "bad_signature"),
        ("timestamp", "bad_signature"),
        ("wrong_key", "unknown_key"),
        ("unsigned", "unsigned"),
        ("stale", "stale_timestamp"),
        ("future", "stale_timestamp"),
    ],
)
def test_anything_changed_in_a_request_is_refused(change: str, code: str) -> None:
    method, path, body, now = "POST", "/discom/v1/payments", BODY, NOW
    headers = sign_request(OTHER if change == "wrong_key" else KEY, method, path, body, now=NOW)
    if change == "body":
        body = b'{"items":[1]}'
    elif change == "path":
        path = "/phed/v1/payments"
    elif change == "method":
        method = "GET"
    elif change == "timestamp":
        headers[TIMESTAMP_HEADER] = str(int(NOW) + 1)
    elif change == "unsigned":
        headers = {}
    elif change == "stale":
        now = NOW + 301
    elif change == "future":
        now = NOW - 301
    with pytest.raises(SignatureRefused) as refused:
        verify_request(keys, method, path, headers, body, now=now)
    assert refused.value.code == code


def test_a_request_id_is_accepted_once_inside_the_window() -> None:
    guard = ReplayGuard()
    headers = sign_request(KEY, "POST", "/p", BODY, now=NOW)
    verify_request(keys, "POST", "/p", headers, BODY, now=NOW, guard=guard)
    with pytest.raises(SignatureRefused) as refused:
        verify_request(keys, "POST", "/p", headers, BODY, now=NOW + 5, guard=guard)
    assert refused.value.code == "replayed_request"
    # past the window the timestamp refuses it, whatever the guard has forgotten meanwhile
    guard.claim("x" * 32, int(NOW), NOW + 10_000)
    with pytest.raises(SignatureRefused, match="stale_timestamp"):
        verify_request(keys, "POST", "/p", headers, BODY, now=NOW + 10_000, guard=guard)


def test_an_answer_is_bound_to_its_request() -> None:
    request_id = sign_request(KEY, "POST", "/p", BODY, now=NOW)[REQUEST_ID_HEADER]
    answer = b'{"items":[]}'
    headers = sign_answer(KEY, 200, request_id, answer, now=NOW)
    verify_answer(KEY, 200, headers, answer, request_id, now=NOW)
    another = sign_request(KEY, "POST", "/p", BODY, now=NOW)[REQUEST_ID_HEADER]
    for status, body, expected_id, now, code in [
        (200, answer, another, NOW, "wrong_request_id"),  # an old answer replayed to a new request
        (200, b'{"items":[1]}', request_id, NOW, "bad_signature"),
        (500, answer, request_id, NOW, "bad_signature"),
        (200, answer, request_id, NOW + 400, "stale_timestamp"),
    ]:
        with pytest.raises(SignatureRefused) as refused:
            verify_answer(KEY, status, headers, body, expected_id, now=now)
        assert refused.value.code == code
    with pytest.raises(SignatureRefused, match="unknown_key"):
        verify_answer(OTHER, 200, headers, answer, request_id, now=NOW)


def test_a_success_without_the_departments_id_or_a_decline_without_reason_is_malformed() -> None:
    with pytest.raises(ValueError, match="department_ref"):
        PayResult(reference="R1", result="success")
    with pytest.raises(ValueError, match="department_ref"):
        PayResult(reference="R1", result="declined")
    assert PayResult(reference="R1", result="declined", reason="bill_already_paid").reason == "bill_already_paid"


def test_demo_keys_are_known_as_such() -> None:
    assert is_demo(demo_key("phed"), "phed") and not is_demo(OTHER, "discom")
    assert demo_key("phed") != demo_key("discom")
    with pytest.raises(ValueError, match="32 bytes"):
        DepartmentKey("short", b"x" * 16)
    assert KEY.secret.hex() not in repr(KEY) and str(KEY.secret) not in repr(KEY)  # never in a log


def _line(reference: str, amount: int) -> SettlementLine:
    return SettlementLine(
        reference=reference,
        department_ref=f"D-{reference}",
        service_code="ELEC-JVVNL",
        consumer_no="210012345678",
        bill_no="JVV1",
        amount_paise=amount,
        paid_at="2026-11-26T10:00:00+00:00",
    )


def test_a_settlement_file_round_trips_and_refuses_any_change_with_its_line() -> None:
    day = date(2026, 11, 26)
    data = write_settlement_file(KEY, "discom", day, [_line("R1", 100), _line("R2", 250)])
    found = read_settlement_file(KEY, "discom", data)
    assert [line.reference for line in found.lines] == ["R1", "R2"] and found.total_paise == 350
    assert found.business_date == day
    assert write_settlement_file(KEY, "discom", day, [_line("R1", 100), _line("R2", 250)]) == data  # deterministic
    rows = data.split(b"\n")
    tampered = b"\n".join([rows[0], rows[1].replace(b'"amount_paise":100', b'"amount_paise":900'), *rows[2:]])
    with pytest.raises(SettlementFileError) as refused:
        read_settlement_file(KEY, "discom", tampered)
    assert refused.value.line == 4 and "signature" in refused.value.message
    with pytest.raises(SettlementFileError, match="cut short"):
        read_settlement_file(KEY, "discom", data[:-10])
    with pytest.raises(SettlementFileError, match="department phed"):
        read_settlement_file(KEY, "discom", write_settlement_file(KEY, "phed", day, []))
    with pytest.raises(SettlementFileError, match="signed with key"):
        read_settlement_file(OTHER, "discom", data)
