"""Server-side sign-in guarantees: hashed tokens, parallel guesses against the lock, safe settings, audit."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from server.core.config import InsecureSettingsError, Settings
from server.core.db import make_engine
from tests.support.auth import new_kiosk, ready_token
from tests.support.server import ServerProcess, production_secrets

API = "/api/v1"


def test_only_a_hash_of_the_session_token_is_stored(auth_server: ServerProcess, database_url: str) -> None:
    token = ready_token(auth_server, "RJ-JPR-0501")
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = [r.token_hash for r in conn.execute(text("SELECT token_hash FROM auth_sessions"))]
            hashes = [r.password_hash for r in conn.execute(text("SELECT password_hash FROM kiosk_credentials"))]
    finally:
        engine.dispose()
    assert stored and token not in stored and all(len(h) == 64 for h in stored)
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_parallel_wrong_guesses_cannot_outrun_the_delay(auth_server: ServerProcess) -> None:
    sso_id, issued = new_kiosk(auth_server, "RJ-JPR-0502")

    def guess(n: int) -> tuple[int, str]:
        r = requests.post(
            auth_server.url + API + "/auth/login", timeout=60, json={"sso_id": sso_id, "password": f"wrong guess {n}"}
        )
        return r.status_code, r.json()["error"]["code"]

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(40)))
    assert all(status in (401, 429) for status, _ in answers)
    events = auth_server.admin("GET", "/auth-events", params={"kiosk_code": "RJ-JPR-0502"}).json()["events"]
    checked = [e for e in events if e["event"] == "login" and e["outcome"].startswith("wrong_password")]
    assert len(checked) <= 4, checked  # three free tries and the one that started the delay
    waits = requests.post(
        auth_server.url + API + "/auth/login", json={"sso_id": sso_id, "password": issued}, timeout=30
    )
    assert waits.status_code == 429 and waits.json()["error"]["code"] == "login_throttled"


def test_the_audit_log_records_who_when_where_and_the_outcome(auth_server: ServerProcess) -> None:
    sso_id, issued = new_kiosk(auth_server, "RJ-JPR-0503")
    for password in ("not it", issued):
        requests.post(
            auth_server.url + API + "/auth/login",
            json={"sso_id": sso_id, "password": password},
            headers={"X-Machine-Id": "KIOSK-PC-7"},
            timeout=30,
        )
    requests.post(
        auth_server.url + API + "/auth/login",
        json={"sso_id": "NOBODY.AT.ALL", "password": "x"},
        headers={"X-Machine-Id": "KIOSK-PC-8"},
        timeout=30,
    )
    events = auth_server.admin("GET", "/auth-events").json()["events"]
    logins = [(e["sso_id"], e["machine_id"], e["outcome"]) for e in events if e["event"] == "login"]
    unknown = logins[0][0]
    assert logins[:3] == [
        (unknown, "KIOSK-PC-8", "unknown_sso_id"),
        (sso_id, "KIOSK-PC-7", "success"),
        (sso_id, "KIOSK-PC-7", "wrong_password"),
    ]
    assert all(e["at"] and e["client_ip"] == "127.0.0.1" for e in events if e["event"] == "login")


def test_the_audit_log_never_keeps_a_typed_sso_id_that_matches_no_account(auth_server: ServerProcess) -> None:
    # An operator types the password into the SSO ID box: the log keeps a keyed hash, the same for the same text.
    _, issued = new_kiosk(auth_server, "RJ-JPR-0504")
    for typed in (issued, issued, "someone else"):
        requests.post(auth_server.url + API + "/auth/login", json={"sso_id": typed, "password": issued}, timeout=30)
        requests.post(auth_server.url + API + "/auth/forgot-password", json={"sso_id": typed}, timeout=30)
    events = [
        e for e in auth_server.admin("GET", "/auth-events").json()["events"] if e["event"] in ("login", "otp_request")
    ]
    shown = [e["sso_id"] for e in events]
    assert len(shown) == 6 and all(s.startswith("hash:") and len(s) == 37 for s in shown)
    assert issued not in repr(auth_server.admin("GET", "/auth-events").json())
    assert len(set(shown)) == 2  # the same text typed twice shows the same hash
    engine = make_engine(auth_server.database_url)
    try:
        with engine.connect() as conn:
            stored = repr(
                [
                    tuple(r)
                    for table in ("auth_events", "otp_challenges", "auth_throttles")
                    for r in conn.exec_driver_sql(f"SELECT * FROM {table}")
                ]
            )
    finally:
        engine.dispose()
    assert issued.lower() not in stored.lower()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_x_forwarded_for_is_believed_only_from_configured_proxies(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    def logged_ip(server: ServerProcess, forwarded: str) -> str:
        requests.post(
            server.url + API + "/auth/login",
            json={"sso_id": "NOBODY.AT.ALL", "password": "x"},
            headers={"X-Forwarded-For": forwarded},
            timeout=30,
        )
        return str(server.admin("GET", "/auth-events").json()["events"][0]["client_ip"])

    plain = start_server(database_url, EMITRA_ARGON2_PROFILE="fast")
    assert logged_ip(plain, "203.0.113.5") == "127.0.0.1"  # a local caller is no proxy unless configured
    proxied = start_server(database_url, EMITRA_ARGON2_PROFILE="fast", EMITRA_TRUSTED_PROXIES="127.0.0.0/8, 10.0.0.1")
    assert logged_ip(proxied, "203.0.113.5") == "203.0.113.5"
    # What the client wrote before the proxies' own entries is not believed: the last untrusted hop is.
    assert logged_ip(proxied, "198.51.100.1, 203.0.113.6, 10.0.0.1") == "203.0.113.6"
    assert logged_ip(proxied, "not-an-address") == "127.0.0.1"


def test_test_conveniences_refuse_to_run_in_production(tmp_path: Path) -> None:
    secrets = production_secrets()
    assert Settings(mode="production", **secrets).argon2_profile == "default"
    with pytest.raises(InsecureSettingsError, match="ARGON2"):
        Settings(mode="production", argon2_profile="fast", **secrets)
    with pytest.raises(InsecureSettingsError, match="CLOCK"):
        Settings(mode="production", clock_offset_file=tmp_path / "offset", **secrets)
