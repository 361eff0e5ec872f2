"""Throttling instead of lockout: an attacker slows only themselves, the holder always gets in (or resets by OTP),
and OTP requests and messages are limited per source, per account and for the whole server — in the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from server.core.db import make_engine
from tests.support.auth import ShiftedClock, contacts, latest_otp, messages, new_kiosk
from tests.support.server import ServerProcess

API = "/api/v1"
# The test server trusts its caller (127.0.0.1) as a proxy, so each test can speak from several sources.
PROXY = {"EMITRA_TRUSTED_PROXIES": "127.0.0.1"}


def _from(source: str) -> dict[str, str]:
    return {"X-Forwarded-For": source}


def _login(server: ServerProcess, sso_id: str, password: str, source: str) -> tuple[int, str]:
    r = requests.post(
        server.url + API + "/auth/login",
        json={"sso_id": sso_id, "password": password},
        headers=_from(source),
        timeout=30,
    )
    return r.status_code, "ok" if r.status_code == 200 else r.json()["error"]["code"]


def _post(server: ServerProcess, path: str, body: dict[str, Any], source: str) -> requests.Response:
    return requests.post(server.url + API + path, json=body, headers=_from(source), timeout=30)


@pytest.fixture
def throttled_server(
    database_url: str, start_server: Callable[..., ServerProcess], auth_clock: ShiftedClock
) -> Callable[..., ServerProcess]:
    def start(**env: str) -> ServerProcess:
        return start_server(
            database_url, EMITRA_ARGON2_PROFILE="fast", EMITRA_CLOCK_OFFSET_FILE=str(auth_clock.path), **PROXY, **env
        )

    return start


def test_an_attacker_cannot_lock_out_the_holder(
    throttled_server: Callable[..., ServerProcess], auth_clock: ShiftedClock
) -> None:
    server = throttled_server()
    sso_id, issued = new_kiosk(server, "RJ-THR-0001")
    answers = [_login(server, sso_id, f"guess {n}", "203.0.113.9") for n in range(40)]
    assert answers[:4] == [(401, "invalid_credentials")] * 4
    assert set(answers[4:]) == {(429, "login_throttled")}  # refused unchecked: the delay is the attacker's
    assert _login(server, sso_id, issued, "198.51.100.7") == (200, "ok")  # the holder, from the kiosk
    # The attacker's delay doubles with each checked guess, up to the maximum.
    waits = []
    for _ in range(4):
        r = requests.post(
            server.url + API + "/auth/login",
            json={"sso_id": sso_id, "password": "again"},
            headers=_from("203.0.113.9"),
            timeout=30,
        )
        if r.status_code == 429:
            waits.append(r.json()["error"]["retry_after_seconds"])
            auth_clock.advance(seconds=r.json()["error"]["retry_after_seconds"])
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_an_unknown_sso_id_is_throttled_like_a_known_one(throttled_server: Callable[..., ServerProcess]) -> None:
    server = throttled_server()
    sso_id, _ = new_kiosk(server, "RJ-THR-0002")
    known = [_login(server, sso_id, "wrong", "203.0.113.10") for _ in range(6)]
    unknown = [_login(server, "NO.SUCH.HOLDER", "wrong", "203.0.113.11") for _ in range(6)]
    assert known == unknown


def test_one_source_spraying_many_accounts_is_stopped(throttled_server: Callable[..., ServerProcess]) -> None:
    server = throttled_server(EMITRA_SOURCE_LOGIN_FAILURES_PER_HOUR="5")
    sso_id, issued = new_kiosk(server, "RJ-THR-0003")
    answers = [_login(server, f"SPRAY.{n}", "Password@123", "203.0.113.12") for n in range(7)]
    assert answers[:5] == [(401, "invalid_credentials")] * 5 and answers[5:] == [(429, "too_many_attempts")] * 2
    assert _login(server, sso_id, issued, "198.51.100.8") == (200, "ok")


def test_the_holder_always_gets_in_with_an_otp(throttled_server: Callable[..., ServerProcess]) -> None:
    # Guesses spread over many sources reach the hourly limit of the SSO ID: passwords wait, the OTP does not.
    server = throttled_server(EMITRA_LOGIN_FAILURES_PER_HOUR="6")
    sso_id, _issued = new_kiosk(server, "RJ-THR-0004")
    for n in range(6):
        assert _login(server, sso_id, "guess", f"203.0.113.{20 + n}") == (401, "invalid_credentials")
    assert _login(server, sso_id, "guess", "203.0.113.40")[1] == "too_many_attempts"
    _, mobile, _ = contacts("RJ-THR-0004")
    started = _post(server, "/auth/forgot-password", {"sso_id": sso_id}, "198.51.100.9")
    assert started.status_code == 202, started.text
    reset = _post(
        server,
        "/auth/forgot-password/reset",
        {
            "challenge_id": started.json()["challenge_id"],
            "otp": latest_otp(server, mobile),
            "new_password": "a long walk to the stepwell",
        },
        "198.51.100.9",
    )
    assert reset.status_code == 200, reset.text
    assert _login(server, sso_id, "a long walk to the stepwell", "198.51.100.9") == (200, "ok")


def test_otp_requests_are_limited_per_source_and_for_the_whole_server(
    throttled_server: Callable[..., ServerProcess],
) -> None:
    server = throttled_server(EMITRA_SOURCE_OTP_CHALLENGES_PER_HOUR="3", EMITRA_OTP_CHALLENGES_PER_HOUR_TOTAL="5")
    codes = [
        _post(server, "/auth/forgot-password", {"sso_id": f"ANY.{n}"}, "203.0.113.50").status_code for n in range(4)
    ]
    assert codes == [202, 202, 202, 429]
    codes = [
        _post(server, "/auth/forgot-password", {"sso_id": f"ANY.B{n}"}, f"203.0.113.{60 + n}").status_code
        for n in range(3)
    ]
    assert codes == [202, 202, 429]  # five challenges this hour on the whole server
    assert _post(server, "/auth/forgot-password", {"sso_id": "ANY.C"}, "203.0.113.70").json()["error"]["code"] == (
        "otp_rate_limited"
    )


def test_wrong_otps_are_limited_per_source(throttled_server: Callable[..., ServerProcess]) -> None:
    server = throttled_server(EMITRA_SOURCE_OTP_FAILURES_PER_HOUR="3")
    sso_id, _ = new_kiosk(server, "RJ-THR-0005")
    codes = []
    for n in range(3):
        challenge = _post(server, "/auth/forgot-password", {"sso_id": sso_id}, f"198.51.100.{n}").json()
        for _ in range(2):
            r = _post(
                server,
                "/auth/forgot-password/reset",
                {"challenge_id": challenge["challenge_id"], "otp": "000000", "new_password": "whatever it is now"},
                "203.0.113.80",
            )
            codes.append(r.json()["error"]["code"])
    assert codes[:3] == ["otp_invalid"] * 3 and set(codes[3:]) == {"otp_rate_limited"}


def test_otp_messages_per_account_per_day_are_limited(
    throttled_server: Callable[..., ServerProcess], auth_clock: ShiftedClock
) -> None:
    server = throttled_server(
        EMITRA_MESSAGES_PER_ACCOUNT_PER_DAY="4", EMITRA_OTP_CHALLENGES_PER_HOUR="50", EMITRA_OTP_CHALLENGES_PER_DAY="50"
    )
    sso_id, _ = new_kiosk(server, "RJ-THR-0006")
    _, mobile, email = contacts("RJ-THR-0006")
    for n in range(4):
        r = _post(server, "/auth/forgot-password", {"sso_id": sso_id}, f"198.51.100.{10 + n}")
        assert r.status_code == 202  # the same answer, sent or not
    assert len(messages(server, mobile, "otp")) + len(messages(server, email, "otp")) == 4
    auth_clock.advance(hours=25)
    assert _post(server, "/auth/forgot-password", {"sso_id": sso_id}, "198.51.100.20").status_code == 202
    assert len(messages(server, mobile, "otp")) == 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_server_processes_share_the_throttle(
    database_url: str, start_server: Callable[..., ServerProcess], auth_clock: ShiftedClock
) -> None:
    env = {"EMITRA_ARGON2_PROFILE": "fast", "EMITRA_CLOCK_OFFSET_FILE": str(auth_clock.path), **PROXY}
    first, second = start_server(database_url, **env), start_server(database_url, **env)
    sso_id, _ = new_kiosk(first, "RJ-THR-0007")
    answers = [_login(first if n % 2 else second, sso_id, "guess", "203.0.113.90") for n in range(6)]
    assert answers[4:] == [(429, "login_throttled")] * 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_throttle_rows_nobody_touched_for_two_days_are_forgotten(
    throttled_server: Callable[..., ServerProcess], auth_clock: ShiftedClock
) -> None:
    server = throttled_server()
    for n in range(5):
        _login(server, f"GUESS.{n}", "wrong", "203.0.113.100")

    def keys() -> int:
        engine = make_engine(server.database_url)
        try:
            with engine.connect() as conn:
                return int(conn.exec_driver_sql("SELECT count(*) FROM auth_throttles").scalar_one())
        finally:
            engine.dispose()

    assert keys() == 11  # the source, and two per typed SSO ID
    auth_clock.advance(hours=49)
    _login(server, "SOMEONE.NEW", "wrong", "203.0.113.101")
    assert keys() == 3
